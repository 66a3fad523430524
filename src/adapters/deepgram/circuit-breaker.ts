/** One endpoint's breaker as failover clients report it (`health()`). */
export interface EndpointCircuit {
  endpoint: string;
  state: CircuitBreaker['state'];
}

/**
 * Per-endpoint health: after `failureThreshold` consecutive failures the endpoint is skipped for
 * `cooldownMs`; then one trial call decides (half-open) whether it is back.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go to this endpoint now; in half-open state only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Milliseconds until this endpoint may be tried again (0 when it may be now). */
  retryInMs(): number {
    if (this.openedAt === null) return 0;
    return Math.max(0, this.cooldownMs - (this.now() - this.openedAt));
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  /**
   * The call ended without telling whether the endpoint is up (cancelled, or failed before reaching it): a half-open
   * trial is given back, so the next call may try again, and nothing else changes.
   */
  released(): void {
    this.trialInFlight = false;
  }

  failed(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.openedAt !== null || this.failures >= this.failureThreshold) this.openedAt = this.now();
  }
}
