/** The answer to one request's claim on its client's budget. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Per-client request budgets (the port; stores are adapters): `perMinute` requests a minute, in bursts of up to the
 * same number.
 */
export interface RateLimitStore {
  take(client: string, perMinute: number): Promise<RateDecision>;
  close(): void;
}
