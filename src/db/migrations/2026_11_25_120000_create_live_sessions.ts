import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('live_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('model', 'text')
    .addColumn('options', 'jsonb', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('audio_seconds', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('committed_seconds', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('close_reason', 'text')
    .addColumn('close_message', 'text')
    .addColumn('reconnect_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('resume_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deepgram_request_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.createIndex('live_sessions_started_at_idx').on('live_sessions').columns(['started_at desc', 'id desc']).execute();

  await db.schema
    .createTable('live_segments')
    .addColumn('session_id', 'text', (c) => c.notNull().references('live_sessions.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('channel', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('start_seconds', 'double precision', (c) => c.notNull())
    .addColumn('end_seconds', 'double precision', (c) => c.notNull())
    .addColumn('transcript', 'text', (c) => c.notNull())
    .addColumn('confidence', 'double precision')
    .addColumn('speech_final', 'boolean', (c) => c.notNull())
    .addColumn('from_finalize', 'boolean', (c) => c.notNull())
    .addColumn('words', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('live_segments_pk', ['session_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('live_segments').execute();
  await db.schema.dropTable('live_sessions').execute();
}
