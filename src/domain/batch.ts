import type { RequestedMode, TranscriptionInput, WebhookTarget } from './transcription.js';

/** The most jobs one `POST /v1/transcriptions/batch` may carry. */
export const MAX_BATCH_ITEMS = 1000;

/** What every job of a batch shares: its owner, the deployment's settings, its task queues. */
export type BatchCommon = Omit<TranscriptionInput, 'jobId' | 'priority' | 'mode' | 'durationHint' | 'webhook' | 'deepgramCallbackUrl' | 'source' | 'options'>;

/** One job of a batch: ids and routing only (its source and options are in its job row). */
export interface BatchJob {
  jobId: string;
  priority: number;
  mode: RequestedMode;
  durationHint?: number;
  webhookUrl?: string;
}

/**
 * The input of a batch's dispatcher workflow, which starts one transcription workflow per job. Shared settings
 * travel once, not a thousand times: a batch of 1,000 jobs is about 100 KB.
 */
export interface TranscriptionBatchInput {
  batchId: string;
  /** The task queue of the jobs' workflows (the caller's region's). */
  taskQueue: string;
  common: BatchCommon;
  webhookRetry: WebhookTarget['retry'];
  jobs: BatchJob[];
}

/** A batch job's workflow input, as a single submission of the same job would have it. */
export function batchJobInput(batch: TranscriptionBatchInput, job: BatchJob): TranscriptionInput {
  return {
    ...batch.common,
    jobId: job.jobId,
    priority: job.priority,
    mode: job.mode,
    ...(job.durationHint !== undefined ? { durationHint: job.durationHint } : {}),
    ...(job.webhookUrl ? { webhook: { url: job.webhookUrl, retry: batch.webhookRetry } } : {}),
  };
}


/** A job as a dispatcher carries it. */
export function batchJob(jobId: string, priority: number, mode: RequestedMode, durationHint: number | undefined, webhookUrl: string | null | undefined): BatchJob {
  return { jobId, priority, mode, ...(durationHint !== undefined ? { durationHint } : {}), ...(webhookUrl ? { webhookUrl } : {}) };
}
