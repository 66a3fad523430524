import { sql, type Kysely } from 'kysely';

/**
 * Recordings of live sessions (`record=true`): the audio is stored as it streams, one part per flush (each part an
 * audio blob), on the session's own byte timeline so a resumed connection adds only what is new. When the session
 * ends the parts are joined into one playable file (`recording_blob_id`) and dropped. `recording_format` says what
 * the bytes are (PCM parameters for a WAV header, or the client's own container). `repass_options` holds the
 * options of the automatic re-pass (`repass=true`), `repass_job_id` the latest re-pass job.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('live_sessions')
    .addColumn('record', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('recording_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('recording_format', 'jsonb')
    .addColumn('recording_blob_id', 'text')
    .addColumn('repass_options', 'jsonb')
    .addColumn('repass_job_id', 'text')
    .execute();
  await db.schema
    .createTable('live_recording_parts')
    .addColumn('session_id', 'text', (c) => c.notNull().references('live_sessions.id').onDelete('cascade'))
    .addColumn('byte_offset', 'bigint', (c) => c.notNull())
    .addColumn('byte_length', 'bigint', (c) => c.notNull())
    .addColumn('blob_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('live_recording_parts_pkey', ['session_id', 'byte_offset'])
    .execute();
  await db.schema.createIndex('live_recording_parts_blob_id_idx').on('live_recording_parts').column('blob_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('live_recording_parts').execute();
  await db.schema.alterTable('live_sessions').dropColumn('record').dropColumn('recording_bytes').dropColumn('recording_format').dropColumn('recording_blob_id').dropColumn('repass_options').dropColumn('repass_job_id').execute();
}
