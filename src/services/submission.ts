import type { AudioSource, DeepgramOptions, Job, RequestedMode, StoredTranscript } from '../domain/transcription.js';

/** A validated transcription request, from any of the API's shapes. */
export interface SubmitTranscription {
  source: AudioSource;
  mode: RequestedMode;
  options: DeepgramOptions;
  /** 1 = first … 5 = last among the caller's own jobs. */
  priority: number;
  durationHint?: number;
  webhookUrl?: string;
  /** Drop-in clients' Deepgram `callback`. */
  deepgramCallbackUrl?: string;
  idempotencyKey?: string;
  /** How long to wait for a sync job before answering 202; defaults to SYNC_WAIT_MS. */
  syncWaitMs?: number;
}

export interface JobWithTranscript {
  job: Job;
  transcript?: StoredTranscript;
  /** For a queued job: how many of the tenant's queued jobs go before it (an estimate under fair sharing). */
  queuePosition?: number;
  /** A stream job: its finals so far (its live session has the job's id). */
  stream?: { text: string; finals: number; audioSeconds: number };
}

export interface SubmitResult extends JobWithTranscript {
  /** True when the job reached a final state while the request waited. */
  finished: boolean;
  /** True when an Idempotency-Key matched an earlier request and its job was returned instead. */
  replayed: boolean;
}
