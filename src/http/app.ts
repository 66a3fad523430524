import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { isStorageOutage, isUnstorableText } from '../services/failures.js';
import { deepgramErrCode } from '../domain/deepgram-error-codes.js';
import { AppError } from '../domain/errors.js';
import type { AppDeps, AppEnv } from './app-env.js';
import { createAllowedMethods } from './openapi/allowed-methods.js';
import { requireAdminKey, requireApiKey, requireCodecAccess } from './auth.js';
import { rateLimit } from './rate-limit.js';
import { adminRoutes, usageRoutes } from './routes/admin.js';
import { callbackRoutes } from './routes/callbacks.js';
import { CODEC_PATH, CODEC_MAX_BYTES, codecRoutes } from './routes/codec.js';
import { deepgramCompatRoutes, deepgramError } from './routes/deepgram-compat.js';
import { docsRoutes } from './routes/docs.js';
import { openAiRoutes } from './routes/openai-compat.js';
import { authGrantRoutes } from './routes/auth-grant.js';
import { transcriptionEventRoutes } from './routes/transcription-events.js';
import { consoleRoutes } from './routes/console.js';
import { openAiError } from './openai/openai-transcription.js';
import { healthRoutes } from './routes/health.js';
import { streamRoutes } from './routes/streams.js';
import { UPLOADS_PATH, uploadRoutes } from './routes/uploads.js';
import { transcriptionLifecycleRoutes } from './routes/transcription-lifecycle.js';
import { transcriptionRoutes } from './routes/transcriptions.js';
import { transcriptionBatchRoutes } from './routes/transcription-batch.js';
import { traceRequests } from './tracing.js';

const BATCH_PATH = '/v1/transcriptions/batch';
const BATCH_MAX_BYTES = 8 * 1024 * 1024;

function isAudioUpload(contentType: string | undefined): boolean {
  const type = (contentType ?? '').toLowerCase();
  return type.startsWith('multipart/form-data') || type.startsWith('audio/') || type.startsWith('video/') || type.startsWith('application/octet-stream');
}

/** OpenAI's API (`/v1/audio/*`, `/v1/models`) answers errors in OpenAI's shape, so its SDKs raise their own exceptions. */
function isOpenAi(path: string): boolean {
  return path.startsWith('/v1/audio/') || path === '/v1/models' || path.startsWith('/v1/models/');
}

/** Deepgram's prerecorded API (`POST /v1/listen`) answers errors in Deepgram's shape; a plain GET of the live endpoint in ours. */
function isDropIn(method: string, path: string): boolean {
  return method === 'POST' && /^\/v1\/(listen|auth\/grant)\/?$/.test(path);
}

/** The live endpoints, answered without a WebSocket upgrade: what to do instead. */
const LIVE_UPGRADE_HINTS: Record<string, string> = {
  '/v1/listen': 'GET /v1/listen is the live endpoint: connect with a WebSocket (Deepgram SDK listen.v1.connect)',
  '/v2/listen': 'GET /v2/listen is the Flux live endpoint: connect with a WebSocket (Deepgram SDK listen.v2.connect)',
};

