import { gcra, type RateDecision, type RateLimitStore } from './rate-limit-store.js';

const MAX_CLIENTS = 100_000;

/** Budgets kept in this process: with several API replicas, each enforces its own. */
export function createMemoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const arrivals = new Map<string, number>();
  return {
    async take(client, perMinute): Promise<RateDecision> {
      const { intervalMs, burstMs } = gcra(perMinute);
      const t = now();
      const tat = Math.max(arrivals.get(client) ?? t, t);
      if (tat - t > burstMs) return { allowed: false, retryAfterMs: tat - burstMs - t };
      if (arrivals.size >= MAX_CLIENTS) arrivals.clear(); // bounded memory under an address-spraying client
      arrivals.set(client, tat + intervalMs);
      return { allowed: true };
    },
    close() {},
  };
}
