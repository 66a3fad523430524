import type { Config } from '../config.js';
import type { Caller } from '../domain/tenancy.js';
import { deepgramTaskQueue, regionTaskQueue } from '../temporal/task-queues.js';
import type { JobOwner, TranscriptionInput } from '../domain/transcription.js';
import type { SubmitTranscription } from './submission.js';

/** A validated request (without the HTTP-only fields) plus the id the job will carry. */
export type InputRequest = Omit<SubmitTranscription, 'idempotencyKey' | 'syncWaitMs'> & { jobId: string };

export const ownerOf = (caller: Caller): JobOwner => ({ tenantId: caller.tenantId, tenantName: caller.tenantName, apiKeyId: caller.keyId });

/** The task queue a caller's transcription workflows run on: its region's. */
export function workflowTaskQueue(config: Config, caller: Caller): string {
  return regionTaskQueue(config.temporal.taskQueue, caller.region);
}

/** Builds the workflow input from a validated request, its caller and the deployment's settings. */
export function buildTranscriptionInput(config: Config, caller: Caller, request: InputRequest, searchAttributes: boolean): TranscriptionInput {
  return {
    jobId: request.jobId,
    owner: ownerOf(caller),
    priority: request.priority,
    region: caller.region,
    source: request.source,
    options: request.options,
    mode: request.mode,
    ...(request.durationHint !== undefined ? { durationHint: request.durationHint } : {}),
    routing: config.routing,
    retry: config.deepgram.retry,
    useCallback: Boolean(config.http.publicBaseUrl && config.callbacks.secret),
    callbackTimeoutMs: config.callbacks.timeoutMs,
    timeouts: { deepgramCallMs: config.deepgram.timeoutSeconds * 1000, heartbeatMs: config.deepgram.heartbeatTimeoutMs },
    ...(request.webhookUrl ? { webhook: { url: request.webhookUrl, retry: config.webhooks.retry } } : {}),
    ...(request.deepgramCallbackUrl ? { deepgramCallbackUrl: request.deepgramCallbackUrl } : {}),
    searchAttributes,
    deepgramTaskQueue: deepgramTaskQueue(workflowTaskQueue(config, caller)),
    outageMaxWaitMs: config.deepgram.circuit.outageMaxWaitMs,
  };
}
