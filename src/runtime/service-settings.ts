import type { Config } from '../config.js';
import type { TranscriptionSettings } from '../services/transcription-settings.js';

/** The slice of the configuration the transcription services use. */
export function transcriptionSettings(config: Config): TranscriptionSettings {
  return {
    taskQueue: config.temporal.taskQueue,
    syncWaitMs: config.http.syncWaitMs,
    maxUploadBytes: config.uploads.maxBytes,
    callbackSecret: config.callbacks.secret,
    routing: config.routing,
    workflow: {
      retry: config.deepgram.retry,
      useCallback: Boolean(config.http.publicBaseUrl && config.callbacks.secret),
      callbackTimeoutMs: config.callbacks.timeoutMs,
      timeouts: { deepgramCallMs: config.deepgram.timeoutSeconds * 1000, heartbeatMs: config.deepgram.heartbeatTimeoutMs },
      webhookRetry: config.webhooks.retry,
      outageMaxWaitMs: config.deepgram.circuit.outageMaxWaitMs,
      chunking: { thresholdSeconds: config.chunking.thresholdSeconds, chunkSeconds: config.chunking.chunkSeconds },
    },
    stream: {
      taskQueue: config.live.taskQueue,
      maxSeconds: config.live.maxSessionSeconds,
      heartbeatTimeoutMs: config.live.heartbeatTimeoutMs,
      maxOpenSessions: config.live.maxSessions,
      staleAfterSeconds: config.live.maxSessionSeconds + config.live.resumeWindowMs / 1000 + 60,
    },
  };
}
