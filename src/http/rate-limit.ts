import type { MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { AppError } from '../domain/errors.js';
import type { AppEnv } from './app-env.js';

/**
 * Per-client token bucket: `perMinute` requests a minute with bursts up to the same number.
 * Clients are told when to come back (429 + Retry-After). Keyed by IP until API keys exist.
 * In-process: with several API replicas each enforces its own share.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now): MiddlewareHandler<AppEnv> {
  const buckets = new Map<string, { tokens: number; updatedAt: number }>();
  const refillPerMs = perMinute / 60_000;
  return async (c, next) => {
    if (perMinute <= 0) return next();
    let client = 'unknown';
    try {
      client = getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // Not served by @hono/node-server (e.g. app.request in tests): one shared bucket.
    }
    const t = now();
    const bucket = buckets.get(client) ?? { tokens: perMinute, updatedAt: t };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = t;
    if (bucket.tokens < 1) {
      buckets.set(client, bucket);
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
      throw new AppError(429, 'rate_limited', `Too many requests from ${client}: the limit is ${perMinute} a minute`, undefined, retryAfter);
    }
    bucket.tokens -= 1;
    buckets.set(client, bucket);
    if (buckets.size > 100_000) buckets.clear(); // bounded memory under an address-spraying client
    return next();
  };
}
