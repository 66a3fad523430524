import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { AudioSource } from '../../domain/transcription.js';

const FINISHED = ['completed', 'failed', 'canceled', 'deleted'] as const;

/**
 * Removes up to `limit` finished jobs created before `before`, with their transcripts and delivery logs. Returns how
 * many went and the uploads they referenced (the caller deletes those from the blob store). Usage records stay: they
 * are the bill, and hold no content.
 */
export async function deleteExpiredJobs(db: Db, before: Date, limit: number): Promise<{ deleted: number; blobIds: string[] }> {
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('jobs')
      .select(['id', 'source'])
      .where('created_at', '<', before)
      .where('status', 'in', FINISHED)
      .orderBy('created_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return { deleted: 0, blobIds: [] };
    const ids = rows.map((r) => r.id);
    const chunkBlobs = await tx.selectFrom('job_chunks').select('blob_id').where('job_id', 'in', ids).where('blob_id', 'is not', null).execute();
    await tx.deleteFrom('transcripts').where('job_id', 'in', ids).execute();
    await tx.deleteFrom('webhook_deliveries').where('job_id', 'in', ids).execute();
    await tx.deleteFrom('job_chunks').where('job_id', 'in', ids).execute();
    await tx.deleteFrom('jobs').where('id', 'in', ids).execute();
    const blobIds = rows.flatMap((r) => {
      const source = r.source as AudioSource;
      return source.kind === 'upload' ? [source.blobId] : [];
    });
    blobIds.push(...chunkBlobs.map((c) => c.blob_id!));
    return { deleted: rows.length, blobIds };
  });
}

/**
 * Removes up to `limit` ended live sessions that started before `before`, with their final results; returns how many
 * went and their recordings' blobs (the caller deletes those from the blob store).
 */
export async function deleteExpiredLiveSessions(db: Db, before: Date, limit: number): Promise<{ deleted: number; blobIds: string[] }> {
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('live_sessions')
      .select(['id', 'recording_blob_id'])
      .where('started_at', '<', before)
      .where('status', '=', 'ended')
      .orderBy('started_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return { deleted: 0, blobIds: [] };
    const ids = rows.map((r) => r.id);
    await tx.deleteFrom('live_segments').where('session_id', 'in', ids).execute();
    const parts = await tx.deleteFrom('live_recording_parts').where('session_id', 'in', ids).returning('blob_id').execute();
    await tx.deleteFrom('live_sessions').where('id', 'in', ids).execute();
    return { deleted: rows.length, blobIds: [...rows.flatMap((r) => (r.recording_blob_id ? [r.recording_blob_id] : [])), ...parts.map((p) => p.blob_id)] };
  });
}

/**
 * Uploads older than `before` that no live job or live session's recording references (a request refused after its upload was stored, a client
 * that went away mid-request, a job removed by retention): what the orphan sweep deletes.
 */
export async function orphanBlobIds(db: Db, before: Date, limit: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select b.id from audio_blobs b
    where b.created_at < ${before}
      and not exists (select 1 from jobs j where j.source ->> 'blobId' = b.id and j.status <> 'deleted')
      and not exists (select 1 from job_chunks c where c.blob_id = b.id)
      and not exists (select 1 from live_recording_parts p where p.blob_id = b.id)
      and not exists (select 1 from live_sessions s where s.recording_blob_id = b.id)
    order by b.created_at
    limit ${limit}`.execute(db);
  return rows.map((r) => r.id);
}
