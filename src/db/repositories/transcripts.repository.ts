import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { StoredTranscript } from '../../domain/transcription.js';

/**
 * Stores a job's transcript. Keyed by job id, so a retried activity or a repeated Deepgram
 * callback never creates a second row; the first stored result wins.
 * Returns true when this call created the row.
 */
export async function saveTranscript(db: Db, transcript: StoredTranscript): Promise<boolean> {
  // Nothing is stored for a job deleted or canceled while Deepgram was working on it.
  const result = await sql`
    insert into transcripts (job_id, deepgram_request_id, text, result)
    select ${transcript.jobId}, ${transcript.deepgramRequestId}, ${transcript.text}, ${JSON.stringify(transcript.result)}::jsonb
    where exists (select 1 from jobs where id = ${transcript.jobId} and status not in ('deleted', 'canceled'))
    on conflict (job_id) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0n) > 0;
}

export async function findTranscript(db: Db, jobId: string): Promise<StoredTranscript | undefined> {
  const row = await db.selectFrom('transcripts').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  return row ? { jobId: row.job_id, deepgramRequestId: row.deepgram_request_id, text: row.text, result: row.result } : undefined;
}
