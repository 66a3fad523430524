import { timingSafeEqual, createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../domain/errors.js';
import { OPEN_CALLER } from '../domain/tenancy.js';
import { secretFromAuthorization, type KeyDirectory } from '../services/api-keys.js';
import type { AppEnv } from './app-env.js';

const unauthorized = (message: string) => new AppError(401, 'unauthorized', message);

/**
 * Every /v1 request names its caller: with keys in use, `Authorization: Token <key>` (as the Deepgram SDKs send it)
 * identifies the key and its tenant; with none anywhere, the API is open to the implicit tenant.
 */
export function requireApiKey(keys: KeyDirectory): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!(await keys.required())) {
      c.set('caller', OPEN_CALLER);
      return next();
    }
    const header = c.req.header('authorization');
    const caller = await keys.identify(secretFromAuthorization(header));
    if (!caller) {
      c.header('WWW-Authenticate', 'Token realm="transcription"');
      throw unauthorized(header ? 'The API key is not valid' : 'An API key is required: send Authorization: Token <key>');
    }
    c.set('caller', caller);
    return next();
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * `/v1/admin/*`: only ADMIN_API_KEY. No key or a wrong one is 401; a tenant's key is 403 (authenticated, not
 * allowed); without ADMIN_API_KEY configured the admin API is off (403 admin_disabled).
 */
export function requireAdminKey(adminKey: string | undefined, keys: KeyDirectory): MiddlewareHandler<AppEnv> {
  const expected = adminKey ? digest(adminKey) : undefined;
  return async (c, next) => {
    if (!expected) throw new AppError(403, 'admin_disabled', 'The admin API is off: set ADMIN_API_KEY to use it');
    const secret = secretFromAuthorization(c.req.header('authorization'));
    if (!secret) {
      c.header('WWW-Authenticate', 'Token realm="admin"');
      throw unauthorized('The admin API needs the admin key: send Authorization: Token <ADMIN_API_KEY>');
    }
    if (timingSafeEqual(digest(secret), expected)) return next();
    if (await keys.identify(secret)) throw new AppError(403, 'forbidden', 'A tenant key cannot use the admin API; use the admin key');
    c.header('WWW-Authenticate', 'Token realm="admin"');
    throw unauthorized('The admin key is not valid');
  };
}

/**
 * The payload codec endpoint: the admin key, as for /v1/admin (it reads every tenant's workflow payloads). One
 * exception: an API that is open (no key anywhere, no admin key: loopback, or ALLOW_UNAUTHENTICATED) serves every
 * job's data to anyone already, so there the codec is open too and `npm start`'s Temporal UI, which cannot send a
 * key, shows payloads in clear.
 */
export function requireCodecAccess(adminKey: string | undefined, keys: KeyDirectory): MiddlewareHandler<AppEnv> {
  const admin = requireAdminKey(adminKey, keys);
  return async (c, next) => {
    if (!adminKey && !(await keys.required())) return next();
    return admin(c, next);
  };
}
