import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { API_KEY_NAME, type ApiKey } from '../config.js';
import type { Db } from '../db/database.js';
import { anyApiKeyIssued, callerByAccessTokenHash, callerBySecretHash, insertAccessToken, syncEnvironmentKeys } from '../db/repositories/api-keys.repository.js';
import { AppError } from '../domain/errors.js';
import type { Caller } from '../domain/tenancy.js';

/** Who a presented secret belongs to; shared by the HTTP API and the live gateway. */
export interface KeyDirectory {
  /** False while no key exists anywhere (no API_KEYS, none issued): the API is open to the implicit tenant. */
  required(): Promise<boolean>;
  /** The caller a secret belongs to, if it is a live key or an unexpired access token of one. */
  identify(secret: string | undefined): Promise<Caller | undefined>;
  /**
   * A short-lived access token acting for the caller's key (Deepgram's `POST /v1/auth/grant`): what a browser holds
   * instead of the key. Only a key grants one, not a token, and not the open deployment's implicit caller.
   */
  grantAccessToken(caller: Caller, presented: string | undefined, ttlSeconds: number): Promise<{ accessToken: string; expiresIn: number }>;
}

/** Access tokens are told from keys by their prefix (keys are `dtk_…` or an API_KEYS secret). */
export const ACCESS_TOKEN_PREFIX = 'dat_';
export const isAccessToken = (secret: string | undefined): boolean => secret?.startsWith(ACCESS_TOKEN_PREFIX) === true;

/** SHA-256 of a secret, hex: what the database keeps. Secrets are 256-bit random, so a fast hash is enough. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A fresh key secret: `dtk_` and 32 random bytes (base64url); its first 12 characters recognise it in lists. */
export function newKeySecret(): { secret: string; prefix: string; secretHash: string } {
  const secret = `dtk_${randomBytes(32).toString('base64url')}`;
  return { secret, prefix: secret.slice(0, 12), secretHash: hashSecret(secret) };
}

/**
 * Looks keys up in PostgreSQL, remembering each answer for `cacheMs` (default 2 s): a revoked or rotated key stops
 * working on every replica within that time, while a busy client costs one query every `cacheMs`, not one a request.
 */
export function createKeyDirectory(db: Db, options: { cacheMs?: number; maxEntries?: number } = {}): KeyDirectory {
  const cacheMs = options.cacheMs ?? 2_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const answers = new Map<string, { caller: Caller | undefined; until: number }>();
  let requiredAnswer: { value: boolean; until: number } | undefined;
  return {
    async required() {
      const now = Date.now();
      // Once keys exist they always will (revoked keys count): only "open" needs re-checking.
      if (requiredAnswer && (requiredAnswer.value || requiredAnswer.until > now)) return requiredAnswer.value;
      requiredAnswer = { value: await anyApiKeyIssued(db), until: now + cacheMs };
      return requiredAnswer.value;
    },
    async identify(secret) {
      if (!secret || secret.length > 512) return undefined;
      const hash = hashSecret(secret);
      const now = Date.now();
      const cached = answers.get(hash);
      if (cached && cached.until > now) return cached.caller;
      let caller: Caller | undefined;
      let until = now + cacheMs;
      if (isAccessToken(secret)) {
        const token = await callerByAccessTokenHash(db, hash);
        caller = token?.caller;
        // A token is not remembered past its expiry.
        if (token) until = Math.min(until, token.expiresAt.getTime());
      } else {
        caller = await callerBySecretHash(db, hash);
      }
      if (answers.size >= maxEntries) answers.clear();
      answers.set(hash, { caller, until });
      return caller;
    },
    async grantAccessToken(caller, presented, ttlSeconds) {
      if (isAccessToken(presented)) throw new AppError(403, 'forbidden', 'An access token cannot grant access tokens: use an API key');
      if (!caller.keyId) throw new AppError(403, 'forbidden', 'Access tokens act for an API key, and this deployment has none: create one first');
      const secret = `${ACCESS_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      await insertAccessToken(db, { secretHash: hashSecret(secret), apiKeyId: caller.keyId, expiresAt: new Date(Date.now() + ttlSeconds * 1000) });
      return { accessToken: secret, expiresIn: ttlSeconds };
    },
  };
}

/** API_KEYS entries become keys in the database (each name its tenant), so both kinds are checked the same way. */
export async function syncBootstrapKeys(db: Db, keys: readonly ApiKey[]): Promise<void> {
  await syncEnvironmentKeys(
    db,
    keys.map((key) => ({
      name: key.name,
      prefix: `${key.secret.slice(0, 4)}…`,
      secretHash: hashSecret(key.secret),
      rateLimitPerMinute: key.rateLimitPerMinute ?? null,
      newTenantId: `ten_${randomUUID()}`,
    })),
  );
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
