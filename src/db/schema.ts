import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { LiveCloseReason, LiveOptions, LiveSessionStatus, RecordingFormat } from '../domain/live.js';
import type { JobError, JobStatus, JobRequestedMode, ResolvedMode, AudioSource, DeepgramOptions } from '../domain/transcription.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface JobsTable {
  id: string;
  status: JobStatus;
  requested_mode: JobRequestedMode;
  mode: ResolvedMode | null;
  source: Json<AudioSource>;
  options: Json<DeepgramOptions>;
  deepgram_request_id: string | null;
  audio_duration_seconds: number | null;
  error: ColumnType<JobError | null, string | null, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  idempotency_key: ColumnType<string | null, string | null | undefined, string | null>;
  request_fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
  webhook_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** Drop-in clients' Deepgram-style `callback`: receives the raw Deepgram response. */
  deepgram_callback_url: ColumnType<string | null, string | null | undefined, string | null>;
  deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  tenant_id: ColumnType<string, string | undefined, string>;
  api_key_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** 1 = first … 5 = last, within the tenant's share of Deepgram's capacity. */
  priority: ColumnType<number, number | undefined, number>;
  /** Data residency: the region whose Deepgram endpoints and task queues this job uses; null = the default one. */
  region: ColumnType<string | null, string | null | undefined, string | null>;
  /** A long file cut into chunks: how many, and how many have Deepgram's answer; null when transcribed whole. */
  chunks_total: ColumnType<number | null, number | null | undefined, number | null>;
  chunks_done: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface TenantsTable {
  id: string;
  name: string;
  /** Standard Webhooks secret (`whsec_…`) that signs this tenant's webhooks. */
  webhook_secret: ColumnType<string | null, string | null | undefined, string | null>;
  /** While a rotation's overlap lasts, deliveries carry a signature under this one too. */
  previous_webhook_secret: ColumnType<string | null, string | null | undefined, string | null>;
  previous_webhook_secret_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  /** The secret's first characters, to recognise it in lists; the secret itself is never stored. */
  prefix: string;
  /** SHA-256 of the secret, hex. */
  secret_hash: string;
  /** `admin` (API or CLI) or `env` (API_KEYS, synced at start-up). */
  source: 'admin' | 'env';
  rate_limit_per_minute: number | null;
  monthly_audio_seconds: number | null;
  max_live_sessions: number | null;
  region: string | null;
  created_at: Timestamp;
  rotated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** Billable audio, once per job or live session (unique on source). */
export interface UsageRecordsTable {
  id: Generated<string>;
  tenant_id: string;
  api_key_id: string | null;
  source_kind: 'job' | 'live';
  source_id: string;
  mode: 'prerecorded' | 'live';
  model: string;
  audio_seconds: number;
  recorded_at: Timestamp;
}

export interface AudioBlobsTable {
  id: string;
  content_type: string;
  size_bytes: ColumnType<number, number, number>;
  sha256: string;
  storage: 'postgres' | 'filesystem' | 's3';
  created_at: Timestamp;
  tenant_id: ColumnType<string, string | undefined, string>;
}

/** A short-lived access token granted by an API key (`POST /v1/auth/grant`); only its hash is kept. */
export interface AccessTokensTable {
  secret_hash: string;
  api_key_id: string;
  expires_at: Date;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export type JobChunkStatus = 'pending' | 'completed' | 'failed';

/** One chunk of a long file: its span, its audio, and Deepgram's answer for it (kept until the job is stitched). */
export interface JobChunksTable {
  job_id: string;
  chunk_index: number;
  start_seconds: number;
  end_seconds: number;
  blob_id: string | null;
  status: ColumnType<JobChunkStatus, JobChunkStatus | undefined, JobChunkStatus>;
  deepgram_request_id: string | null;
  result: ColumnType<unknown, string | null | undefined, string | null>;
  error: ColumnType<JobError | null, string | null | undefined, string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AudioBlobChunksTable {
  blob_id: string;
  seq: number;
  data: Buffer;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  job_id: string;
  event_id: string;
  url: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  succeeded: boolean;
  duration_ms: number;
  created_at: Timestamp;
  tenant_id: ColumnType<string, string | undefined, string>;
}

export interface TranscriptsTable {
  job_id: string;
  deepgram_request_id: string;
  text: string;
  result: Json<unknown>;
  created_at: Timestamp;
}

export interface LiveSessionsTable {
  id: string;
  status: LiveSessionStatus;
  model: string | null;
  options: Json<LiveOptions>;
  started_at: Timestamp;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  updated_at: Timestamp;
  audio_seconds: ColumnType<number, number | undefined, number>;
  committed_seconds: ColumnType<number, number | undefined, number>;
  close_reason: ColumnType<LiveCloseReason | null, LiveCloseReason | null | undefined, LiveCloseReason | null>;
  close_message: ColumnType<string | null, string | null | undefined, string | null>;
  reconnect_count: ColumnType<number, number | undefined, number>;
  resume_count: ColumnType<number, number | undefined, number>;
  deepgram_request_ids: ColumnType<string[], string | undefined, string>;
  tenant_id: ColumnType<string, string | undefined, string>;
  api_key_id: ColumnType<string | null, string | null | undefined, string | null>;
  region: ColumnType<string | null, string | null | undefined, string | null>;
  deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  record: ColumnType<boolean, boolean | undefined, boolean>;
  /** bigint: comes back as a string. */
  recording_bytes: ColumnType<string, number | string | undefined, number | string>;
  recording_format: ColumnType<RecordingFormat | null, string | null | undefined, string | null>;
  recording_blob_id: ColumnType<string | null, string | null | undefined, string | null>;
  repass_options: ColumnType<DeepgramOptions | null, string | null | undefined, string | null>;
  repass_job_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One stored stretch of a live session's recording: bytes [byte_offset, byte_offset + byte_length) of its audio data. */
export interface LiveRecordingPartsTable {
  session_id: string;
  byte_offset: ColumnType<string, number, number>;
  byte_length: ColumnType<string, number, number>;
  blob_id: string;
  created_at: Timestamp;
}

export interface LiveSegmentsTable {
  session_id: string;
  seq: number;
  channel: number;
  start_seconds: number;
  end_seconds: number;
  transcript: string;
  confidence: number | null;
  speech_final: boolean;
  from_finalize: boolean;
  words: Json<unknown[]>;
  created_at: Timestamp;
  tenant_id: ColumnType<string, string | undefined, string>;
}

/** A lease on one place under DEEPGRAM_MAX_CONCURRENT, held by a batch worker's Deepgram-call slot. */
export interface DeepgramCallSlotsTable {
  id: string;
  holder: string;
  acquired_at: Generated<Date>;
  expires_at: Date;
}

/** A client's API budget (GCRA): when its next request is due; in the past means a full budget. */
export interface RateLimitsTable {
  client: string;
  arrival_at: Date;
}

/** The whole database as Kysely sees it. Migrations do not import this: they are frozen in time. */
export interface Database {
  jobs: JobsTable;
  transcripts: TranscriptsTable;
  audio_blobs: AudioBlobsTable;
  audio_blob_chunks: AudioBlobChunksTable;
  job_chunks: JobChunksTable;
  access_tokens: AccessTokensTable;
  webhook_deliveries: WebhookDeliveriesTable;
  live_sessions: LiveSessionsTable;
  live_segments: LiveSegmentsTable;
  live_recording_parts: LiveRecordingPartsTable;
  deepgram_call_slots: DeepgramCallSlotsTable;
  rate_limits: RateLimitsTable;
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  usage_records: UsageRecordsTable;
}

export type JobRow = Selectable<JobsTable>;
export type NewJobRow = Insertable<JobsTable>;
export type JobRowUpdate = Updateable<JobsTable>;
export type TranscriptRow = Selectable<TranscriptsTable>;
export type NewTranscriptRow = Insertable<TranscriptsTable>;
export type { Generated };
export type LiveSessionRow = Selectable<LiveSessionsTable>;
export type LiveSegmentRow = Selectable<LiveSegmentsTable>;
export type TenantRow = Selectable<TenantsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
