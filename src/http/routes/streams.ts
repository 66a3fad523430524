import { Hono } from 'hono';
import { AppError } from '../../domain/errors.js';
import type { LiveSessionStatus } from '../../domain/live.js';
import { deletedSession, type LiveSessionsService } from '../../services/live-sessions.service.js';
import { liveSessionWorkflowId } from '../../temporal/live-ids.js';
import type { AppEnv } from '../app-env.js';
import { decodeCursor, encodeCursor, parseLimit } from '../cursor.js';
import { streamView, streamWithTranscriptView } from '../stream-view.js';

const STATUSES: ReadonlyArray<LiveSessionStatus | 'deleted'> = ['active', 'ended', 'deleted'];

/** Sessions page on (started_at, id) with the same opaque cursors as jobs. */
function startedBefore(cursor: string): { startedAt: Date; id: string } {
  const { createdAt, id } = decodeCursor(cursor);
  return { startedAt: createdAt, id };
}

/** Live sessions: list, read with transcript, close from outside, delete. */
export function streamRoutes(deps: { liveSessions: LiveSessionsService; temporalUiLink?: (workflowId: string) => string }) {
  const links = (id: string) => ({ self: `/v1/streams/${id}`, temporalUi: deps.temporalUiLink?.(liveSessionWorkflowId(id)) });

  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const status = c.req.query('status');
      if (status !== undefined && !STATUSES.includes(status as LiveSessionStatus | 'deleted')) {
        throw new AppError(400, 'invalid_request', `status must be one of ${STATUSES.join(', ')}`);
      }
      const cursor = c.req.query('cursor');
      const page = await deps.liveSessions.list(c.get('caller'), {
        limit: parseLimit(c.req.query('limit')),
        ...(status ? { status: status as LiveSessionStatus | 'deleted' } : {}),
        ...(cursor !== undefined ? { before: startedBefore(cursor) } : {}),
      });
      return c.json({ data: page.sessions.map((s) => streamView(s, links(s.id))), next_cursor: page.next ? encodeCursor(page.next.startedAt, page.next.id) : null }, 200);
    })
    .get('/:id', async (c) => {
      const loaded = await deps.liveSessions.get(c.get('caller'), c.req.param('id'));
      if (!loaded) throw new AppError(404, 'not_found', `No live session with id ${c.req.param('id')}`);
      if (loaded.session.deletedAt) throw deletedSession(loaded.session.id);
      return c.json(streamWithTranscriptView(loaded.session, loaded.segments, links(loaded.session.id)), 200);
    })
    .post('/:id/close', async (c) => {
      const session = await deps.liveSessions.close(c.get('caller'), c.req.param('id'));
      c.header('Location', `/v1/streams/${session.id}`);
      return c.json({ ...streamView(session, links(session.id)), status: 'closing' }, 202);
    })
    .delete('/:id', async (c) => {
      await deps.liveSessions.delete(c.get('caller'), c.req.param('id'));
      return c.body(null, 204);
    });
}
