import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { LiveConfig } from '../config.js';
import type { BlobStore } from '../adapters/blob-store/index.js';
import type { Db } from '../db/database.js';
import { listLiveSegments } from '../db/repositories/live-segments.repository.js';
import {
  admitLiveSession,
  findLiveSession,
  listLiveSessions,
  markLiveSessionEnded,
  recordLiveResume,
  tombstoneLiveSession,
  type LiveSessionPage,
} from '../db/repositories/live-sessions.repository.js';
import { lastLiveSegment } from '../db/repositories/live-segments.repository.js';
import { batchOptionsFromLive } from '../domain/live-recording.js';
import { AppError } from '../domain/errors.js';
import { resumePointOf, type ClientAttachment, type LiveOptions, type LiveSegment, type LiveSession, type LiveSessionInput, type LiveSessionStatus } from '../domain/live.js';
import { liveSessionWorkflowId } from '../temporal/live-ids.js';
import { TENANT_SEARCH_ATTRIBUTE } from '../temporal/search-attributes.js';
import { attachClientSignal, closeLiveSessionSignal, LIVE_SESSION_WORKFLOW } from '../../workflows/live-session.definitions.js';
import type { liveSession } from '../../workflows/live-session.workflow.js';
import type { Caller } from '../domain/tenancy.js';
import { liveSessionStateQuery } from '../../workflows/live-session.definitions.js';

/** Beyond a session's longest possible life: a row still open after that was orphaned. */
const STALE_MARGIN_SECONDS = 600;

export type LiveSessionsService = ReturnType<typeof createLiveSessionsService>;

const unavailable = (what: string, err: unknown) =>
  // Raw database or Temporal error text is no client's business.
  new AppError(503, 'service_unavailable', `${what} is unreachable, so the session was not started. Retry shortly.`, undefined, 5);

