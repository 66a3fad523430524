import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { JobRow } from '../schema.js';
import type { AudioSource, DeepgramOptions, Job, JobError, RequestedMode, ResolvedMode } from '../../domain/transcription.js';

export function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    status: row.status,
    requestedMode: row.requested_mode,
    mode: row.mode,
    source: row.source,
    options: row.options,
    deepgramRequestId: row.deepgram_request_id,
    durationSeconds: row.audio_duration_seconds,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

export interface NewJob {
  id: string;
  requestedMode: RequestedMode;
  source: AudioSource;
  options: DeepgramOptions;
  durationSeconds?: number;
}

/** Inserts a queued job; a second insert with the same id is a no-op (idempotent submit). */
export async function insertJob(db: Db, job: NewJob): Promise<void> {
  await db
    .insertInto('jobs')
    .values({
      id: job.id,
      status: 'queued',
      requested_mode: job.requestedMode,
      mode: null,
      source: JSON.stringify(job.source),
      options: JSON.stringify(job.options),
      deepgram_request_id: null,
      audio_duration_seconds: job.durationSeconds ?? null,
      error: null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function findJob(db: Db, id: string): Promise<Job | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToJob(row) : undefined;
}

/** Moves a job to processing. Never moves a finished job backwards (activity retries may replay this). */
export async function markJobProcessing(
  db: Db,
  id: string,
  update: { mode: ResolvedMode; durationSeconds: number | null },
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      status: 'processing',
      mode: update.mode,
      audio_duration_seconds: sql`coalesce(${update.durationSeconds}::double precision, audio_duration_seconds)`,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'processing'])
    .execute();
}

export async function markJobCompleted(
  db: Db,
  id: string,
  update: { deepgramRequestId: string; durationSeconds: number | null },
): Promise<void> {
  const now = new Date();
  await db
    .updateTable('jobs')
    .set({
      status: 'completed',
      deepgram_request_id: update.deepgramRequestId,
      audio_duration_seconds: sql`coalesce(${update.durationSeconds}::double precision, audio_duration_seconds)`,
      error: null,
      updated_at: now,
      completed_at: sql`coalesce(completed_at, ${now})`,
    })
    .where('id', '=', id)
    .execute();
}

export async function markJobFailed(db: Db, id: string, error: JobError, mode: ResolvedMode | null): Promise<void> {
  const now = new Date();
  await db
    .updateTable('jobs')
    .set({
      status: 'failed',
      error: JSON.stringify(error),
      mode: sql`coalesce(${mode}::text, mode)`,
      deepgram_request_id: sql`coalesce(${error.deepgramRequestId ?? null}::text, deepgram_request_id)`,
      updated_at: now,
      completed_at: sql`coalesce(completed_at, ${now})`,
    })
    .where('id', '=', id)
    .where('status', '!=', 'completed')
    .execute();
}
