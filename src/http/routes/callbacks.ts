import { Hono } from 'hono';
import { AppError } from '../../domain/errors.js';
import type { AppDeps, AppEnv } from '../app-env.js';

/** Deepgram's callback target. The token in the URL proves the request comes from the URL we handed out. */
export function callbackRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().on(['POST', 'PUT'], '/deepgram/:jobId', async (c) => {
    const jobId = c.req.param('jobId');
    if (!deps.service.isCallbackTokenValid(jobId, c.req.query('token'))) throw new AppError(401, 'unauthorized', 'Callback token missing or invalid');
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      body = null; // An empty or non-JSON callback is Deepgram telling us the job failed.
    }
    const known = await deps.service.acceptDeepgramCallback(jobId, body);
    if (!known) throw new AppError(404, 'not_found', `No transcription with id ${jobId}`);
    deps.logger.info({ jobId, workflowId: jobId }, 'deepgram callback accepted');
    return c.json({ ok: true }, 200);
  });
}
