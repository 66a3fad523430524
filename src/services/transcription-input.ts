import type { Config } from '../config.js';
import { deepgramTaskQueue } from '../temporal/task-queues.js';
import type { AudioSource, DeepgramOptions, RequestedMode, TranscriptionInput } from '../domain/transcription.js';

export interface InputRequest {
  jobId: string;
  source: AudioSource;
  mode: RequestedMode;
  options: DeepgramOptions;
  durationHint?: number;
  webhookUrl?: string;
  deepgramCallbackUrl?: string;
}

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
