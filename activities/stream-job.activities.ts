import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { OpenLiveUpstream } from '../src/adapters/deepgram/live-client.js';
import type { Db } from '../src/db/database.js';
import { findJob, findJobAudio, markJobCanceled, markJobCompleted, markJobFailed, markJobProcessing } from '../src/db/repositories/jobs.repository.js';
import { lastLiveSegment, listLiveSegments } from '../src/db/repositories/live-segments.repository.js';
import { findLiveSession, tombstoneLiveSession } from '../src/db/repositories/live-sessions.repository.js';
import { saveTranscript } from '../src/db/repositories/transcripts.repository.js';
import { resumePointOf, type LiveCloseReason, type LiveRelayOutcome } from '../src/domain/live.js';
import { deepgramResultFromLive } from '../src/domain/live-transcript.js';
import type { StreamPullOutcome, StreamPullResult } from '../src/domain/stream-job.js';
import type { TranscriptSummary } from '../src/domain/transcription.js';
import { PulledStreamLink } from '../src/live-relay/pulled-stream-link.js';
import { LiveRelay, type RelaySettings } from '../src/live-relay/relay.js';
import type { Logger } from '../src/observability/logger.js';
import type { Metrics } from '../src/observability/metrics.js';
import { streamProgressSignal } from '../workflows/definitions.js';
import { watchKey } from './live-key-watch.js';
import { endLiveSession, upstreamFor } from './live-session-shared.js';

export interface StreamJobActivityDeps {
  db: Db;
  /** Tells a stream job's workflow how many finals are stored (its progress events). */
  temporal: Client;
  openUpstream: OpenLiveUpstream;
  openUpstreamIn?: (region: string | null) => OpenLiveUpstream | undefined;
  settings: RelaySettings;
  heartbeatIntervalMs: number;
  keyCheckIntervalMs?: number;
  /** Opens a stream URL through the SSRF-guarded client. */
  openSource: (url: string, signal: AbortSignal) => Promise<Response>;
  /** How a dropped source is opened again; given up after giveUpAfterMs of failing. */
  sourceReconnect?: { firstDelayMs: number; maxDelayMs: number; giveUpAfterMs: number };
  logger: Logger;
  metrics?: Metrics;
}

/** The least time between two progress signals to a stream job's workflow. */
const PROGRESS_EVERY_MS = 2_000;
const DEFAULT_SOURCE_RECONNECT = { firstDelayMs: 500, maxDelayMs: 15_000, giveUpAfterMs: 60_000 };

/** The pull's outcome from the relay's: the source is the relay's client here. */
function pullOutcome(relay: LiveRelayOutcome, played: boolean): StreamPullOutcome {
  switch (relay) {
    case 'client_closed':
      return 'ended';
    case 'client_disconnected':
    case 'client_missing':
      return played ? 'ended' : 'source_failed';
    case 'closed_by_request':
    case 'superseded':
      return 'canceled';
    case 'max_duration':
    case 'upstream_failed':
    case 'budget_exhausted':
    case 'key_revoked':
      return relay;
    default:
      return 'ended';
  }
}

/** What the session row records for a stream job's end. */
const CLOSE_REASON: Record<StreamPullOutcome, LiveCloseReason> = {
  ended: 'client_closed',
  max_duration: 'max_duration',
  canceled: 'closed_by_request',
  source_failed: 'upstream_failed',
  upstream_failed: 'upstream_failed',
  budget_exhausted: 'budget_exhausted',
  key_revoked: 'key_revoked',
};

