import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { OpenLiveUpstream } from '../src/adapters/deepgram/live-client.js';
import type { Db } from '../src/db/database.js';
import { lastLiveSegment } from '../src/db/repositories/live-segments.repository.js';
import { findLiveSession } from '../src/db/repositories/live-sessions.repository.js';
import { resumePointOf, type ClientLinks, type LiveCloseReason, type LiveRelayInput, type LiveRelayOutcome, type LiveRelayResult } from '../src/domain/live.js';
import type { ClientClose } from '../src/live-relay/close-policy.js';
import { LiveRelay, type RelaySettings } from '../src/live-relay/relay.js';
import { liveSessionWorkflowId } from '../src/temporal/live-ids.js';
import type { Logger } from '../src/observability/logger.js';
import type { Metrics } from '../src/observability/metrics.js';
import { liveSessionStateQuery } from '../workflows/live-session.definitions.js';
import { AppError } from '../src/domain/errors.js';
import { watchKey } from './live-key-watch.js';
import { endLiveSession, upstreamFor } from './live-session-shared.js';
import { LiveRecorder } from '../src/live-relay/recorder.js';
import type { LiveRecordings } from '../src/services/live-recordings.service.js';

export interface LiveActivityDeps {
  db: Db;
  /** Client sockets held by this process's gateway. */
  links: ClientLinks;
  openUpstream: OpenLiveUpstream;
  /** A pinned region's Deepgram Live endpoints; a session of a region this worker does not serve is refused. */
  openUpstreamIn?: (region: string | null) => OpenLiveUpstream | undefined;
  /** Asks a session's workflow why a relay was cancelled. */
  temporal: Client;
  settings: RelaySettings;
  heartbeatIntervalMs: number;
  /** How often a session re-reads its key: a revoked key or a spent budget ends the session within this (default 2 s). */
  keyCheckIntervalMs?: number;
  logger: Logger;
  /** audio_seconds_processed_total{mode="live"} and live_sessions_ended_total{reason}. */
  metrics?: Metrics;
  /** Recordings (record=true) and their re-passes; without them a session asking to be recorded is refused at connect. */
  recordings?: LiveRecordings;
}

const nothing = (outcome: LiveRelayOutcome): LiveRelayResult => ({ outcome, audioSeconds: 0, upstreamReconnects: 0 });

