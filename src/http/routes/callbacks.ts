import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../../domain/errors.js';
import type { AppDeps, AppEnv } from '../app-env.js';

/**
 * Deepgram's answer for a long file can be far larger than the JSON limit of our own API: refusing it would leave the
 * job to wait out CALLBACK_TIMEOUT_MS and transcribe again, billed twice.
 */
export const CALLBACK_MAX_BYTES = 256 * 1024 * 1024;

/** Deepgram's callback target. The token in the URL proves the request comes from the URL we handed out. */
export function callbackRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().on(
    ['POST', 'PUT'],
    '/deepgram/:jobId',
    // The token first: nothing of the body is read for a request that cannot be Deepgram's.
    async (c, next) => {
      if (!deps.service.isCallbackTokenValid(c.req.param('jobId'), c.req.query('token'))) throw new AppError(401, 'unauthorized', 'Callback token missing or invalid');
      await next();
    },
    bodyLimit({
      maxSize: CALLBACK_MAX_BYTES,
      onError: () => {
        throw new AppError(413, 'payload_too_large', `The callback body exceeds ${CALLBACK_MAX_BYTES} bytes`);
      },
    }),
    async (c) => {
      const jobId = c.req.param('jobId');
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        body = null; // An empty or non-JSON callback names no request: it is refused below like a stranger's.
      }
      const outcome = await deps.service.acceptDeepgramCallback(jobId, body);
      if (outcome === 'unknown_job') throw new AppError(404, 'not_found', `No transcription with id ${jobId}`);
      if (outcome === 'request_mismatch') {
        deps.logger.warn({ jobId, workflowId: jobId }, 'deepgram callback refused: it names a request other than the one Deepgram accepted for this job');
        throw new AppError(409, 'callback_mismatch', 'This callback is not for the request Deepgram accepted for this job');
      }
      // Deepgram called back before the worker recorded its submission (a fast answer): ask Deepgram to retry.
      if (outcome === 'not_recorded_yet') throw new AppError(503, 'service_unavailable', 'The submission is not recorded yet; retry shortly', undefined, 1);
      deps.logger.info({ jobId, workflowId: jobId }, 'deepgram callback accepted');
      return c.json({ ok: true }, 200);
    },
  );
}
