import { type Kysely } from 'kysely';

/** Per-client API budgets shared by every API replica (RATE_LIMIT_STORE=postgres): one timestamp per client. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('client', 'text', (c) => c.primaryKey())
    .addColumn('arrival_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
}
