import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_NAME, type ApiKey } from '../config.js';

export interface Keyring {
  /** False when no keys are configured: the API is open. */
  required: boolean;
  /** The key a presented secret belongs to, if any. */
  identify(secret: string | undefined): ApiKey | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Checks presented secrets against API_KEYS, comparing digests in constant time and always against every key. */
export function createKeyring(keys: readonly ApiKey[]): Keyring {
  const known = keys.map((key) => ({ key, digest: digest(key.secret) }));
  return {
    required: known.length > 0,
    identify(secret) {
      if (!secret) return undefined;
      const presented = digest(secret);
      let found: ApiKey | undefined;
      for (const entry of known) if (timingSafeEqual(entry.digest, presented)) found = entry.key;
      return found;
    },
  };
}

/** `Authorization: Token <key>` as Deepgram's SDKs send it, or `Bearer <key>`. */
export function secretFromAuthorization(header: string | undefined): string | undefined {
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Browsers cannot set headers on a WebSocket: Deepgram's convention is `Sec-WebSocket-Protocol: token, <key>`. */
export function secretFromWebSocketProtocols(header: string | undefined): string | undefined {
  const protocols = (header ?? '').split(',').map((p) => p.trim());
  const at = protocols.findIndex((p) => /^(token|bearer)$/i.test(p));
  return at >= 0 ? protocols[at + 1] || undefined : undefined;
}

/** A fresh API_KEYS entry: `name:<32 random bytes, base64url>[:per minute]`. */
export function newApiKeyEntry(name: string, rateLimitPerMinute?: number): string {
  if (!API_KEY_NAME.test(name)) throw new Error(`the name ${JSON.stringify(name)} may only hold letters, digits, '.', '_' and '-'`);
  if (rateLimitPerMinute !== undefined && !(Number.isInteger(rateLimitPerMinute) && rateLimitPerMinute >= 0)) throw new Error('the requests per minute must be a whole number');
  const secret = randomBytes(32).toString('base64url');
  return `${name}:${secret}${rateLimitPerMinute !== undefined ? `:${rateLimitPerMinute}` : ''}`;
}
