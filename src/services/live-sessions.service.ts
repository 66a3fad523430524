import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { LiveConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { listLiveSegments } from '../db/repositories/live-segments.repository.js';
import {
  admitLiveSession,
  findLiveSession,
  listLiveSessions,
  markLiveSessionEnded,
  recordLiveResume,
  type LiveSessionPage,
} from '../db/repositories/live-sessions.repository.js';
import { AppError } from '../domain/errors.js';
import type { ClientAttachment, LiveOptions, LiveSegment, LiveSession, LiveSessionInput, LiveSessionStatus } from '../domain/live.js';
import { liveSessionWorkflowId } from '../temporal/live-ids.js';
import { attachClientSignal, closeLiveSessionSignal, LIVE_SESSION_WORKFLOW } from '../../workflows/live-session.definitions.js';
import type { liveSession } from '../../workflows/live-session.workflow.js';

/** Beyond a session's longest possible life: a row still open after that was orphaned. */
const STALE_MARGIN_SECONDS = 600;

export type LiveSessionsService = ReturnType<typeof createLiveSessionsService>;

const unavailable = (what: string, err: unknown) =>
  new AppError(503, 'service_unavailable', `${what} is unreachable, so the session was not started. Retry shortly. (${(err as Error).message})`, undefined, 5);

/** Live-session use cases shared by the WebSocket gateway and the HTTP API: start, resume, read, close. */
export function createLiveSessionsService(deps: { live: LiveConfig; db: Db; temporal: Client }) {
  const { live, db, temporal } = deps;

  return {
    find: (id: string): Promise<LiveSession | undefined> => findLiveSession(db, id),

    /** Records the session and starts its workflow; the relay then runs on `attach.taskQueue`. */
    async start(request: { sessionId: string; options: LiveOptions; attach: ClientAttachment }): Promise<void> {
      let admission;
      try {
        admission = await admitLiveSession(db, { id: request.sessionId, options: request.options }, {
          maxOpen: live.maxSessions,
          staleAfterSeconds: live.maxSessionSeconds + live.resumeWindowMs / 1000 + STALE_MARGIN_SECONDS,
        });
      } catch (err) {
        throw unavailable('The database', err);
      }
      if (!admission.admitted) {
        throw new AppError(
          429,
          'too_many_live_sessions',
          `${admission.open} live sessions are open, the limit across all streaming workers (DEEPGRAM_MAX_LIVE_SESSIONS=${live.maxSessions}); try again later`,
          undefined,
          5,
        );
      }
      const input: LiveSessionInput = {
        sessionId: request.sessionId,
        options: request.options,
        attach: request.attach,
        limits: { maxSessionMs: live.maxSessionSeconds * 1000, resumeWindowMs: live.resumeWindowMs, heartbeatTimeoutMs: live.heartbeatTimeoutMs },
      };
      try {
        await temporal.workflow.start<typeof liveSession>(LIVE_SESSION_WORKFLOW, {
          taskQueue: live.taskQueue,
          workflowId: liveSessionWorkflowId(request.sessionId),
          args: [input],
        });
      } catch (err) {
        await markLiveSessionEnded(db, request.sessionId, { reason: 'internal_error', message: 'the workflow engine did not accept the session' }).catch(() => undefined);
        throw unavailable('The workflow engine', err);
      }
    },

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

    async get(id: string): Promise<{ session: LiveSession; segments: LiveSegment[] } | undefined> {
      const session = await findLiveSession(db, id);
      if (!session) return undefined;
      return { session, segments: await listLiveSegments(db, id) };
    },

    list: (query: { limit: number; status?: LiveSessionStatus; before?: { startedAt: Date; id: string } }): Promise<LiveSessionPage> =>
      listLiveSessions(db, query),

    /** Asks a live session to end gracefully; its relay flushes Deepgram, stores the last finals and closes the client. */
    async close(id: string): Promise<LiveSession> {
      const session = await findLiveSession(db, id);
      if (!session) throw new AppError(404, 'not_found', `No live session with id ${id}`);
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
