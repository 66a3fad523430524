import type { ChunkingSettings } from '../domain/chunking.js';
import type { DeepgramRetryPolicy, RoutingThresholds, ActivityTimeouts, WebhookTarget } from '../domain/transcription.js';

/** What the transcription use cases need to know of the deployment: no more than this (not the whole Config). */
export interface TranscriptionSettings {
  /** Task queue of transcription workflows (TEMPORAL_TASK_QUEUE); a pinned region's has a suffix. */
  taskQueue: string;
  /** How long a sync request waits before answering 202 (SYNC_WAIT_MS). */
  syncWaitMs: number;
  maxUploadBytes: number;
  /** Signs Deepgram callback URLs (CALLBACK_SECRET); callbacks are refused without it. */
  callbackSecret?: string;
  routing: RoutingThresholds;
  /** What every transcription workflow is started with. */
  workflow: {
    retry: DeepgramRetryPolicy;
    /** Async jobs use Deepgram's callback mode (PUBLIC_BASE_URL and CALLBACK_SECRET set). */
    useCallback: boolean;
    callbackTimeoutMs: number;
    timeouts: ActivityTimeouts;
    webhookRetry: WebhookTarget['retry'];
    outageMaxWaitMs: number;
    chunking: ChunkingSettings;
  };
  /** Stream jobs (mode "stream"): run as live sessions on the streaming workers. */
  stream: {
    /** The streaming workers' workflow queue (LIVE_TASK_QUEUE). */
    taskQueue: string;
    /** The longest a stream is transcribed (LIVE_MAX_SESSION_SECONDS): also the default. */
    maxSeconds: number;
    heartbeatTimeoutMs: number;
    /** Live sessions open across every streaming worker (DEEPGRAM_MAX_LIVE_SESSIONS): a stream takes one. */
    maxOpenSessions: number;
    staleAfterSeconds: number;
  };
}
