/** The answer to one request's claim on its client's budget. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Per-client request budgets: `perMinute` requests a minute, in bursts of up to the same number (GCRA, the
 * token bucket written as one "theoretical arrival time" per client, so a store keeps one timestamp per client).
 */
export interface RateLimitStore {
  take(client: string, perMinute: number): Promise<RateDecision>;
  close(): void;
}

/** GCRA's two constants for a budget: the spacing of requests, and how far ahead of it a burst may run. */
export function gcra(perMinute: number): { intervalMs: number; burstMs: number } {
  const intervalMs = 60_000 / perMinute;
  return { intervalMs, burstMs: intervalMs * (perMinute - 1) };
}
