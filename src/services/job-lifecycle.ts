import { tombstoneLiveSession } from '../db/repositories/live-sessions.repository.js';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { BlobStore } from '../adapters/blob-store/index.js';
import type { Db } from '../db/database.js';
import { findJob, listJobs, markJobCanceled, tombstoneJob, type JobListQuery } from '../db/repositories/jobs.repository.js';
import { listWebhookDeliveries } from '../db/repositories/webhook-deliveries.repository.js';
import { jobChunkBlobIds } from '../db/repositories/job-chunks.repository.js';
import { AppError } from '../domain/errors.js';
import { FINAL_STATUSES, type Job } from '../domain/transcription.js';
import { webhookEventId } from '../domain/webhooks.js';
import { transcriptionWorkflowId } from '../temporal/task-queues.js';
import { WEBHOOK_DELIVERY_WORKFLOW } from '../../workflows/definitions.js';
import type { webhookDelivery } from '../../workflows/webhook-delivery.workflow.js';
import type { Caller } from '../domain/tenancy.js';
import { regionTaskQueue } from '../temporal/task-queues.js';
import type { TranscriptionSettings } from './transcription-settings.js';
import { TENANT_SEARCH_ATTRIBUTE } from '../temporal/search-attributes.js';

/** Listing, cancelling, deleting and webhook administration of jobs. */
export function createJobLifecycle(deps: {
  settings: Pick<TranscriptionSettings, 'taskQueue' | 'workflow'>;
  db: Db;
  temporal: Client;
  blobs: BlobStore;
  searchAttributes?: boolean;
}) {
  const { settings, db, temporal, blobs } = deps;

  /** The caller's tenant's job; another tenant's answers exactly like a missing one. */
  async function requireJob(caller: Caller, id: string): Promise<Job> {
    const job = await findJob(db, id, caller.tenantId);
    if (!job) throw new AppError(404, 'not_found', `No transcription with id ${id}`);
    return job;
  }

  /** A job that is still there: a deleted one answers 410 deleted to everything but DELETE (see deletedJob). */
  async function requireLiveJob(caller: Caller, id: string): Promise<Job> {
    const job = await requireJob(caller, id);
    if (job.status === 'deleted') throw deletedJob(id);
    return job;
  }

  /** Asks the workflow to stop; the in-flight Deepgram request is abandoned through activity cancellation. */
  async function cancelWorkflow(id: string): Promise<void> {
    try {
      await temporal.workflow.getHandle(transcriptionWorkflowId(id)).cancel();
    } catch {
      // Already closed or never started: the database update below is what counts.
    }
  }

  return {
    list: (caller: Caller, query: Omit<JobListQuery, 'tenantId'>) => listJobs(db, { ...query, tenantId: caller.tenantId }),

    async cancel(caller: Caller, id: string): Promise<Job> {
      const job = await requireLiveJob(caller, id);
      if (FINAL_STATUSES.includes(job.status)) {
        throw new AppError(409, 'not_cancelable', `The job is already ${job.status}`);
      }
      await cancelWorkflow(id);
      await markJobCanceled(db, id);
      return requireLiveJob(caller, id);
    },

    /** Cancels if needed, deletes the audio, transcript and delivery log, and keeps a tombstone. Idempotent. */
    async delete(caller: Caller, id: string): Promise<void> {
      const job = await requireJob(caller, id);
      if (job.status === 'deleted') return;
      if (!FINAL_STATUSES.includes(job.status)) await cancelWorkflow(id);
      if (job.source.kind === 'upload') await blobs.delete(job.source.blobId);
      // A long file's chunks: their audio goes with the job.
      for (const blobId of await jobChunkBlobIds(db, id)) await blobs.delete(blobId);
      await tombstoneJob(db, id);
      // A stream job's finals are its live session's (same id): an ended one goes now, a running one when its pull ends.
      if (job.requestedMode === 'stream') await tombstoneLiveSession(db, id);
    },

    async webhookDeliveries(caller: Caller, id: string) {
      const job = await requireLiveJob(caller, id);
      return { job, deliveries: await listWebhookDeliveries(db, id) };
    },

    /** Sends the job's final event again, with the same event id, through a fresh delivery workflow. */
    async redeliverWebhook(caller: Caller, id: string): Promise<{ eventId: string }> {
      const job = await requireLiveJob(caller, id);
      if (!job.webhookUrl) throw new AppError(409, 'no_webhook', 'This job has no webhook_url');
      if (job.status !== 'completed' && job.status !== 'failed') {
        throw new AppError(409, 'not_ready', `The job is ${job.status}; only completed or failed jobs have an event to redeliver`);
      }
      const eventId = webhookEventId(id, job.status, 'event');
      await temporal.workflow.start<typeof webhookDelivery>(WEBHOOK_DELIVERY_WORKFLOW, {
        taskQueue: regionTaskQueue(settings.taskQueue, job.region),
        workflowId: `${id}-redeliver-${randomUUID()}`,
        ...(deps.searchAttributes ? { typedSearchAttributes: [{ key: TENANT_SEARCH_ATTRIBUTE, value: caller.tenantName }] } : {}),
        args: [{ jobId: id, eventId, url: job.webhookUrl, kind: 'event', retry: settings.workflow.webhookRetry }],
      });
      return { eventId };
    },
  };
}

/**
 * The one answer for a deleted job, to every request but DELETE (which stays idempotent: 204): 410 Gone. The tombstone
 * (ids, status, times) is only listed, with `GET /v1/transcriptions?status=deleted`.
 */
export function deletedJob(id: string): AppError {
  return new AppError(410, 'deleted', `Transcription ${id} was deleted; only its tombstone is listed (GET /v1/transcriptions?status=deleted)`, { id, status: 'deleted' });
}
