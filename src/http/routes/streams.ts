import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { AppError } from '../../domain/errors.js';
import type { LiveSessionStatus } from '../../domain/live.js';
import { deletedSession } from '../../services/live-sessions.service.js';
import { liveSessionWorkflowId } from '../../temporal/live-ids.js';
import type { AppDeps, AppEnv } from '../app-env.js';
import { jobView as jobViewOf } from '../job-view.js';
import { readJson } from '../read-json.js';
import { parseFormat, renderLiveTranscript, renderTranscript } from '../transcript-formats.js';
import { parseRepassRequest } from '../validation/repass-request.js';
import type { JobWithTranscript } from '../../services/transcriptions.service.js';
import { decodeCursor, encodeCursor, parseLimit } from '../cursor.js';
import { streamView, streamWithTranscriptView } from '../stream-view.js';

const STATUSES: ReadonlyArray<LiveSessionStatus | 'deleted'> = ['active', 'ended', 'deleted'];

/** Sessions page on (started_at, id) with the same opaque cursors as jobs. */
function startedBefore(cursor: string): { startedAt: Date; id: string } {
  const { createdAt, id } = decodeCursor(cursor);
  return { startedAt: createdAt, id };
}

/** A body is optional on `POST …/transcribe`: none (or an empty one) means the session's own options. */
async function optionalJson(c: Context): Promise<unknown> {
  // Hono keeps the body it read: readJson reads the same text again.
  if ((await c.req.text()).trim() === '') return undefined;
  return readJson(c);
}

/** Live sessions: list, read with transcript (or captions), recordings and their re-passes, close from outside, delete. */
export function streamRoutes(deps: Pick<AppDeps, 'liveSessions' | 'liveRecordings' | 'service' | 'temporalUiLink'>) {
  const links = (id: string) => ({ self: `/v1/streams/${id}`, temporalUi: deps.temporalUiLink?.(liveSessionWorkflowId(id)) });
  const recordings = () => {
    if (!deps.liveRecordings) throw new AppError(404, 'not_found', 'This deployment keeps no recordings of live sessions');
    return deps.liveRecordings;
  };
  const jobView = (loaded: JobWithTranscript) => jobViewOf(loaded, { self: `/v1/transcriptions/${loaded.job.id}`, temporalUi: deps.temporalUiLink?.(loaded.job.id) });

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
      const format = parseFormat(c.req.query('format'));
      const source = c.req.query('source') ?? 'live';
      if (source !== 'live' && source !== 'repass') throw new AppError(400, 'invalid_request', 'Query "source" must be live (the live finals) or repass (the re-pass of the recording)');
      const loaded = await deps.liveSessions.get(c.get('caller'), c.req.param('id'));
      if (!loaded) throw new AppError(404, 'not_found', `No live session with id ${c.req.param('id')}`);
      if (loaded.session.deletedAt) throw deletedSession(loaded.session.id);
      if (format === 'json') return c.json(streamWithTranscriptView(loaded.session, loaded.segments, links(loaded.session.id)), 200);
      let rendered;
      if (source === 'repass') {
        const jobId = loaded.session.repassJobId;
        if (!jobId) throw new AppError(409, 'not_ready', `Live session ${loaded.session.id} has no re-pass; start one with POST /v1/streams/${loaded.session.id}/transcribe`);
        const job = await deps.service.get(c.get('caller'), jobId);
        if (!job) throw new AppError(404, 'not_found', `The re-pass job ${jobId} is gone`);
        rendered = renderTranscript(job, format);
      } else {
        rendered = renderLiveTranscript(loaded.session, loaded.segments, format);
      }
      c.header('Content-Type', rendered.contentType);
      return c.body(rendered.body, 200);
    })
    .get('/:id/recording', async (c) => {
      const recording = await recordings().open(c.get('caller'), c.req.param('id'));
      c.header('Content-Type', recording.contentType);
      c.header('Content-Length', String(recording.sizeBytes));
      c.header('Content-Disposition', `attachment; filename="${c.req.param('id')}.${recording.contentType === 'audio/wav' ? 'wav' : 'audio'}"`);
      return c.body(Readable.toWeb(recording.body) as ReadableStream, 200);
    })
    .post('/:id/transcribe', async (c) => {
      const request = parseRepassRequest(await optionalJson(c));
      const result = await recordings().repass(c.get('caller'), c.req.param('id'), request);
      const body = jobView(result);
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      c.header('Location', body.links.self);
      return c.json(body, result.replayed ? 200 : 202);
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