/** Live-session use cases shared by the WebSocket gateway and the HTTP API: start, resume, read, close. */
export function createLiveSessionsService(deps: {
  live: LiveConfig;
  db: Db;
  temporal: Client;
  searchAttributes?: boolean;
  /** Where recordings live: deleting a session deletes its recording at once (otherwise the orphan sweep does, later). */
  blobs?: Pick<BlobStore, 'delete'>;
}) {
  const { live, db, temporal } = deps;

  /** Whether the session's relay still reports in: a relay whose worker died stops heartbeating long before it times out. */
  async function relayIsAlive(sessionId: string): Promise<boolean> {
    const description = await temporal.workflow.getHandle(liveSessionWorkflowId(sessionId)).describe();
    const beats = description.raw.pendingActivities ?? [];
    const staleAfterMs = Math.max(1_000, (live.heartbeatTimeoutMs * 2) / 3);
    return beats.some((activity) => {
      const last = activity.lastHeartbeatTime ?? activity.lastStartedTime;
      if (!last) return true;
      const seconds = Number(last.seconds ?? 0) * 1000 + Math.floor(Number(last.nanos ?? 0) / 1e6);
      return Date.now() - seconds < staleAfterMs;
    });
  }

  /**
   * A resume is the owner's client coming back: allowed while the session waits for its client (or its relay's
   * worker has died), or as an explicit takeover. A session still relaying to a live connection is not taken by a
   * plain resume: the first connection may just be slow to notice it is gone, so wait briefly before refusing.
   */
  async function assertResumable(sessionId: string, takeover: boolean): Promise<void> {
    if (takeover) return;
    const handle = temporal.workflow.getHandle(liveSessionWorkflowId(sessionId));
    const deadline = Date.now() + 3_000;
    while (true) {
      let state;
      try {
        state = await handle.query(liveSessionStateQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new AppError(409, 'session_ended', `Live session ${sessionId} has ended; start a new one`);
        throw unavailable('The workflow engine', err);
      }
      if (state.status !== 'relaying') return;
      if (!(await relayIsAlive(sessionId).catch(() => true))) return;
      if (Date.now() > deadline) {
        throw new AppError(409, 'session_in_use', `Live session ${sessionId} is connected from another client; reconnect with takeover=true to take it over (the other connection is closed)`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    /** The caller's session (another tenant's is as missing as an unknown one). */
    find: (caller: Caller, id: string): Promise<LiveSession | undefined> => findLiveSession(db, id, caller.tenantId),

    /**
     * Where a resumed connection's audio starts on the session's timeline: after the last final stored. Read once the
     * previous relay has ended (it stores its last finals first), so it is what the new relay will use.
     */
    async resumePoint(sessionId: string): Promise<number> {
      const [session, last] = await Promise.all([findLiveSession(db, sessionId), lastLiveSegment(db, sessionId)]);
      return session ? resumePointOf(session, last) : 0;
    },

    /** Whether any tenant's session has this id: a client-chosen id (create_session) must be new. */
    idTaken: async (id: string): Promise<boolean> => (await findLiveSession(db, id)) !== undefined,

    /** Records the session and starts its workflow; the relay then runs on `attach.taskQueue`. */
    async start(caller: Caller, request: { sessionId: string; options: LiveOptions; attach: ClientAttachment; record?: boolean; repass?: boolean }): Promise<void> {
      let admission;
      try {
        admission = await admitLiveSession(
          db,
          {
            id: request.sessionId,
            options: request.options,
            tenantId: caller.tenantId,
            apiKeyId: caller.keyId,
            region: caller.region,
            record: request.record ?? false,
            // The re-pass at the end uses the session's own options that apply to a file.
            repassOptions: request.repass ? batchOptionsFromLive(request.options) : null,
          },
          {
            maxOpen: live.maxSessions,
            maxOpenForKey: caller.maxLiveSessions,
            staleAfterSeconds: live.maxSessionSeconds + live.resumeWindowMs / 1000 + STALE_MARGIN_SECONDS,
          },
        );
      } catch (err) {
        throw unavailable('The database', err);
      }
      if (!admission.admitted && admission.scope === 'id_taken') {
        throw new AppError(409, 'session_id_taken', `The session id ${request.sessionId} is taken; choose another (a new random UUID)`);
      }
      if (!admission.admitted) {
        throw new AppError(
          429,
          'too_many_live_sessions',
          admission.scope === 'key'
            ? `${admission.open} live sessions are open for API key ${caller.keyName}, its limit (max_live_sessions=${caller.maxLiveSessions}); try again later`
            : `${admission.open} live sessions are open, the limit across all streaming workers (DEEPGRAM_MAX_LIVE_SESSIONS=${live.maxSessions}); try again later`,
          { scope: admission.scope },
          5,
        );
      }
      const input: LiveSessionInput = {
        sessionId: request.sessionId,
        options: request.options,
        attach: request.attach,
        limits: { maxSessionMs: live.maxSessionSeconds * 1000, resumeWindowMs: live.resumeWindowMs, heartbeatTimeoutMs: live.heartbeatTimeoutMs },
        ...(request.record ? { record: true, ...(request.repass ? { repass: true } : {}) } : {}),
      };
      try {
        await temporal.workflow.start<typeof liveSession>(LIVE_SESSION_WORKFLOW, {
          taskQueue: live.taskQueue,
          workflowId: liveSessionWorkflowId(request.sessionId),
          args: [input],
          ...(deps.searchAttributes ? { typedSearchAttributes: [{ key: TENANT_SEARCH_ATTRIBUTE, value: caller.tenantName }] } : {}),
        });
      } catch (err) {
        // Two connections creating the same client-chosen id at once (create_session): the first one has it.
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw new AppError(409, 'session_in_use', `Live session ${request.sessionId} was just started by another connection; reconnect to resume it`);
        }
        await markLiveSessionEnded(db, request.sessionId, { reason: 'internal_error', message: 'the workflow engine did not accept the session' }).catch(() => undefined);
        throw unavailable('The workflow engine', err);
      }
    },

    /** Refuses a resume that would take a session from a client still connected to it (unless `takeover`). */
    assertResumable,

    /** A client came back with `session_id`: the session's workflow moves the relay to this connection. */
    async resume(sessionId: string, attach: ClientAttachment): Promise<void> {
      try {
        await temporal.workflow.getHandle(liveSessionWorkflowId(sessionId)).signal(attachClientSignal, attach);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new AppError(409, 'session_ended', `Live session ${sessionId} has ended; start a new one`);
        throw unavailable('The workflow engine', err);
      }
      await recordLiveResume(db, sessionId).catch(() => undefined);
    },

    async get(caller: Caller, id: string): Promise<{ session: LiveSession; segments: LiveSegment[] } | undefined> {
      const session = await findLiveSession(db, id, caller.tenantId);
      if (!session) return undefined;
      return { session, segments: session.deletedAt ? [] : await listLiveSegments(db, id) };
    },

    /**
     * Deletes an ended session's transcript and final results, keeping a tombstone (ids, times, audio seconds).
     * An active session must be closed first: its relay would go on storing results. Idempotent.
     */
    async delete(caller: Caller, id: string): Promise<void> {
      const session = await findLiveSession(db, id, caller.tenantId);
      if (!session) throw new AppError(404, 'not_found', `No live session with id ${id}`);
      if (session.deletedAt) return;
      const deleted = await tombstoneLiveSession(db, id);
      if (!deleted) {
        throw new AppError(409, 'session_active', `Live session ${id} is still active: close it first (POST /v1/streams/${id}/close), then delete it`);
      }
      for (const blobId of deleted.blobIds) await deps.blobs?.delete(blobId).catch(() => undefined);
    },

    list: (caller: Caller, query: { limit: number; status?: LiveSessionStatus | 'deleted'; before?: { startedAt: Date; id: string } }): Promise<LiveSessionPage> =>
      listLiveSessions(db, { ...query, tenantId: caller.tenantId }),

    /** Asks a live session to end gracefully; its relay flushes Deepgram, stores the last finals and closes the client. */
    async close(caller: Caller, id: string): Promise<LiveSession> {
      const session = await findLiveSession(db, id, caller.tenantId);
      if (!session) throw new AppError(404, 'not_found', `No live session with id ${id}`);
      if (session.deletedAt) throw deletedSession(id);
      if (session.status === 'ended') throw new AppError(409, 'session_ended', `Live session ${id} has already ended (${session.closeReason})`);
      try {
        await temporal.workflow.getHandle(liveSessionWorkflowId(id)).signal(closeLiveSessionSignal);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new AppError(409, 'session_ended', `Live session ${id} has already ended`);
        throw new AppError(503, 'service_unavailable', 'The workflow engine is unreachable; retry shortly', undefined, 5);
      }
      return session;
    },
  };
}

/** The one answer for a deleted live session, to every request but DELETE (204, idempotent): 410 Gone. */
export function deletedSession(id: string): AppError {
  return new AppError(410, 'deleted', `Live session ${id} was deleted; only its tombstone is listed (GET /v1/streams?status=deleted)`, { id, status: 'deleted' });
}