export function createStreamJobActivities(deps: StreamJobActivityDeps) {
  return {
    /**
     * Pulls a stream job's URL into Deepgram Live until the stream ends, the job is canceled or its deadline comes,
     * storing finals as they arrive (heartbeating its progress). A worker that dies mid-stream stops heartbeating and
     * Temporal runs this again on another streaming worker: it continues after the last stored final, so no final
     * is lost or stored twice (the audio of the outage itself is gone: the stream is live).
     */
    async pullLiveStream(request: { jobId: string; deadlineMs: number }): Promise<StreamPullResult> {
      const { jobId } = request;
      const [session, last, audio] = await Promise.all([findLiveSession(deps.db, jobId), lastLiveSegment(deps.db, jobId), findJobAudio(deps.db, jobId)]);
      if (!session || !audio || audio.source.kind !== 'url') throw ApplicationFailure.nonRetryable(`stream job ${jobId} has no session or URL`, 'StreamJobMissing');
      await markJobProcessing(deps.db, jobId);
      const link = new PulledStreamLink({
        url: audio.source.url,
        open: deps.openSource,
        reconnect: deps.sourceReconnect ?? DEFAULT_SOURCE_RECONNECT,
        warn: (details, message) => deps.logger.warn({ ...details, jobId }, message),
      });
      // A pull taken over from a dead worker continues after everything received before it (finals stored, audio counted).
      const base = Math.max(resumePointOf(session, last), session.audioSeconds);
      const relay = new LiveRelay({
        sessionId: jobId,
        options: session.options,
        link,
        openUpstream: upstreamFor(deps, session.region),
        db: deps.db,
        base,
        nextSeq: (last?.seq ?? -1) + 1,
        deadlineMs: request.deadlineMs,
        maxSessionSeconds: Math.max(1, Math.round((request.deadlineMs - session.startedAt.getTime()) / 1000)),
        settings: deps.settings,
        warn: (details, message) => deps.logger.warn({ ...details, jobId }, message),
      });
      const ctx = Context.current();
      const stopWatching = session.apiKeyId
        ? watchKey(deps.db, session.apiKeyId, { intervalMs: deps.keyCheckIntervalMs ?? 2_000, unreportedSeconds: () => relay.unreportedAudioSeconds() }, (outcome) => relay.stop(outcome), (err) =>
            deps.logger.warn({ err, jobId }, 'stream: could not check the job key'),
          )
        : () => undefined;
      // Cancelled: the job was canceled, or its worker is shutting down (another worker takes the pull over).
      const onCancel = () => relay.stop('closed_by_request');
      ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
      let toldFinals = -1;
      let toldAt = 0;
      const beat = setInterval(() => {
        const progress = relay.progress();
        ctx.heartbeat({ ...progress, sourceReconnects: link.reconnects });
        // New finals: the workflow hears counts (never text) at most every PROGRESS_EVERY_MS, for its progress events.
        const finals = (progress.lastFinal?.seq ?? -1) + 1;
        if (finals !== toldFinals && Date.now() - toldAt >= PROGRESS_EVERY_MS) {
          toldFinals = finals;
          toldAt = Date.now();
          void deps.temporal.workflow
            .getHandle(jobId)
            .signal(streamProgressSignal, { finals, audioSeconds: Math.round((base + progress.audioSeconds) * 1000) / 1000 })
            .catch(() => undefined);
        }
      }, deps.heartbeatIntervalMs);
      deps.logger.info({ jobId, attempt: ctx.info.attempt, base }, 'stream: pulling the source into Deepgram Live');
      try {
        const result = await relay.start();
        deps.metrics?.audioSecondsProcessed.inc({ mode: 'live' }, result.audioSeconds);
        if ((ctx.cancellationSignal.reason as { message?: string } | undefined)?.message === 'WORKER_SHUTDOWN') {
          // Not the job's end: another streaming worker picks the pull up.
          throw new Error('the streaming worker is shutting down; the pull continues elsewhere');
        }
        const outcome = pullOutcome(result.outcome, link.played);
        const message = link.failure ?? result.message;
        return { outcome, audioSeconds: result.audioSeconds, ...(message ? { message } : {}) };
      } finally {
        clearInterval(beat);
        stopWatching();
        link.close();
        ctx.cancellationSignal.removeEventListener('abort', onCancel);
      }
    },

    /**
     * Ends a stream job: its session ends (metered as live audio, once), and the finals become the job's transcript
     * in Deepgram's pre-recorded shape. A stream that never played, or that Deepgram refused before any final,
     * fails the job; a canceled one keeps its finals in its live session. Idempotent.
     */
    async finishStreamJob(request: { jobId: string; outcome: StreamPullOutcome; message: string | null }): Promise<{ status: 'completed' | 'failed' | 'canceled' }> {
      const { jobId, outcome } = request;
      await endLiveSession(deps, jobId, CLOSE_REASON[outcome], request.message);
      // Deleted while it played: its finals go with it (the session keeps only its tombstone, for billing).
      if ((await findJob(deps.db, jobId))?.status === 'deleted') {
        await tombstoneLiveSession(deps.db, jobId);
        return { status: 'canceled' };
      }
      if (outcome === 'canceled') {
        await markJobCanceled(deps.db, jobId);
        return { status: 'canceled' };
      }
      const [session, segments] = await Promise.all([findLiveSession(deps.db, jobId), listLiveSegments(deps.db, jobId)]);
      const heard = segments.some((s) => s.transcript.length > 0);
      if (outcome === 'source_failed' || (!heard && (outcome === 'upstream_failed' || outcome === 'key_revoked'))) {
        const code = outcome === 'source_failed' ? 'source_unavailable' : outcome === 'key_revoked' ? 'unauthorized' : 'deepgram_unavailable';
        await markJobFailed(deps.db, jobId, { code, message: request.message ?? `The stream ended without a transcript (${outcome})` }, null);
        return { status: 'failed' };
      }
      const live = deepgramResultFromLive(jobId, session?.startedAt ?? new Date(), segments, session?.model ?? null);
      const summary: TranscriptSummary = { deepgramRequestId: jobId, durationSeconds: session?.audioSeconds ?? live.durationSeconds };
      await saveTranscript(deps.db, { jobId, deepgramRequestId: jobId, text: live.transcript, result: live.result });
      await markJobCompleted(deps.db, jobId, summary);
      return { status: 'completed' };
    },
  };
}
