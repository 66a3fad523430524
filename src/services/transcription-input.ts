import type { Config } from '../config.js';
import { deepgramTaskQueue } from '../temporal/task-queues.js';
import type { TranscriptionInput } from '../domain/transcription.js';
import type { SubmitTranscription } from './transcriptions.service.js';

/** A validated request (without the HTTP-only fields) plus the id the job will carry. */
export type InputRequest = Omit<SubmitTranscription, 'idempotencyKey' | 'syncWaitMs'> & { jobId: string };

/** Builds the workflow input from a validated request and the deployment's settings. */
export function buildTranscriptionInput(config: Config, request: InputRequest, searchAttributes: boolean): TranscriptionInput {
  return {
    jobId: request.jobId,
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
    deepgramTaskQueue: deepgramTaskQueue(config.temporal.taskQueue),
    outageMaxWaitMs: config.deepgram.circuit.outageMaxWaitMs,
  };
}
