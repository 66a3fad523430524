import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { RecordingFormat } from '../../domain/live.js';

export interface RecordingPart {
  byteOffset: number;
  byteLength: number;
  blobId: string;
}

/**
 * Records one stored part of a session's recording and moves the session's recorded length on (never back). A part
 * at an offset already recorded (a retried write) is not added twice: false says its blob is not needed.
 */
export async function recordPart(db: Db, sessionId: string, part: RecordingPart, format: RecordingFormat): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('live_recording_parts')
      .values({ session_id: sessionId, byte_offset: part.byteOffset, byte_length: part.byteLength, blob_id: part.blobId })
      .onConflict((oc) => oc.columns(['session_id', 'byte_offset']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    await tx
      .updateTable('live_sessions')
      .set({
        recording_bytes: sql`greatest(recording_bytes, ${part.byteOffset + part.byteLength}::bigint)`,
        recording_format: sql`coalesce(recording_format, ${JSON.stringify(format)}::jsonb)`,
      })
      .where('id', '=', sessionId)
      .execute();
    return true;
  });
}

/** The parts in timeline order. */
export async function listRecordingParts(db: Db, sessionId: string): Promise<RecordingPart[]> {
  const rows = await db.selectFrom('live_recording_parts').select(['byte_offset', 'byte_length', 'blob_id']).where('session_id', '=', sessionId).orderBy('byte_offset').execute();
  return rows.map((r) => ({ byteOffset: Number(r.byte_offset), byteLength: Number(r.byte_length), blobId: r.blob_id }));
}

/**
 * The joined file becomes the session's recording and the parts' rows go, in one transaction; returns the parts'
 * blobs to delete. A session that already has its file keeps it (`kept` false: the caller deletes the new one).
 */
export async function finishRecording(db: Db, sessionId: string, blobId: string): Promise<{ kept: boolean; partBlobIds: string[] }> {
  return db.transaction().execute(async (tx) => {
    const updated = await tx.updateTable('live_sessions').set({ recording_blob_id: blobId }).where('id', '=', sessionId).where('recording_blob_id', 'is', null).executeTakeFirst();
    const parts = await tx.deleteFrom('live_recording_parts').where('session_id', '=', sessionId).returning('blob_id').execute();
    return { kept: Number(updated.numUpdatedRows) > 0, partBlobIds: parts.map((p) => p.blob_id) };
  });
}

/** Remembers the latest re-pass job of a session. */
export async function setRepassJob(db: Db, sessionId: string, jobId: string): Promise<void> {
  await db.updateTable('live_sessions').set({ repass_job_id: jobId }).where('id', '=', sessionId).execute();
}
