import { Hono } from 'hono';
import { secretFromAuthorization } from '../../services/api-keys.js';
import type { AppDeps, AppEnv } from '../app-env.js';
import { deepgramError } from './deepgram-compat.js';

const DEFAULT_TTL_SECONDS = 30;
const MAX_TTL_SECONDS = 3600;

/**
 * `POST /v1/auth/grant`, Deepgram's endpoint and shapes: a key trades itself for a token of `ttl_seconds` (default 30,
 * at most 3600) that acts for it on REST and live until it expires, so a browser never holds the key. The Deepgram
 * SDKs send it with their `accessToken` option (`Authorization: Bearer`, or the `bearer` WebSocket protocol).
 */
export function authGrantRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().post('/grant', async (c) => {
    let ttl = DEFAULT_TTL_SECONDS;
    const raw = await c.req.text();
    if (raw.trim() !== '') {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return deepgramError(c, 400, 'Bad Request', 'The body must be JSON: {"ttl_seconds": <1 to 3600>}');
      }
      const value = (body as { ttl_seconds?: unknown } | null)?.ttl_seconds;
      if (value !== undefined) {
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > MAX_TTL_SECONDS) {
          return deepgramError(c, 400, 'Bad Request', `ttl_seconds must be a number from 1 to ${MAX_TTL_SECONDS}`);
        }
        ttl = value;
      }
    }
    const granted = await deps.keys.grantAccessToken(c.get('caller'), secretFromAuthorization(c.req.header('authorization')), ttl);
    return c.json({ access_token: granted.accessToken, expires_in: granted.expiresIn }, 200);
  });
}
