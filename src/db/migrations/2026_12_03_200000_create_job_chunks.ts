import { sql, type Kysely } from 'kysely';

/**
 * Long files transcribed in chunks: one row per chunk (its span of the file, its audio blob, Deepgram's answer or the
 * error that ended it), so a retried or resumed job redoes only the chunks without an answer, and the job can say how
 * many are done. `jobs.chunks_total` / `chunks_done` are what the job view reads.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_chunks')
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('chunk_index', 'integer', (c) => c.notNull())
    .addColumn('start_seconds', 'double precision', (c) => c.notNull())
    .addColumn('end_seconds', 'double precision', (c) => c.notNull())
    .addColumn('blob_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('deepgram_request_id', 'text')
    .addColumn('result', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('job_chunks_pkey', ['job_id', 'chunk_index'])
    .execute();
  await db.schema.createIndex('job_chunks_blob_id_idx').on('job_chunks').column('blob_id').execute();
  await db.schema.alterTable('jobs').addColumn('chunks_total', 'integer').addColumn('chunks_done', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('chunks_total').dropColumn('chunks_done').execute();
  await db.schema.dropTable('job_chunks').execute();
}
