import type { TranscriptionSettings } from './transcription-settings.js';
import type { Caller } from '../domain/tenancy.js';
import { deepgramTaskQueue, regionTaskQueue } from '../temporal/task-queues.js';
import type { BatchCommon } from '../domain/batch.js';
import type { JobOwner, TranscriptionInput } from '../domain/transcription.js';
import type { SubmitTranscription } from './submission.js';

/** A validated request (without the HTTP-only fields) plus the id the job will carry. */
export type InputRequest = Omit<SubmitTranscription, 'idempotencyKey' | 'syncWaitMs'> & { jobId: string };

export const ownerOf = (caller: Caller): JobOwner => ({ tenantId: caller.tenantId, tenantName: caller.tenantName, apiKeyId: caller.keyId });

/** The task queue a caller's transcription workflows run on: its region's. */
export function workflowTaskQueue(settings: Pick<TranscriptionSettings, 'taskQueue'>, caller: Caller): string {
  return regionTaskQueue(settings.taskQueue, caller.region);
}

/** What every job of a caller shares in its workflow input: the owner, the deployment's settings, the task queues. */
export function commonJobInput(settings: TranscriptionSettings, caller: Caller, searchAttributes: boolean): BatchCommon {
  const { workflow } = settings;
  return {
    owner: ownerOf(caller),
    region: caller.region,
    routing: settings.routing,
    retry: workflow.retry,
    useCallback: workflow.useCallback,
    callbackTimeoutMs: workflow.callbackTimeoutMs,
    timeouts: workflow.timeouts,
    searchAttributes,
    ...(searchAttributes ? { searchAttributesAtStart: true } : {}),
    deepgramTaskQueue: deepgramTaskQueue(workflowTaskQueue(settings, caller)),
    callsDeepgramHereWhenFree: true,
    outageMaxWaitMs: workflow.outageMaxWaitMs,
    ...(workflow.chunking.thresholdSeconds > 0 ? { chunking: workflow.chunking } : {}),
  };
}

/**
 * Builds the workflow input from a validated request, its caller and the deployment's settings. The source and
 * options stay out of it: the job row (written before the workflow starts) holds them, and the activities read them
 * from there by job id.
 */
export function buildTranscriptionInput(settings: TranscriptionSettings, caller: Caller, request: InputRequest, searchAttributes: boolean): TranscriptionInput {
  return {
    ...commonJobInput(settings, caller, searchAttributes),
    jobId: request.jobId,
    priority: request.priority,
    mode: request.mode,
    ...(request.durationHint !== undefined ? { durationHint: request.durationHint } : {}),
    ...(request.webhookUrl ? { webhook: { url: request.webhookUrl, retry: settings.workflow.webhookRetry } } : {}),
    ...(request.deepgramCallbackUrl ? { deepgramCallbackUrl: request.deepgramCallbackUrl } : {}),
  };
}
