import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';
import { findJob } from '../db/repositories/jobs.repository.js';
import { liveSegmentsAfter } from '../db/repositories/live-segments.repository.js';
import { AppError } from '../domain/errors.js';
import type { Caller } from '../domain/tenancy.js';
import { FINAL_STATUSES, type Job, type JobPhase, type JobStatus } from '../domain/transcription.js';
import { transcriptionWorkflowId } from '../temporal/task-queues.js';
import { jobStatusQuery, type TranscriptionProgress } from '../../workflows/definitions.js';
import { deletedJob } from './job-lifecycle.js';

/** One progress event of a job: what it is doing, how far along, and when it may be done. */
export interface JobEvent {
  /** Increasing within a job: what `Last-Event-ID` names to resume after. */
  id: number;
  status: JobStatus;
  phase: JobPhase | null;
  /** 0–100 where it is known (a long file's chunks). */
  percent?: number;
  /** Seconds until done, where it can be estimated (chunks done so far, at their pace). */
  etaSeconds?: number;
  chunks?: { total: number; completed: number };
  /** A stream job: finals and audio so far, and the finals stored since this connection's previous event. */
  stream?: { finals: number; audioSeconds: number; newFinals: Array<{ seq: number; start: number; end: number; transcript: string }> };
  /** The job's last state: the stream ends after it. */
  final: boolean;
}

const DEFAULT_INTERVAL_MS = 500;
/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED */
const SCHEDULED = 1;
// Ids of final events read from the job row (the workflow is gone): after every id the workflow can have given.
const FINAL_EVENT_ID = 1_000_000_000;

/**
 * A job's progress as a stream of events, read from its workflow (the `jobStatus` query, and Temporal's record of
 * its pending Deepgram call), never from a polling loop over PostgreSQL: the job row is read once to check the
 * caller's tenant, and once more for the final state of a workflow that has already closed.
 */
export function createJobEvents(deps: { db: Db; temporal: Client; intervalMs?: number }) {
  const intervalMs = deps.intervalMs ?? DEFAULT_INTERVAL_MS;

  async function requireLiveJob(caller: Caller, id: string): Promise<Job> {
    const job = await findJob(deps.db, id, caller.tenantId);
    if (!job) throw new AppError(404, 'not_found', `No transcription with id ${id}`);
    if (job.status === 'deleted') throw deletedJob(id);
    return job;
  }

  /** The workflow's own progress, with a queued Deepgram call told apart from a running one; null once it is gone. */
  async function workflowProgress(id: string): Promise<{ progress: TranscriptionProgress; callStarted: boolean } | null> {
    const handle = deps.temporal.workflow.getHandle(transcriptionWorkflowId(id));
    try {
      const progress = await handle.query(jobStatusQuery);
      let callStarted = true;
      if (progress.phase === 'transcribing' && !progress.chunks) {
        // A call waiting on the Deepgram queue (caps, fair share) until a worker takes it is still `queued` to the user.
        const { raw } = await handle.describe();
        callStarted = !(raw.pendingActivities ?? []).some((a) => a.state === SCHEDULED || String(a.state) === 'PENDING_ACTIVITY_STATE_SCHEDULED');
      }
      return { progress, callStarted };
    } catch {
      return null;
    }
  }

  function eventOf(progress: TranscriptionProgress, callStarted: boolean, now: number): JobEvent {
    const final = FINAL_STATUSES.includes(progress.status);
    const phase: JobPhase | null = final ? null : progress.phase === 'transcribing' && !callStarted ? 'queued' : (progress.phase ?? null);
    const event: JobEvent = { id: (progress.version ?? 0) * 2 + (callStarted ? 1 : 0), status: progress.status, phase, final };
    const chunks = progress.chunks;
    if (chunks) {
      event.chunks = { ...chunks };
      event.percent = Math.round((chunks.completed / chunks.total) * 100);
      if (chunks.completed > 0 && chunks.completed < chunks.total && progress.phase === 'transcribing' && progress.phaseStartedAt) {
        const perChunk = (now - progress.phaseStartedAt) / chunks.completed;
        event.etaSeconds = Math.round((perChunk * (chunks.total - chunks.completed)) / 1000);
      }
    }
    if (final && progress.status === 'completed') event.percent = 100;
    if (progress.stream) event.stream = { finals: progress.stream.finals, audioSeconds: progress.stream.audioSeconds, newFinals: [] };
    return event;
  }

  function finalEventOf(job: Job): JobEvent {
    return {
      id: FINAL_EVENT_ID,
      status: job.status,
      phase: null,
      final: true,
      ...(job.status === 'completed' ? { percent: 100 } : {}),
      ...(job.chunks ? { chunks: job.chunks } : {}),
    };
  }

  return {
    /**
     * Events from the job's current state on, one per change, ending with its final state. `afterId` (the client's
     * `Last-Event-ID`) skips what it has seen: a reconnecting client gets the current state only if it is newer.
     */
    async *watch(caller: Caller, id: string, options: { afterId?: number; signal?: AbortSignal } = {}): AsyncGenerator<JobEvent> {
      const job = await requireLiveJob(caller, id);
      let lastId = options.afterId ?? -1;
      // A stream job's finals: read when its workflow says there are new ones (each event carries those since the last).
      let sentSeq = -1;
      const withFinals = async (event: JobEvent): Promise<JobEvent> => {
        if (!event.stream) return event;
        const fresh = await liveSegmentsAfter(deps.db, id, sentSeq);
        if (fresh.length > 0) sentSeq = fresh.at(-1)!.seq;
        event.stream.newFinals = fresh.filter((s) => s.transcript.length > 0).map((s) => ({ seq: s.seq, start: s.start, end: s.end, transcript: s.transcript }));
        return event;
      };
      if (FINAL_STATUSES.includes(job.status)) {
        const event = finalEventOf(job);
        if (event.id > lastId) yield event;
        return;
      }
      while (!options.signal?.aborted) {
        const read = await workflowProgress(id);
        if (!read) {
          // Closed (and its history no longer queried) or not started: the job row holds the last word.
          const settled = await requireLiveJob(caller, id);
          if (FINAL_STATUSES.includes(settled.status)) {
            const event = finalEventOf(settled);
            if (event.id > lastId) yield event;
            return;
          }
        } else {
          const event = eventOf(read.progress, read.callStarted, Date.now());
          if (event.id > lastId) {
            lastId = event.id;
            yield await withFinals(event);
          }
          if (event.final) return;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
  };
}
