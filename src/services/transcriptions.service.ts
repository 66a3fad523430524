import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { findJob, insertJob, markJobFailed } from '../db/repositories/jobs.repository.js';
import { AppError } from '../domain/errors.js';
import { findTranscript, saveTranscript } from '../db/repositories/transcripts.repository.js';
import { isPrerecordedResponse, transcriptText } from '../adapters/deepgram/response.js';
import { resolveMode } from '../domain/routing.js';
import type { AudioSource, DeepgramOptions, Job, RequestedMode, ResolvedMode, StoredTranscript } from '../domain/transcription.js';
import { deepgramCallbackSignal, routingUpdate, TRANSCRIPTION_WORKFLOW } from '../../workflows/definitions.js';
import type { transcription } from '../../workflows/transcription.workflow.js';
import { transcriptionWorkflowId } from '../temporal/task-queues.js';
import { buildTranscriptionInput } from './transcription-input.js';

export interface SubmitTranscription {
  source: AudioSource;
  mode: RequestedMode;
  options: DeepgramOptions;
  durationHint?: number;
}

export interface JobWithTranscript {
  job: Job;
  transcript?: StoredTranscript;
}

export interface SubmitResult extends JobWithTranscript {
  /** True when the job reached a final state while the request waited. */
  finished: boolean;
}

/** The route the workflow took, known to the API before the job row records it. */
function withMode(loaded: JobWithTranscript, mode: ResolvedMode): JobWithTranscript {
  return loaded.job.mode ? loaded : { ...loaded, job: { ...loaded.job, mode } };
}

export type TranscriptionService = ReturnType<typeof createTranscriptionService>;

/** The use cases behind the job API: start workflows, wait for sync ones, read jobs back. */
export function createTranscriptionService(deps: { config: Config; db: Db; temporal: Client }) {
  const { config, db, temporal } = deps;

  async function load(id: string): Promise<JobWithTranscript | undefined> {
    const job = await findJob(db, id);
    if (!job) return undefined;
    const transcript = job.status === 'completed' ? await findTranscript(db, id) : undefined;
    return { job, ...(transcript ? { transcript } : {}) };
  }

  /** Waits for the workflow to finish, but no longer than the sync budget. */
  async function waitBounded(workflowId: string, budgetMs: number): Promise<boolean> {
    const handle = temporal.workflow.getHandle<typeof transcription>(workflowId);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), budgetMs)));
    try {
      return await Promise.race([
        handle.result().then(
          () => true,
          // A failed job is finished too; any other error (Temporal briefly unreachable) means "not yet":
          // the job is accepted and durable, so the client gets a 202 and polls.
          (err) => err instanceof WorkflowFailedError,
        ),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function workflowExists(workflowId: string): Promise<boolean> {
    try {
      await temporal.workflow.getHandle(workflowId).describe();
      return true;
    } catch {
      return false;
    }
  }

  return {
    async submit(request: SubmitTranscription): Promise<SubmitResult> {
      const jobId = randomUUID();
      const workflowId = transcriptionWorkflowId(jobId);
      const startedAt = Date.now();
      try {
        await insertJob(db, { id: jobId, requestedMode: request.mode, source: request.source, options: request.options, durationSeconds: request.durationHint });
      } catch (err) {
        throw new AppError(503, 'service_unavailable', `The database is unreachable, so nothing was started. Retry shortly. (${(err as Error).message})`, undefined, 5);
      }
      const startOptions = {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [buildTranscriptionInput(config, { jobId, ...request })] as [ReturnType<typeof buildTranscriptionInput>],
      };

      let mode: ResolvedMode;
      try {
        if (request.mode === 'auto' && request.durationHint === undefined) {
          // Routing needs a look at the audio, which the workflow does; ask it in the same RPC that starts it.
          const startWorkflowOperation = new WithStartWorkflowOperation<typeof transcription>(TRANSCRIPTION_WORKFLOW, {
            ...startOptions,
            workflowIdConflictPolicy: 'USE_EXISTING',
          });
          mode = await temporal.workflow.executeUpdateWithStart(routingUpdate, { startWorkflowOperation });
        } else {
          await temporal.workflow.start<typeof transcription>(TRANSCRIPTION_WORKFLOW, startOptions);
          mode = resolveMode(request.mode, request.durationHint, config.routing);
        }
      } catch (err) {
        if (await workflowExists(workflowId)) {
          // Started, but the answer was lost: the job is accepted; the client polls.
          mode = request.mode === 'auto' ? resolveMode('auto', request.durationHint, config.routing) : request.mode;
        } else {
          await markJobFailed(db, jobId, { code: 'not_started', message: `The workflow engine did not accept the job: ${(err as Error).message}` }, null).catch(() => undefined);
          throw new AppError(503, 'service_unavailable', 'The workflow engine is unreachable, so nothing was started. Retry shortly.', undefined, 5);
        }
      }

      const finished = mode === 'sync' && (await waitBounded(workflowId, Math.max(0, config.http.syncWaitMs - (Date.now() - startedAt))));
      const loaded = await load(jobId);
      if (!loaded) throw new Error(`job ${jobId} vanished after submit`);
      return { ...withMode(loaded, mode), finished: finished && (loaded.job.status === 'completed' || loaded.job.status === 'failed') };
    },

    get: load,

    /**
     * Deepgram's callback for a job: store the body (idempotently, first wins) and wake the workflow.
     * Returns false for an unknown job.
     */
    async acceptDeepgramCallback(jobId: string, body: unknown): Promise<boolean> {
      const job = await findJob(db, jobId);
      if (!job) return false;
      const handle = temporal.workflow.getHandle(transcriptionWorkflowId(jobId));
      let notice;
      if (isPrerecordedResponse(body)) {
        await saveTranscript(db, { jobId, deepgramRequestId: body.metadata.request_id, text: transcriptText(body), result: body });
        notice = { deepgramRequestId: body.metadata.request_id, ok: true };
      } else {
        const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
        const message = typeof b.err_msg === 'string' ? b.err_msg : 'Deepgram reported a failure without details';
        const deepgramCode = typeof b.err_code === 'string' ? b.err_code : undefined;
        const deepgramRequestId = typeof b.request_id === 'string' ? b.request_id : '';
        notice = { deepgramRequestId, ok: false, error: { code: 'deepgram_rejected', message, ...(deepgramCode ? { deepgramCode } : {}) } };
      }
      try {
        await handle.signal(deepgramCallbackSignal, notice);
      } catch (err) {
        // A finished workflow no longer needs the news (a late or repeated callback).
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      return true;
    },
  };
}
