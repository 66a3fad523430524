import { Context } from '@temporalio/activity';
import type { BlobStore } from '../src/adapters/blob-store/index.js';
import type { Db } from '../src/db/database.js';
import { deleteExpiredJobs, deleteExpiredLiveSessions, orphanBlobIds } from '../src/db/repositories/retention.repository.js';
import type { RetentionBatch, RetentionRequest } from '../src/domain/retention.js';
import type { Logger } from '../src/observability/logger.js';

export interface RetentionActivityDeps {
  db: Db;
  blobs: BlobStore;
  logger?: Logger;
}

const DAY_MS = 86_400_000;

export function createRetentionActivities(deps: RetentionActivityDeps) {
  return {
    /**
     * One batch of everything older than the retention period: finished jobs (transcripts, delivery logs, their
     * uploads), ended live sessions (their final results and recordings), and uploads no job references after the grace period.
     * Idempotent: a repeat finds less to delete.
     */
    async purgeExpiredData(request: RetentionRequest): Promise<RetentionBatch> {
      const now = Date.now();
      const expired = request.retentionDays === null ? null : new Date(now - request.retentionDays * DAY_MS);
      const jobs = expired ? await deleteExpiredJobs(deps.db, expired, request.batchSize) : { deleted: 0, blobIds: [] };
      for (const blobId of jobs.blobIds) await deps.blobs.delete(blobId);
      const live = expired ? await deleteExpiredLiveSessions(deps.db, expired, request.batchSize) : { deleted: 0, blobIds: [] };
      for (const blobId of live.blobIds) await deps.blobs.delete(blobId);
      const orphans = await orphanBlobIds(deps.db, new Date(now - request.orphanGraceMs), request.batchSize);
      for (const blobId of orphans) await deps.blobs.delete(blobId);
      const batch = { jobs: jobs.deleted, liveSessions: live.deleted, uploads: jobs.blobIds.length + live.blobIds.length + orphans.length };
      if (batch.jobs + batch.liveSessions + batch.uploads > 0) {
        deps.logger?.info({ ...batch, before: expired?.toISOString() ?? null, workflowId: Context.current().info.workflowExecution?.workflowId }, 'retention: expired data deleted');
      }
      return batch;
    },
  };
}
