import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppDeps, AppEnv } from '../app-env.js';

const KEEPALIVE_MS = 15_000;

/**
 * `GET /v1/transcriptions/:id/events`: the job's progress as server-sent events (`event: progress`, `id:` for
 * `Last-Event-ID`), from its current state to its final one, after which the stream ends. Another tenant's job, or a
 * missing one, is a plain `404` before any event; a deleted one `410`.
 */
export function transcriptionEventRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/:id/events', async (c) => {
    const lastEventId = Number(c.req.header('last-event-id'));
    const abort = new AbortController();
    const events = deps.service.watchJob(c.get('caller'), c.req.param('id'), {
      ...(Number.isInteger(lastEventId) && lastEventId >= 0 ? { afterId: lastEventId } : {}),
      signal: abort.signal,
    });
    // The first step checks the job is the caller's: its refusal is an ordinary JSON answer, not an event.
    const first = await events.next();
    return streamSSE(c, async (sse) => {
      sse.onAbort(() => abort.abort());
      const keepalive = setInterval(() => void sse.write(': keep-alive\n\n'), KEEPALIVE_MS);
      try {
        for (let step = first; !step.done; step = await events.next()) {
          const { id, status, phase, percent, etaSeconds, chunks, stream, final } = step.value;
          const data = {
            status,
            phase,
            ...(percent !== undefined ? { percent } : {}),
            ...(etaSeconds !== undefined ? { eta_seconds: etaSeconds } : {}),
            ...(chunks ? { chunks } : {}),
            ...(stream ? { stream: { finals: stream.finals, audio_seconds: stream.audioSeconds, new_finals: stream.newFinals } } : {}),
            final,
          };
          await sse.writeSSE({ event: 'progress', id: String(id), data: JSON.stringify(data) });
        }
      } finally {
        clearInterval(keepalive);
        abort.abort();
      }
    });
  });
}
