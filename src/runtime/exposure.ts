import { addressRange } from '../adapters/outbound/index.js';
import type { KeyDirectory } from '../services/api-keys.js';

/** Whether a bind address only this machine can reach: `localhost`, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || addressRange(host.replace(/^\[|\]$/g, '')) === 'loopback';
}

export class OpenApiRefusedError extends Error {
  override name = 'OpenApiRefusedError';
}

/**
 * Refuses to serve on an address other machines can reach while no API key exists: that would be an open API
 * spending the operator's Deepgram account. Loopback is always fine (the newcomer's `npm start`), and
 * ALLOW_UNAUTHENTICATED=true says it is meant (a private network, an authenticating proxy in front).
 */
export async function refuseOpenPublicApi(options: { host: string; allowUnauthenticated: boolean; keys: Pick<KeyDirectory, 'required'> }): Promise<void> {
  if (options.allowUnauthenticated || isLoopbackHost(options.host)) return;
  if (await options.keys.required()) return;
  throw new OpenApiRefusedError(
    `Refusing to serve on ${options.host} with no API key: anyone who can reach it could spend your Deepgram account. ` +
      'Set API_KEYS (`npm run api-key -- <name>` makes an entry) or create keys with `npm run keys`; ' +
      'or bind HOST=127.0.0.1; or set ALLOW_UNAUTHENTICATED=true to run an open API on purpose.',
  );
}
