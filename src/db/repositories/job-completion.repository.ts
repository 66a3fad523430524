import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { ResolvedMode, StoredTranscript } from '../../domain/transcription.js';
import { NOT_STARTED, type FinishingJob } from './jobs.repository.js';

export interface TranscriptCompletion {
  /** The job as it was, when this call is the one that finished it (counted once); undefined when it had finished already. */
  finishing?: FinishingJob;
  /** The audio metered for its tenant by this call (once per job). */
  metered?: { tenantId: string; tenantName: string; audioSeconds: number };
}

/**
 * Deepgram's answer for a job, in one round trip: the transcript stored (first wins; nothing for a job deleted or
 * canceled meanwhile), the job completed and its audio metered for its tenant, all or nothing. The same writes as
 * saveTranscript, markJobCompleted and recordJobUsage one after another, repeatable like them.
 */
export async function storeTranscriptAndCompleteJob(db: Db, transcript: StoredTranscript & { durationSeconds: number | null }): Promise<TranscriptCompletion> {
  const now = new Date();
  const { jobId } = transcript;
  const result = await sql<{
    before_status: string;
    before_created_at: Date;
    before_mode: string | null;
    before_options: unknown;
    tenant_id: string | null;
    audio_seconds: number | null;
    tenant_name: string | null;
  }>`
    with saved as (
      insert into transcripts (job_id, deepgram_request_id, text, result)
      select ${jobId}, ${transcript.deepgramRequestId}, ${transcript.text}, ${JSON.stringify(transcript.result)}::jsonb
      where exists (select 1 from jobs where id = ${jobId} and status not in ('deleted', 'canceled'))
      on conflict (job_id) do nothing
      returning job_id
    ),
    before as (
      select id, status, created_at, mode, options from jobs where id = ${jobId} for update
    ),
    finished as (
      update jobs set
        deepgram_request_id = ${transcript.deepgramRequestId},
        audio_duration_seconds = coalesce(${transcript.durationSeconds}::double precision, jobs.audio_duration_seconds),
        error = null,
        status = 'completed',
        updated_at = ${now},
        completed_at = case when jobs.error->>'code' = ${NOT_STARTED} then ${now}::timestamptz else coalesce(jobs.completed_at, ${now}) end
      from before
      where jobs.id = before.id
        and (jobs.status in ('queued', 'processing', 'completed') or (jobs.status = 'failed' and jobs.error->>'code' = ${NOT_STARTED}))
      returning before.status as before_status, before.created_at as before_created_at, before.mode as before_mode, before.options as before_options,
        jobs.tenant_id, jobs.api_key_id, jobs.audio_duration_seconds, jobs.options
    ),
    metered as (
      insert into usage_records (tenant_id, api_key_id, source_kind, source_id, mode, model, audio_seconds)
      select tenant_id, api_key_id, 'job', ${jobId}, 'prerecorded', coalesce(options->>'model', 'default'), audio_duration_seconds
        from finished where audio_duration_seconds is not null
      on conflict (source_kind, source_id) do nothing
      returning tenant_id, audio_seconds
    )
    select finished.before_status, finished.before_created_at, finished.before_mode, finished.before_options,
      metered.tenant_id, metered.audio_seconds, tenants.name as tenant_name
    from finished
    left join metered on true
    left join tenants on tenants.id = metered.tenant_id`.execute(db);
  const row = result.rows[0];
  if (!row) return {};
  const finishing =
    row.before_status === 'queued' || row.before_status === 'processing'
      ? { createdAt: row.before_created_at, mode: row.before_mode as ResolvedMode | null, model: (row.before_options as { model?: unknown } | null)?.model }
      : undefined;
  const metered = row.tenant_id && row.tenant_name !== null ? { tenantId: row.tenant_id, tenantName: row.tenant_name, audioSeconds: Number(row.audio_seconds) } : undefined;
  return { ...(finishing ? { finishing } : {}), ...(metered ? { metered } : {}) };
}
