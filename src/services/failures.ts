import { BlobStoreUnavailableError } from '../adapters/blob-store/index.js';
import { isDatabaseUnavailable, isUnstorableText } from '../db/connection-errors.js';

export { isUnstorableText };

/**
 * Whether a failure is an outage of our own storage (PostgreSQL down, restarting, out of connections; the S3 blob
 * store unreachable), which the
 * transport answers 503 with Retry-After, as opposed to a fault to report as a 500.
 */
export function isStorageOutage(err: unknown): boolean {
  return isDatabaseUnavailable(err) || err instanceof BlobStoreUnavailableError;
}
