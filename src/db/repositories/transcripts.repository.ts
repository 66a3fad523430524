import type { Db } from '../database.js';
import type { StoredTranscript } from '../../domain/transcription.js';

/**
 * Stores a job's transcript. Keyed by job id, so a retried activity or a repeated Deepgram
 * callback never creates a second row; the first stored result wins.
 * Returns true when this call created the row.
 */
export async function saveTranscript(db: Db, transcript: StoredTranscript): Promise<boolean> {
  const result = await db
    .insertInto('transcripts')
    .values({
      job_id: transcript.jobId,
      deepgram_request_id: transcript.deepgramRequestId,
      text: transcript.text,
      result: JSON.stringify(transcript.result),
    })
    .onConflict((oc) => oc.column('job_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findTranscript(db: Db, jobId: string): Promise<StoredTranscript | undefined> {
  const row = await db.selectFrom('transcripts').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  return row ? { jobId: row.job_id, deepgramRequestId: row.deepgram_request_id, text: row.text, result: row.result } : undefined;
}