export function createLiveSessionActivities(deps: LiveActivityDeps) {
  /** Why a relay was cancelled: a close request, a newer connection took over, shutdown, or the server gave up on it. */
  async function cancelledOutcome(sessionId: string, reason: unknown): Promise<{ outcome: LiveRelayOutcome; client?: ClientClose }> {
    const why = (reason as { message?: unknown } | undefined)?.message;
    if (why === 'WORKER_SHUTDOWN') return { outcome: 'worker_shutdown' };
    if (why !== 'CANCELLED') {
      // Timed out (heartbeats arrived too late) or the workflow is gone: the session no longer counts on this relay.
      return { outcome: 'superseded', client: { code: 1011, reason: `Session relay interrupted; reconnect with session_id=${sessionId}` } };
    }
    try {
      const state = await deps.temporal.workflow.getHandle(liveSessionWorkflowId(sessionId)).query(liveSessionStateQuery);
      return { outcome: state.closeRequested ? 'closed_by_request' : 'superseded' };
    } catch {
      return { outcome: 'closed_by_request' };
    }
  }

  return {
    /**
     * Relays one client connection to Deepgram Live until it ends, heartbeating progress. Runs only on the streaming
     * worker holding the connection (its own task queue), never retried by Temporal (see the workflow). Cancellation
     * ends it gracefully: Deepgram is flushed and the last finals are stored before it returns.
     */
    async relayLiveSession(input: LiveRelayInput): Promise<LiveRelayResult> {
      const link = deps.links.claim(input.connectionId);
      if (!link) return nothing('client_missing');
      let session, last;
      try {
        [session, last] = await Promise.all([findLiveSession(deps.db, input.sessionId), lastLiveSegment(deps.db, input.sessionId)]);
      } catch (err) {
        // The client must not be left on a socket nobody relays; it can come back once the database answers.
        link.close(1011, `Session could not start (database unavailable); reconnect with session_id=${input.sessionId}`);
        throw err;
      }
      if (!session) {
        link.close(1011, 'Session record missing');
        return nothing('upstream_failed');
      }
      const relay = new LiveRelay({
        sessionId: input.sessionId,
        options: input.options,
        link,
        openUpstream: upstreamFor(deps, session.region),
        db: deps.db,
        // A resumed session continues after the last final result stored.
        base: resumePointOf(session, last),
        nextSeq: (last?.seq ?? -1) + 1,
        deadlineMs: input.deadlineMs,
        maxSessionSeconds: input.maxSessionSeconds,
        settings: deps.settings,
        ...(session.record && deps.recordings
          ? {
              recorder: new LiveRecorder({
                sink: deps.recordings.sink,
                sessionId: input.sessionId,
                tenantId: session.tenantId,
                recordedBytes: session.recording.bytes,
                warn: (details, message) => deps.logger.warn(details, message),
              }),
            }
          : {}),
        recordEnd: (outcome, message) => endLiveSession(deps, input.sessionId, outcome, message),
        warn: (details, message) => deps.logger.warn(details, message),
      });
      const ctx = Context.current();
      const stopWatching = session.apiKeyId
        ? watchKey(deps.db, session.apiKeyId, { intervalMs: deps.keyCheckIntervalMs ?? 2_000, unreportedSeconds: () => relay.unreportedAudioSeconds() }, (outcome) => relay.stop(outcome), (err) =>
            deps.logger.warn({ err, sessionId: input.sessionId }, 'live: could not check the session key'),
          )
        : () => undefined;
      const onCancel = () => void cancelledOutcome(input.sessionId, ctx.cancellationSignal.reason).then(({ outcome, client }) => relay.stop(outcome, client));
      ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
      const beat = setInterval(() => ctx.heartbeat(relay.progress()), deps.heartbeatIntervalMs);
      try {
        const result = await relay.start();
        deps.metrics?.audioSecondsProcessed.inc({ mode: 'live' }, result.audioSeconds);
        return result;
      } finally {
        clearInterval(beat);
        stopWatching();
        ctx.cancellationSignal.removeEventListener('abort', onCancel);
      }
    },

    /**
     * Joins an ended session's recorded parts into one file (README, Recordings). Idempotent; retried while the blob
     * store or the database is away.
     */
    async finishLiveRecording(sessionId: string): Promise<{ bytes: number }> {
      if (!deps.recordings) return { bytes: 0 };
      const { blobId, bytes } = await deps.recordings.assemble(sessionId);
      if (blobId) deps.logger.info({ sessionId, bytes }, 'live: recording stored');
      return { bytes };
    },

    /**
     * repass=true: transcribes the recording again as a batch job of the session's key. A refusal the job API would
     * answer with 4xx (the key's budget spent) is logged and not retried; the client can ask again later.
     */
    async startLiveRepass(sessionId: string): Promise<string | null> {
      if (!deps.recordings) return null;
      try {
        const jobId = await deps.recordings.repassOnEnd(sessionId);
        deps.logger.info({ sessionId, jobId }, jobId ? 'live: re-pass of the recording started' : 'live: no re-pass (no recording, or the key was revoked)');
        return jobId;
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          deps.logger.warn({ sessionId, code: err.code, err: err.message }, 'live: re-pass of the recording refused');
          return null;
        }
        throw err;
      }
    },

    /** Records how the session ended; the first recorded reason wins. */
    async markLiveSessionEnded(sessionId: string, reason: LiveCloseReason, message: string | null): Promise<void> {
      await endLiveSession(deps, sessionId, reason, message);
    },
  };
}
