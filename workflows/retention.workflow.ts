import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { RetentionBatch, RetentionRequest } from '../src/domain/retention.js';

const MAX_BATCHES_PER_RUN = 100;

/**
 * Deletes what is older than RETENTION_DAYS, batch after batch, until a batch finds less than a full one; started by
 * the `data-retention-<task queue>` Schedule. Returns the totals.
 */
export async function dataRetention(request: RetentionRequest): Promise<RetentionBatch> {
  const { purgeExpiredData } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 5 } });
  const total: RetentionBatch = { jobs: 0, liveSessions: 0, uploads: 0 };
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const done = await purgeExpiredData(request);
    total.jobs += done.jobs;
    total.liveSessions += done.liveSessions;
    total.uploads += done.uploads;
    if (Math.max(done.jobs, done.liveSessions, done.uploads) < request.batchSize) break;
  }
  return total;
}
