import { sql } from 'kysely';
import { secondsInterval, type Db } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import { gcra, type RateDecision, type RateLimitStore } from './rate-limit-store.js';

/**
 * Budgets shared by every API replica: one row per client holding its next "theoretical arrival time", advanced
 * by a single conditional upsert, so concurrent requests on different replicas can never overspend a budget.
 * If the database does not answer, requests are let through (logged): the limiter must not turn a database
 * hiccup into an outage of its own, and the routes behind it report the database themselves.
 */
export function createPostgresRateLimitStore(db: Db, logger?: Logger): RateLimitStore {
  let warned = 0;
  // Rows in the past mean "full budget", the same as no row: sweep them now and then.
  const sweeper = setInterval(() => {
    db.deleteFrom('rate_limits').where('arrival_at', '<', sql<Date>`now()`).execute().catch(() => undefined);
  }, 60_000);
  sweeper.unref();

  return {
    async take(client, perMinute): Promise<RateDecision> {
      const { intervalMs, burstMs } = gcra(perMinute);
      const interval = secondsInterval(intervalMs / 1000);
      const burst = secondsInterval(burstMs / 1000);
      try {
        const taken = await sql<{ arrival_at: Date }>`
          insert into rate_limits (client, arrival_at) values (${client}, now() + ${interval})
          on conflict (client) do update set arrival_at = greatest(rate_limits.arrival_at, now()) + ${interval}
          where greatest(rate_limits.arrival_at, now()) - now() <= ${burst}
          returning arrival_at`.execute(db);
        if (taken.rows.length > 0) return { allowed: true };
        const wait = await sql<{ ms: number }>`
          select extract(epoch from (arrival_at - ${burst} - now())) * 1000 as ms from rate_limits where client = ${client}`.execute(db);
        return { allowed: false, retryAfterMs: Math.max(0, Number(wait.rows[0]?.ms ?? intervalMs)) };
      } catch (err) {
        if (Date.now() - warned > 60_000) {
          warned = Date.now();
          logger?.warn({ err }, 'rate limit store unreachable; requests are not being limited');
        }
        return { allowed: true };
      }
    },
    close() {
      clearInterval(sweeper);
    },
  };
}
