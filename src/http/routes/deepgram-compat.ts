import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deepgramErrCode } from '../../domain/deepgram-error-codes.js';
import { AppError } from '../../domain/errors.js';
import type { AppDeps, AppEnv } from '../app-env.js';
import { optionsFromQuery } from '../validation/deepgram-options.js';
import { isHttpUrl, parseOptions } from '../validation/transcription-request.js';
import { failedJobStatus } from '../job-view.js';

const CALLBACK_PARAMS = new Set(['callback', 'callback_method']);

/** Deepgram's error body shape, so SDKs surface our errors exactly as they would Deepgram's. */
export function deepgramError(c: Context<AppEnv>, status: number, errCode: string, errMsg: string) {
  return c.json({ err_code: errCode, err_msg: errMsg, request_id: c.get('requestId') ?? randomUUID() }, status as 400);
}

/**
 * `POST /v1/listen`, Deepgram's prerecorded API as-is: query options, JSON `{url}` or raw audio, optional
 * `callback`. Runs through the same durable workflow and storage as the job API (the job is listable),
 * and answers in Deepgram's shapes so an app using a Deepgram SDK only changes its base URL.
 */
export function deepgramCompatRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().post('/', async (c) => {
    try {
      const queries = c.req.queries();
      const options = parseOptions(optionsFromQuery(queries, CALLBACK_PARAMS));
      const callback = queries.callback?.at(-1);
      if (callback !== undefined && !isHttpUrl(callback)) throw new AppError(400, 'invalid_url', 'Invalid callback url.');
      const method = queries.callback_method?.at(-1)?.toUpperCase();
      if (method !== undefined && method !== 'POST') throw new AppError(400, 'invalid_option', 'callback_method: only POST callbacks are supported');

      const type = (c.req.header('content-type') ?? '').toLowerCase();
      let source;
      let durationHint: number | undefined;
      if (type.startsWith('application/json')) {
        let body: unknown;
        try {
          body = await c.req.json();
        } catch {
          return deepgramError(c, 400, 'Bad Request', 'Content-type was application/json, but we could not process the JSON payload.');
        }
        const url = (body as { url?: unknown } | null)?.url;
        if (typeof url !== 'string' || !isHttpUrl(url)) return deepgramError(c, 400, 'Bad Request', 'The JSON body must be {"url": "<http(s) URL of the audio>"}');
        source = { kind: 'url' as const, url };
      } else {
        if (!c.req.raw.body) return deepgramError(c, 400, 'Bad Request', 'No audio in the request body');
        const upload = await deps.service.ingestUpload(c.get('caller'), c.req.raw.body as AsyncIterable<Uint8Array>, { contentType: type.split(';')[0] || 'application/octet-stream', deepgramOptions: options });
        source = upload.source;
        durationHint = upload.durationSeconds ?? undefined;
      }

      const result = await deps.service.submit(c.get('caller'), {
        source,
        mode: callback ? 'async' : 'sync',
        options,
        priority: 3,
        ...(durationHint !== undefined ? { durationHint } : {}),
        ...(callback ? { deepgramCallbackUrl: callback } : {}),
        // Deepgram's own sync API holds the request until the transcript is ready.
        syncWaitMs: callback ? 0 : deps.config.deepgram.timeoutSeconds * 1000,
      });
      c.header('x-transcription-id', result.job.id);
      if (callback) return c.json({ request_id: result.job.id }, 200);
      if (result.job.status === 'completed' && result.transcript) {
        c.header('dg-request-id', result.transcript.deepgramRequestId);
        return c.json(result.transcript.result as object, 200);
      }
      if (result.job.status === 'failed' && result.job.error) {
        const e = result.job.error;
        // As on /v1/transcriptions: audio or options Deepgram refused are the client's to fix (422), anything else upstream (502).
        return deepgramError(c, failedJobStatus(e), e.deepgramCode ?? e.code, e.message);
      }
      return deepgramError(c, 504, 'TIMEOUT', `The transcription is still running; poll /v1/transcriptions/${result.job.id}`);
    } catch (err) {
      if (err instanceof AppError) {
        if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
        return deepgramError(c, err.status, err.status === 400 && !err.code.endsWith('_option') ? 'Bad Request' : deepgramErrCode(err.code), err.message);
      }
      throw err;
    }
  });
}
