import type { Kysely } from 'kysely';

/** A deleted live session keeps a tombstone row (billing, ids); its segments and options are gone. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('live_sessions').addColumn('deleted_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('live_sessions').dropColumn('deleted_at').execute();
}
