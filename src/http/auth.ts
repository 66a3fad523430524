import type { MiddlewareHandler } from 'hono';
import { AppError } from '../domain/errors.js';
import { secretFromAuthorization, type Keyring } from '../services/api-keys.js';
import type { AppEnv } from './app-env.js';

/** With API_KEYS set, every request must carry one (`Authorization: Token <key>`, as the Deepgram SDKs send it). */
export function requireApiKey(keyring: Keyring): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!keyring.required) return next();
    const header = c.req.header('authorization');
    const key = keyring.identify(secretFromAuthorization(header));
    if (!key) {
      c.header('WWW-Authenticate', 'Token realm="transcription"');
      throw new AppError(401, 'unauthorized', header ? 'The API key is not valid' : 'An API key is required: send Authorization: Token <key>');
    }
    c.set('apiKey', key);
    return next();
  };
}
