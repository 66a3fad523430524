import { DeepgramError, DeepgramTimeoutError } from '@deepgram/sdk';
import type { JobError } from '../../domain/transcription.js';

/**
 * A failed Deepgram call, classified once here so nothing downstream string-matches messages.
 * transient: worth retrying (network, timeout, 408, 429, 5xx). permanent: the request itself is wrong.
 */
export class DeepgramCallError extends Error {
  override name = 'DeepgramCallError';
  constructor(
    readonly kind: 'transient' | 'permanent',
    message: string,
    readonly status: number | undefined,
    readonly deepgramCode: string | undefined,
    readonly deepgramRequestId: string | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }

  toJobError(): JobError {
    return {
      code: this.kind === 'permanent' ? 'deepgram_rejected' : 'deepgram_unavailable',
      message: this.message,
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.deepgramCode !== undefined ? { deepgramCode: this.deepgramCode } : {}),
      ...(this.deepgramRequestId !== undefined ? { deepgramRequestId: this.deepgramRequestId } : {}),
    };
  }
}

const TRANSIENT_STATUSES = new Set([408, 429]);

/**
 * We stopped waiting, which says nothing of the request: Deepgram may still be working on it (and will bill it). An
 * unknown outcome, not an unreachable endpoint: no failover to another endpoint, no strike against its circuit.
 */
export class DeepgramCallTimeout extends DeepgramCallError {
  override name = 'DeepgramCallTimeout';
  constructor() {
    super('transient', 'Deepgram did not answer in time', undefined, undefined, undefined, undefined);
  }
}

/**
 * No HTTP answer at all (refused, reset, DNS, timeout): the endpoint itself is unreachable, the one failure that
 * trips an endpoint's circuit breaker. For REST calls and live handshakes alike.
 */
export function isUnreachable(err: { kind: 'transient' | 'permanent'; status?: number | undefined }): boolean {
  return err.kind === 'transient' && err.status === undefined;
}

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status) || status >= 500;
}

export function classifyDeepgramError(err: unknown): DeepgramCallError {
  if (err instanceof DeepgramCallError) return err;
  if (err instanceof DeepgramTimeoutError || (err instanceof DeepgramError && err.cause === 'timeout')) return new DeepgramCallTimeout();
  if (err instanceof DeepgramError && err.statusCode !== undefined) {
    const body = (typeof err.body === 'object' && err.body !== null ? err.body : {}) as Record<string, unknown>;
    const headers = err.rawResponse?.headers;
    const deepgramCode = str(body.err_code) ?? str(body.category) ?? str(body.error_code);
    const message = str(body.err_msg) ?? str(body.message) ?? `Deepgram answered HTTP ${err.statusCode}`;
    const requestId = str(body.request_id) ?? headers?.get('dg-request-id') ?? undefined;
    return new DeepgramCallError(
      isTransientStatus(err.statusCode) ? 'transient' : 'permanent',
      message,
      err.statusCode,
      deepgramCode,
      requestId,
      parseRetryAfter(headers?.get('retry-after') ?? null),
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DeepgramCallError('transient', `Could not reach Deepgram: ${message}`, undefined, undefined, undefined, undefined);
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
