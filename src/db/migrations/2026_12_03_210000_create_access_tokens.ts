import { sql, type Kysely } from 'kysely';

/**
 * Short-lived access tokens (`POST /v1/auth/grant`, Deepgram's endpoint): a browser holds one for seconds instead of
 * an API key. Kept hashed, tied to the key that granted them: revoking the key ends its tokens too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('access_tokens')
    .addColumn('secret_hash', 'text', (c) => c.primaryKey())
    .addColumn('api_key_id', 'text', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('access_tokens_expires_at_idx').on('access_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('access_tokens').execute();
}
