import type { ChunkingSettings } from './chunking.js';

/**
 * Domain types shared by the HTTP API, the workflows and the activities.
 * Everything here is plain data so it can cross Temporal payloads unchanged.
 */

export type RequestedMode = 'auto' | 'sync' | 'async';
/** What a job row records it was asked for: a file's route, or `stream`, a URL that is itself a live audio stream. */
export type JobRequestedMode = RequestedMode | 'stream';

/** The route a file job was asked for; a stream job (its own workflow) has none. */
export function fileJobMode(mode: JobRequestedMode): RequestedMode {
  if (mode === 'stream') throw new Error('a stream job has no file route');
  return mode;
}
export type ResolvedMode = 'sync' | 'async';
export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'canceled' | 'deleted';
/** What a running job is doing (its progress events): waiting for a Deepgram place, cutting a long file, in Deepgram, stitching, handing over notifications. */
export type JobPhase = 'queued' | 'fetching' | 'transcribing' | 'storing' | 'delivering';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'processing', 'completed', 'failed', 'canceled', 'deleted'];
/** States a job never leaves. */
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'canceled', 'deleted'];

/** Where the audio comes from. Audio bytes never travel in Temporal payloads, only references. */
export type AudioSource =
  | { kind: 'url'; url: string }
  | { kind: 'upload'; blobId: string; contentType: string; sizeBytes: number; sha256: string };

/** Deepgram query options, already validated by the API (booleans and numbers are real values). */
export type DeepgramOptionValue = string | number | boolean | string[];
export type DeepgramOptions = Record<string, DeepgramOptionValue>;

export interface RoutingThresholds {
  /** Known duration strictly below this goes sync. */
  syncMaxSeconds: number;
  /** Known duration strictly above this goes async. */
  asyncMinSeconds: number;
}

export interface DeepgramRetryPolicy {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumAttempts: number;
  maximumIntervalMs: number;
}

/** Whose work a job is: the tenant (its name labels the workflow in the Temporal UI) and the key that submitted it. */
export interface JobOwner {
  tenantId: string;
  tenantName: string;
  apiKeyId: string | null;
}

export interface TranscriptionInput {
  jobId: string;
  owner: JobOwner;
  /** 1 = first … 5 = last within the tenant; with the tenant as fairness key on Deepgram's task queue. */
  priority: number;
  /** Data residency: null = the default region. The task queues below are already that region's. */
  region: string | null;
  /**
   * Only in workflows started straight through Temporal (src/client), which have no job row yet: the workflow writes
   * them to it first thing and from then on passes the job id alone. Workflows the API starts carry neither: the job
   * row holds the source (often a presigned URL) and options, so deleting the job deletes them, and no Temporal
   * payload repeats them.
   */
  source?: AudioSource;
  options?: DeepgramOptions;
  mode: RequestedMode;
  /** Duration the caller already knows, in seconds; skips probing. */
  durationHint?: number;
  routing: RoutingThresholds;
  retry: DeepgramRetryPolicy;
  /** When true the async path submits with Deepgram's `callback` and waits for our callback route to signal. */
  useCallback: boolean;
  /** Upper bound for how long the async path waits for Deepgram's callback before transcribing directly. */
  callbackTimeoutMs: number;
  timeouts: ActivityTimeouts;
  /** Where to POST the signed completion event; delivered by its own workflow so this one can finish. */
  webhook?: WebhookTarget;
  /** A drop-in client's Deepgram `callback` URL: receives Deepgram's raw response, unsigned, like Deepgram does. */
  deepgramCallbackUrl?: string;
  /** Whether the Temporal namespace has our search attributes (JobStatus, JobMode) registered. */
  searchAttributes: boolean;
  /** The starter set them already (JobStatus `queued`, Tenant, and JobMode where the request decides the route). */
  searchAttributesAtStart?: boolean;
  /** Task queue of the Deepgram-calling activities, where the global rate and concurrency caps apply. */
  deepgramTaskQueue: string;
  /**
   * Async jobs, like sync ones, call Deepgram from their workflow's own task (a local activity) when a place under the
   * cap is free right now, and queue on the Deepgram queue only when none is. Absent in workflows started before
   * 2026-12-06, whose async calls always queue.
   */
  callsDeepgramHereWhenFree?: boolean;
  /** How long a job waits out an outage of every Deepgram endpoint before failing. */
  outageMaxWaitMs: number;
  /** Long files are cut into chunks transcribed in parallel (absent in workflows from before chunking: never cut). */
  chunking?: ChunkingSettings;
}

export interface WebhookTarget {
  url: string;
  retry: { initialIntervalMs: number; maximumIntervalMs: number; maxDurationMs: number };
}

export interface ActivityTimeouts {
  /** Longest a single synchronous Deepgram call may take (upload + processing). */
  deepgramCallMs: number;
  /** A Deepgram activity that stops heartbeating this long is presumed dead (its worker crashed) and retried. */
  heartbeatMs: number;
}

export interface JobError {
  code: string;
  message: string;
  /** Deepgram's HTTP status when the error came from Deepgram. */
  status?: number;
  /** Deepgram's own error code (`err_code` or `category`), kept verbatim. */
  deepgramCode?: string;
  deepgramRequestId?: string;
  /** A long file's chunk that kept failing: which one, and where it lies in the file (seconds). */
  chunk?: { index: number; start: number; end: number };
}

/**
 * What a finished Deepgram call leaves in Temporal's history: ids and numbers, never the transcript itself (it lives
 * in PostgreSQL only, so deleting a job deletes it, and Temporal's retention of histories keeps none of it).
 */
export interface TranscriptSummary {
  deepgramRequestId: string;
  durationSeconds: number | null;
}

export type TranscriptionOutcome =
  | ({ status: 'completed'; jobId: string; mode: ResolvedMode } & TranscriptSummary)
  | { status: 'failed'; jobId: string; mode: ResolvedMode | null; error: JobError };

/** What a Deepgram callback tells the waiting workflow; the body itself is stored by the API, not signalled. */
export interface DeepgramCallbackNotice {
  deepgramRequestId: string;
  ok: boolean;
  error?: JobError;
}

/** A transcription job as the rest of the system sees it (repositories map rows into this). */
export interface Job {
  id: string;
  tenantId: string;
  priority: number;
  region: string | null;
  status: JobStatus;
  requestedMode: JobRequestedMode;
  mode: ResolvedMode | null;
  source: AudioSource;
  options: DeepgramOptions;
  deepgramRequestId: string | null;
  durationSeconds: number | null;
  error: JobError | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  webhookUrl: string | null;
  idempotencyKey: string | null;
  deletedAt: Date | null;
  /** A long file transcribed in chunks: how many there are and how many have their transcript; null when whole. */
  chunks: { total: number; completed: number } | null;
}

export interface StoredTranscript {
  jobId: string;
  deepgramRequestId: string;
  text: string;
  /** Deepgram's full response JSON, as received. */
  result: unknown;
}
