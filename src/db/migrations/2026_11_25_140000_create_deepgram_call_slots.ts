import { sql, type Kysely } from 'kysely';

/**
 * Leases on the global Deepgram concurrency cap: one row per slot a batch worker holds. A worker renews its
 * leases while alive; a crashed worker's leases lapse at `expires_at` and their places return to the pool.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deepgram_call_slots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('deepgram_call_slots_holder_idx').on('deepgram_call_slots').column('holder').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deepgram_call_slots').execute();
}
