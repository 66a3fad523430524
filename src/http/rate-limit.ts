import type { MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { RateLimitStore } from '../domain/rate-limits.js';
import { AppError } from '../domain/errors.js';
import type { AppEnv } from './app-env.js';

/**
 * Per-client limit: `perMinute` requests a minute with bursts up to the same number, answered past it with 429 and
 * Retry-After. A caller with an API key spends its key's budget (its own limit, or the default); without keys,
 * the client is its IP address. The store decides whether replicas share budgets.
 */
export function rateLimit(store: RateLimitStore, perMinute: number, trustedProxyHops = 0): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const caller = c.get('caller');
    const key = caller?.keyId ? caller : undefined;
    const limit = key?.rateLimitPerMinute ?? perMinute;
    if (limit <= 0) return next();
    let client: string;
    if (key) {
      client = `key:${key.keyId}`;
    } else {
      let peer = 'unknown';
      try {
        peer = getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        // Not served by @hono/node-server (e.g. app.request in tests): one shared budget.
      }
      client = clientAddress(peer, c.req.header('x-forwarded-for'), trustedProxyHops);
    }
    const decision = await store.take(client, limit);
    if (!decision.allowed) {
      const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      const who = key ? `API key ${key.keyName}` : client;
      throw new AppError(429, 'rate_limited', `Too many requests from ${who}: the limit is ${limit} a minute`, undefined, retryAfter);
    }
    return next();
  };
}

/**
 * The client's address: the socket's peer, or, behind `trustedProxyHops` proxies of our own (load balancers), the
 * address the outermost of them saw, read from the right of X-Forwarded-For. Entries further left were written by
 * the client itself and are never trusted.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trustedProxyHops: number): string {
  if (trustedProxyHops <= 0 || !forwardedFor) return peer;
  const hops = forwardedFor.split(',').map((h) => h.trim()).filter(Boolean);
  return hops[Math.max(0, hops.length - trustedProxyHops)] ?? peer;
}