/** The HTTP API: routing, error envelopes and request ids; business logic lives in the service. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  if (deps.tracer) app.use(traceRequests(deps.tracer));
  app.use(async (c, next) => {
    const requestId = c.req.header('x-request-id') ?? randomUUID();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    await next();
    // Draining: finish this request, but send the client elsewhere for the next one.
    if (deps.isShuttingDown()) c.header('Connection', 'close');
  });
  // The Temporal UI calls the codec from the browser: its preflight carries no key, so CORS answers before auth.
  app.use(
    `${CODEC_PATH}/*`,
    cors({
      origin: (origin) => (deps.codecOrigins.includes(origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'X-Namespace'],
      // The UI's "include credentials" option sends cookies; harmless when it does not.
      credentials: true,
      maxAge: 600,
    }),
  );
  // Deepgram's callbacks carry their own signed token and the admin API its own key; everything else under /v1
  // names its tenant by key (when keys are in use) and spends its client's budget.
  const isCallback = (path: string) => path.startsWith('/v1/callbacks/');
  const isCodec = (path: string) => path.startsWith(`${CODEC_PATH}/`);
  const isAdmin = (path: string) => path === '/v1/admin' || path.startsWith('/v1/admin/');
  const authenticate = requireApiKey(deps.keys);
  const authenticateAdmin = requireAdminKey(deps.config.auth.adminKey, deps.keys);
  const authenticateCodec = requireCodecAccess(deps.config.auth.adminKey, deps.keys);
  app.use('/v1/*', (c, next) =>
    isCallback(c.req.path) ? next() : isCodec(c.req.path) ? authenticateCodec(c, next) : isAdmin(c.req.path) ? authenticateAdmin(c, next) : authenticate(c, next),
  );
  if (deps.rateLimits) {
    const limiter = rateLimit(deps.rateLimits, deps.config.http.rateLimitPerMinute, deps.config.http.trustedProxyHops);
    app.use('/v1/*', (c, next) => (isCallback(c.req.path) || isAdmin(c.req.path) ? next() : limiter(c, next)));
  }
  const jsonLimit = bodyLimit({
    maxSize: deps.maxJsonBytes,
    onError: () => {
      throw new AppError(413, 'payload_too_large', `The request body exceeds ${deps.maxJsonBytes} bytes`);
    },
  });
  // A codec request holds whole payloads (up to Temporal's 2 MiB each), more than an API request may.
  const codecLimit = bodyLimit({
    maxSize: CODEC_MAX_BYTES,
    onError: () => {
      throw new AppError(413, 'payload_too_large', `The request body exceeds ${CODEC_MAX_BYTES} bytes`);
    },
  });
  // A batch carries up to 1,000 requests, each with its own URLs (presigned ones run long).
  const batchLimit = bodyLimit({
    maxSize: BATCH_MAX_BYTES,
    onError: () => {
      throw new AppError(413, 'payload_too_large', `The request body exceeds ${BATCH_MAX_BYTES} bytes`);
    },
  });
  // Audio uploads stream into the blob store, which enforces MAX_UPLOAD_BYTES itself; Deepgram's callbacks have their own limit.
  // tus PATCH bodies are audio too: the tus server enforces MAX_UPLOAD_BYTES across every piece of an upload.
  const isResumableUpload = (path: string) => path === UPLOADS_PATH || path.startsWith(`${UPLOADS_PATH}/`);
  app.use('/v1/*', (c, next) =>
    isAudioUpload(c.req.header('content-type')) || isCallback(c.req.path) || isResumableUpload(c.req.path) ? next() : isCodec(c.req.path) ? codecLimit(c, next) : c.req.path === BATCH_PATH ? batchLimit(c, next) : jsonLimit(c, next),
  );

  app.route('/', healthRoutes(deps));
  app.route('/', docsRoutes());
  app.route('/', consoleRoutes());
  app.route('/v1/transcriptions/batch', transcriptionBatchRoutes(deps));
  app.route('/v1/transcriptions', transcriptionRoutes(deps));
  app.route('/v1/transcriptions', transcriptionLifecycleRoutes(deps));
  app.route('/v1/transcriptions', transcriptionEventRoutes(deps));
  app.route('/v1/callbacks', callbackRoutes(deps));
  app.route('/v1/listen', deepgramCompatRoutes(deps));
  app.route('/v1', openAiRoutes(deps));
  app.route('/v1/auth', authGrantRoutes(deps));
  app.route('/v1/streams', streamRoutes(deps));
  app.route(UPLOADS_PATH, uploadRoutes(deps));
  app.route(CODEC_PATH, codecRoutes(deps));
  app.route('/v1/admin', adminRoutes(deps));
  app.route('/v1/usage', usageRoutes(deps));

  const allowedMethods = createAllowedMethods();
  app.notFound((c) => {
    const upgradeHint = c.req.method === 'GET' ? LIVE_UPGRADE_HINTS[c.req.path] : undefined;
    if (upgradeHint) {
      c.header('Upgrade', 'websocket');
      return c.json(new AppError(426, 'use_websocket', upgradeHint).toJSON(), 426);
    }
    const allowed = allowedMethods(c.req.path);
    if (allowed && !allowed.includes(c.req.method)) {
      c.header('Allow', allowed.join(', '));
      return c.json(new AppError(405, 'method_not_allowed', `${c.req.path} accepts ${allowed.join(', ')}, not ${c.req.method}`).toJSON(), 405);
    }
    return c.json(new AppError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`).toJSON(), 404);
  });
  app.onError((err, c) => {
    if (err instanceof AppError) {
      // The rest of an oversized body is still in flight; this connection cannot be reused.
      if (err.status === 413) c.header('Connection', 'close');
      if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
      // Refused before the drop-in route ran (a key, a budget): still in Deepgram's shape for Deepgram's SDKs.
      if (isDropIn(c.req.method, c.req.path)) {
        return deepgramError(c, err.status, deepgramErrCode(err.code), err.message);
      }
      // OpenAI answers every request it cannot take as given with 400 (a file that is not audio included), where we say 422.
      if (isOpenAi(c.req.path)) return openAiError(c, err.status === 422 ? 400 : err.status, err.message, null, err.status === 401 ? 'invalid_api_key' : err.code);
      return c.json(err.toJSON(), err.status as 400);
    }
    if (err instanceof HTTPException && err.status < 500) {
      return c.json(new AppError(err.status, 'invalid_request', err.message || 'Bad request').toJSON(), err.status);
    }
    // No request can be stored with a NUL character in its text: refused, whichever field carried it.
    if (isUnstorableText(err)) {
      const refused = new AppError(400, 'invalid_request', 'Text in the request may not contain the NUL character (U+0000)');
      if (isDropIn(c.req.method, c.req.path)) return deepgramError(c, 400, 'Bad Request', refused.message);
      return c.json(refused.toJSON(), 400);
    }
    if (isStorageOutage(err)) {
      deps.logger.warn({ err, requestId: c.get('requestId'), path: c.req.path }, 'database unreachable');
      c.header('Retry-After', '5');
      return c.json(new AppError(503, 'service_unavailable', 'The database is unreachable; retry shortly').toJSON(), 503);
    }
    deps.logger.error({ err, requestId: c.get('requestId'), path: c.req.path }, 'unhandled error');
    return c.json(new AppError(500, 'internal_error', 'Something went wrong on our side; the request id is in x-request-id').toJSON(), 500);
  });
  return app;
}
