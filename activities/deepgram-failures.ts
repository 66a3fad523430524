import { ApplicationFailure } from '@temporalio/activity';
import { DeepgramCallError } from '../src/adapters/deepgram/errors.js';

/** Failure types the workflow's retry policy knows about. */
export const DEEPGRAM_REJECTED = 'DeepgramRejected';
export const DEEPGRAM_UNAVAILABLE = 'DeepgramUnavailable';

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
