import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { JobError, JobStatus, RequestedMode, ResolvedMode, AudioSource, DeepgramOptions } from '../domain/transcription.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface JobsTable {
  id: string;
  status: JobStatus;
  requested_mode: RequestedMode;
  mode: ResolvedMode | null;
  source: Json<AudioSource>;
  options: Json<DeepgramOptions>;
  deepgram_request_id: string | null;
  audio_duration_seconds: number | null;
  error: ColumnType<JobError | null, string | null, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface TranscriptsTable {
  job_id: string;
  deepgram_request_id: string;
  text: string;
  result: Json<unknown>;
  created_at: Timestamp;
}

/** The whole database as Kysely sees it. Migrations do not import this: they are frozen in time. */
export interface Database {
  jobs: JobsTable;
  transcripts: TranscriptsTable;
}

export type JobRow = Selectable<JobsTable>;
export type NewJobRow = Insertable<JobsTable>;
export type JobRowUpdate = Updateable<JobsTable>;
export type TranscriptRow = Selectable<TranscriptsTable>;
export type NewTranscriptRow = Insertable<TranscriptsTable>;
export type { Generated };
