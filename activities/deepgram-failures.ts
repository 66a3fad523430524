import { ApplicationFailure } from '@temporalio/activity';
import { DeepgramCallError } from '../src/adapters/deepgram/errors.js';
import { AllEndpointsDownError } from '../src/adapters/deepgram/failover-transcriber.js';
import { isDatabaseUnavailable } from '../src/db/connection-errors.js';
import { BlobStoreUnavailableError } from '../src/adapters/blob-store/index.js';

/** Failure types the workflow's retry policy knows about. */
export const DEEPGRAM_REJECTED = 'DeepgramRejected';
export const DEEPGRAM_UNAVAILABLE = 'DeepgramUnavailable';
/** Every endpoint is down: the workflow waits the outage out instead of spending retry attempts. */
export const DEEPGRAM_ENDPOINTS_DOWN = 'DeepgramEndpointsDown';
/** Our own PostgreSQL is unreachable: waited out the same way; it is no reason to spend Deepgram attempts. */
export const STORAGE_UNAVAILABLE = 'StorageUnavailable';
const STORAGE_RETRY_MS = 5_000;

export function endpointsDownFailure(err: AllEndpointsDownError): ApplicationFailure {
  return ApplicationFailure.create({
    message: err.message,
    type: DEEPGRAM_ENDPOINTS_DOWN,
    nonRetryable: true,
    details: [{ retryInMs: err.retryInMs, ...(err.lastError ? { lastError: err.lastError.toJobError() } : {}) }],
  });
}

/** Maps whatever a Deepgram call (or the storage around it) threw to the failure the workflow and retry policy expect. */
export function deepgramFailure(err: unknown): unknown {
  if (err instanceof AllEndpointsDownError) return endpointsDownFailure(err);
  if (isDatabaseUnavailable(err) || err instanceof BlobStoreUnavailableError) {
    return ApplicationFailure.create({
      message: `${err instanceof BlobStoreUnavailableError ? 'The blob store' : 'The database'} is unreachable: ${(err as Error).message}`,
      type: STORAGE_UNAVAILABLE,
      nonRetryable: true,
      details: [{ retryInMs: STORAGE_RETRY_MS }],
    });
  }
  if (err instanceof DeepgramCallError) return toActivityFailure(err);
  return err;
}

/**
 * Turns a classified Deepgram error into the Temporal failure that drives retries:
 * permanent → non-retryable (Deepgram's code kept in details); 429/503 with Retry-After → retry no sooner than asked.
 */
export function toActivityFailure(err: DeepgramCallError): ApplicationFailure {
  const details = [err.toJobError()];
  if (err.kind === 'permanent') {
    return ApplicationFailure.create({ message: err.message, type: DEEPGRAM_REJECTED, nonRetryable: true, details });
  }
  return ApplicationFailure.create({
    message: err.message,
    type: DEEPGRAM_UNAVAILABLE,
    details,
    ...(err.retryAfterSeconds !== undefined ? { nextRetryDelay: Math.ceil(err.retryAfterSeconds * 1000) } : {}),
  });
}
