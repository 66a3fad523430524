import { sql, type Kysely } from 'kysely';

/** Admission counts the sessions not yet ended on every new session; this keeps that count off the full table. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index live_sessions_open_idx on live_sessions (started_at) where status <> 'ended'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('live_sessions_open_idx').execute();
}
