import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('idempotency_key', 'text')
    .addColumn('request_fingerprint', 'text')
    .addColumn('webhook_url', 'text')
    .addColumn('deepgram_callback_url', 'text')
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('jobs_idempotency_key_uq').on('jobs').column('idempotency_key').unique().execute();

  await db.schema
    .createTable('audio_blobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('storage', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('audio_blob_chunks')
    .addColumn('blob_id', 'text', (c) => c.notNull().references('audio_blobs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('audio_blob_chunks_pk', ['blob_id', 'seq'])
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('succeeded', 'boolean', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webhook_deliveries_job_idx').on('webhook_deliveries').columns(['job_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('audio_blob_chunks').execute();
  await db.schema.dropTable('audio_blobs').execute();
  await db.schema.dropIndex('jobs_idempotency_key_uq').execute();
  await db.schema
    .alterTable('jobs')
    .dropColumn('idempotency_key')
    .dropColumn('request_fingerprint')
    .dropColumn('webhook_url')
    .dropColumn('deepgram_callback_url')
    .dropColumn('deleted_at')
    .execute();
}
