import { sql, type Kysely } from 'kysely';

/**
 * Tenancy: tenants own keys and every resource; usage is metered per tenant and key, once per job or session.
 * Rows from before tenancy belong to the implicit tenant `default` (the open, keyless deployment).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('webhook_secret', 'text')
    .addColumn('previous_webhook_secret', 'text')
    .addColumn('previous_webhook_secret_expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into tenants (id, name) values ('default', 'default')`.execute(db);

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('rate_limit_per_minute', 'integer')
    .addColumn('monthly_audio_seconds', 'double precision')
    .addColumn('max_live_sessions', 'integer')
    .addColumn('region', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('rotated_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_tenant_idx').on('api_keys').column('tenant_id').execute();

  const owned = ['jobs', 'audio_blobs', 'webhook_deliveries', 'live_sessions', 'live_segments'];
  for (const table of owned) {
    await db.schema
      .alterTable(table)
      .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo('default').references('tenants.id'))
      .execute();
  }
  await db.schema
    .alterTable('jobs')
    .addColumn('api_key_id', 'text')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('region', 'text')
    .execute();
  await db.schema.alterTable('live_sessions').addColumn('api_key_id', 'text').addColumn('region', 'text').execute();

  // Idempotency keys are unique per tenant, never across tenants.
  await db.schema.dropIndex('jobs_idempotency_key_uq').execute();
  await db.schema.createIndex('jobs_tenant_idempotency_key_uq').on('jobs').columns(['tenant_id', 'idempotency_key']).unique().execute();
  await db.schema.createIndex('jobs_tenant_created_at_idx').on('jobs').columns(['tenant_id', 'created_at desc', 'id desc']).execute();
  await db.schema.createIndex('live_sessions_tenant_started_at_idx').on('live_sessions').columns(['tenant_id', 'started_at desc', 'id desc']).execute();

  await db.schema
    .createTable('usage_records')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('api_key_id', 'text')
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('audio_seconds', 'double precision', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Exactly once per job or session, however often a retried activity tries.
    .addUniqueConstraint('usage_records_source_uq', ['source_kind', 'source_id'])
    .execute();
  await db.schema.createIndex('usage_records_tenant_time_idx').on('usage_records').columns(['tenant_id', 'recorded_at']).execute();
  await db.schema.createIndex('usage_records_key_time_idx').on('usage_records').columns(['api_key_id', 'recorded_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_records').execute();
  await db.schema.dropIndex('live_sessions_tenant_started_at_idx').execute();
  await db.schema.dropIndex('jobs_tenant_created_at_idx').execute();
  await db.schema.dropIndex('jobs_tenant_idempotency_key_uq').execute();
  await db.schema.createIndex('jobs_idempotency_key_uq').on('jobs').column('idempotency_key').unique().execute();
  await db.schema.alterTable('live_sessions').dropColumn('api_key_id').dropColumn('region').execute();
  await db.schema.alterTable('jobs').dropColumn('api_key_id').dropColumn('priority').dropColumn('region').execute();
  for (const table of ['jobs', 'audio_blobs', 'webhook_deliveries', 'live_sessions', 'live_segments']) {
    await db.schema.alterTable(table).dropColumn('tenant_id').execute();
  }
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('tenants').execute();
}
