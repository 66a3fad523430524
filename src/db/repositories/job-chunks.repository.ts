import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { ChunkSpan } from '../../domain/chunking.js';
import type { JobError } from '../../domain/transcription.js';

export interface StoredChunk extends ChunkSpan {
  blobId: string | null;
  status: 'pending' | 'completed' | 'failed';
  deepgramRequestId: string | null;
}

/** A job's chunks in order (without their answers). */
export async function listJobChunks(db: Db, jobId: string): Promise<StoredChunk[]> {
  const rows = await db
    .selectFrom('job_chunks')
    .select(['chunk_index', 'start_seconds', 'end_seconds', 'blob_id', 'status', 'deepgram_request_id'])
    .where('job_id', '=', jobId)
    .orderBy('chunk_index')
    .execute();
  return rows.map((r) => ({ index: r.chunk_index, startSeconds: r.start_seconds, endSeconds: r.end_seconds, blobId: r.blob_id, status: r.status, deepgramRequestId: r.deepgram_request_id }));
}

/**
 * Records a job's chunks and their blobs, all or none, and sets the job's chunk count. A second plan for the same job
 * (a retried split) changes nothing: the first one stands, and its blobs are the ones kept.
 */
export async function insertJobChunks(db: Db, jobId: string, chunks: Array<ChunkSpan & { blobId: string }>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('jobs').select('chunks_total').where('id', '=', jobId).forUpdate().executeTakeFirst();
    if (!locked || locked.chunks_total !== null) return false;
    await trx
      .insertInto('job_chunks')
      .values(chunks.map((c) => ({ job_id: jobId, chunk_index: c.index, start_seconds: c.startSeconds, end_seconds: c.endSeconds, blob_id: c.blobId })))
      .execute();
    await trx.updateTable('jobs').set({ chunks_total: chunks.length, chunks_done: 0, updated_at: new Date() }).where('id', '=', jobId).execute();
    return true;
  });
}

/** One chunk, with Deepgram's answer where it has one. */
export async function findJobChunk(db: Db, jobId: string, index: number): Promise<(StoredChunk & { result: unknown }) | undefined> {
  const r = await db.selectFrom('job_chunks').selectAll().where('job_id', '=', jobId).where('chunk_index', '=', index).executeTakeFirst();
  return r && { index: r.chunk_index, startSeconds: r.start_seconds, endSeconds: r.end_seconds, blobId: r.blob_id, status: r.status, deepgramRequestId: r.deepgram_request_id, result: r.result };
}

/** Keeps a chunk's answer and counts it among the job's finished chunks, once however often this runs. */
export async function saveChunkResult(db: Db, jobId: string, index: number, deepgramRequestId: string, result: unknown): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const saved = await trx
      .updateTable('job_chunks')
      .set({ status: 'completed', deepgram_request_id: deepgramRequestId, result: JSON.stringify(result), error: null, updated_at: new Date() })
      .where('job_id', '=', jobId)
      .where('chunk_index', '=', index)
      .where('status', '<>', 'completed')
      .executeTakeFirst();
    // An increment, not a recount: concurrent chunks each add theirs under the job row's lock, and none is lost.
    if (saved.numUpdatedRows > 0n) await trx.updateTable('jobs').set({ chunks_done: sql`coalesce(chunks_done, 0) + 1`, updated_at: new Date() }).where('id', '=', jobId).execute();
  });
}

/** A chunk that kept failing keeps its error (the chunks that finished keep their answers). */
export async function markChunkFailed(db: Db, jobId: string, index: number, error: JobError): Promise<void> {
  await db
    .updateTable('job_chunks')
    .set({ status: 'failed', error: JSON.stringify(error), updated_at: new Date() })
    .where('job_id', '=', jobId)
    .where('chunk_index', '=', index)
    .where('status', '<>', 'completed')
    .execute();
}

/** Every chunk's answer, in order; undefined when one is missing. */
export async function chunkResults(db: Db, jobId: string): Promise<Array<ChunkSpan & { result: unknown }> | undefined> {
  const rows = await db
    .selectFrom('job_chunks')
    .select(['chunk_index', 'start_seconds', 'end_seconds', 'status', 'result'])
    .where('job_id', '=', jobId)
    .orderBy('chunk_index')
    .execute();
  if (rows.length === 0 || rows.some((r) => r.status !== 'completed' || r.result == null)) return undefined;
  return rows.map((r) => ({ index: r.chunk_index, startSeconds: r.start_seconds, endSeconds: r.end_seconds, result: r.result }));
}

/**
 * Once the whole transcript is stored the chunks' answers and audio are no longer needed: the answers are dropped
 * (the spans and request ids stay, for the record) and the blob ids returned for deletion.
 */
export async function releaseJobChunks(db: Db, jobId: string): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const blobIds = await jobChunkBlobIds(trx, jobId);
    await trx.updateTable('job_chunks').set({ result: null, blob_id: null, updated_at: new Date() }).where('job_id', '=', jobId).execute();
    return blobIds;
  });
}

/** The chunk blobs of a job (deleting a job deletes them). */
export async function jobChunkBlobIds(db: Db, jobId: string): Promise<string[]> {
  const rows = await db.selectFrom('job_chunks').select('blob_id').where('job_id', '=', jobId).where('blob_id', 'is not', null).execute();
  return rows.map((r) => r.blob_id!);
}
