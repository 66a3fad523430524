export type { RateDecision, RateLimitStore } from '../../domain/rate-limits.js';

// Stores implement GCRA: the token bucket written as one "theoretical arrival time" per client, so a store keeps
// one timestamp per client.

/** GCRA's two constants for a budget: the spacing of requests, and how far ahead of it a burst may run. */
export function gcra(perMinute: number): { intervalMs: number; burstMs: number } {
  const intervalMs = 60_000 / perMinute;
  return { intervalMs, burstMs: intervalMs * (perMinute - 1) };
}
