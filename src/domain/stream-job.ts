import type { DeepgramOptions, JobOwner, WebhookTarget } from './transcription.js';
import type { LiveOptions } from './live.js';

/**
 * A stream job (`mode: "stream"`): a URL that is itself a live audio stream (an internet radio, an Icecast mount, a
 * conference bridge's HTTP audio), pulled by a streaming worker and relayed to Deepgram Live as a durable live
 * session whose id is the job's. Plain data: the URL and options stay in the job row.
 */
export interface StreamJobInput {
  jobId: string;
  owner: JobOwner;
  /** Epoch ms after which the stream is ended (max_duration_seconds, at most LIVE_MAX_SESSION_SECONDS). */
  deadlineMs: number;
  /** A pull silent this long is presumed dead with its worker and taken up by another. */
  heartbeatTimeoutMs: number;
  searchAttributes: boolean;
  webhook?: WebhookTarget;
  /** The batch workers' queue, where the webhook's delivery workflow runs (its activities live there). */
  webhookTaskQueue: string;
}

/** How one pull of the stream ended. */
export type StreamPullOutcome =
  /** The source ended the stream (or stayed unreachable past its reconnects, after it had played). */
  | 'ended'
  | 'max_duration'
  | 'canceled'
  /** The source could not be read at all: nothing was transcribed. */
  | 'source_failed'
  | 'upstream_failed'
  | 'budget_exhausted'
  | 'key_revoked';

export interface StreamPullResult {
  outcome: StreamPullOutcome;
  audioSeconds: number;
  message?: string;
}

/** Pre-recorded-style options (validated) as Deepgram Live's query strings. */
export function liveOptionsFromBatch(options: DeepgramOptions): LiveOptions {
  const out: LiveOptions = {};
  for (const [key, value] of Object.entries(options)) {
    out[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}
