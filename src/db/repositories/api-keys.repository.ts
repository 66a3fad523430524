import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { ApiKeyRow } from '../schema.js';
import type { ApiKeyRecord, Caller } from '../../domain/tenancy.js';

export type { ApiKeyRecord };

export interface NewApiKey {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  secretHash: string;
  source: 'admin' | 'env';
  rateLimitPerMinute?: number | null;
  monthlyAudioSeconds?: number | null;
  maxLiveSessions?: number | null;
  region?: string | null;
}

const toRecord = (row: ApiKeyRow & { tenant_name: string }): ApiKeyRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  tenantName: row.tenant_name,
  name: row.name,
  prefix: row.prefix,
  source: row.source,
  rateLimitPerMinute: row.rate_limit_per_minute,
  monthlyAudioSeconds: row.monthly_audio_seconds,
  maxLiveSessions: row.max_live_sessions,
  region: row.region,
  createdAt: row.created_at,
  rotatedAt: row.rotated_at,
  revokedAt: row.revoked_at,
});

type KeyWithTenant = Awaited<ReturnType<ReturnType<typeof keysWithTenant>['executeTakeFirstOrThrow']>>;

function keysWithTenant(db: Db) {
  return db.selectFrom('api_keys').innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id').selectAll('api_keys').select('tenants.name as tenant_name');
}

export async function insertApiKey(db: Db, key: NewApiKey): Promise<ApiKeyRecord> {
  await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      tenant_id: key.tenantId,
      name: key.name,
      prefix: key.prefix,
      secret_hash: key.secretHash,
      source: key.source,
      rate_limit_per_minute: key.rateLimitPerMinute ?? null,
      monthly_audio_seconds: key.monthlyAudioSeconds ?? null,
      max_live_sessions: key.maxLiveSessions ?? null,
      region: key.region ?? null,
    })
    .execute();
  return (await findApiKey(db, key.id))!;
}

export async function findApiKey(db: Db, id: string): Promise<ApiKeyRecord | undefined> {
  const row = await keysWithTenant(db).where('api_keys.id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function listApiKeys(db: Db, query: { tenantId?: string } = {}): Promise<ApiKeyRecord[]> {
  let q = keysWithTenant(db);
  if (query.tenantId) q = q.where('api_keys.tenant_id', '=', query.tenantId);
  const rows = await q.orderBy('api_keys.created_at').orderBy('api_keys.id').execute();
  return rows.map(toRecord);
}

/** The caller a secret's hash belongs to, if the key exists and is not revoked. */
export async function callerBySecretHash(db: Db, secretHash: string): Promise<Caller | undefined> {
  const row = await keysWithTenant(db).where('api_keys.secret_hash', '=', secretHash).where('api_keys.revoked_at', 'is', null).executeTakeFirst();
  return row ? callerOf(row) : undefined;
}

/** The caller a key id stands for, unless the key was revoked (work done later on its behalf: a re-pass). */
export async function callerByKeyId(db: Db, id: string): Promise<Caller | undefined> {
  const row = await keysWithTenant(db).where('api_keys.id', '=', id).where('api_keys.revoked_at', 'is', null).executeTakeFirst();
  return row ? callerOf(row) : undefined;
}

/** The caller behind a live (unexpired) access token, as its granting key's: undefined once the key is revoked. */
export async function callerByAccessTokenHash(db: Db, secretHash: string): Promise<{ caller: Caller; expiresAt: Date } | undefined> {
  const row = await keysWithTenant(db)
    .innerJoin('access_tokens', 'access_tokens.api_key_id', 'api_keys.id')
    .select('access_tokens.expires_at')
    .where('access_tokens.secret_hash', '=', secretHash)
    .where('access_tokens.expires_at', '>', new Date())
    .where('api_keys.revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { expiresAt: row.expires_at, caller: callerOf(row) } : undefined;
}

/** A key's row (with its tenant's name) as the caller it identifies. */
function callerOf(row: Pick<KeyWithTenant, 'tenant_id' | 'tenant_name' | 'id' | 'name' | 'rate_limit_per_minute' | 'monthly_audio_seconds' | 'max_live_sessions' | 'region'>): Caller {
  return {
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    keyId: row.id,
    keyName: row.name,
    rateLimitPerMinute: row.rate_limit_per_minute,
    monthlyAudioSeconds: row.monthly_audio_seconds,
    maxLiveSessions: row.max_live_sessions,
    region: row.region,
  };
}

/** Keeps a granted token's hash until it expires; expired ones are swept away here, a few at a time. */
export async function insertAccessToken(db: Db, token: { secretHash: string; apiKeyId: string; expiresAt: Date }): Promise<void> {
  await db.insertInto('access_tokens').values({ secret_hash: token.secretHash, api_key_id: token.apiKeyId, expires_at: token.expiresAt }).execute();
  await db
    .deleteFrom('access_tokens')
    .where('secret_hash', 'in', (q) => q.selectFrom('access_tokens').select('secret_hash').where('expires_at', '<', new Date()).limit(100))
    .execute();
}

/** Whether any key was ever issued (revoked ones count: revoking the last key never opens the API). */
export async function anyApiKeyIssued(db: Db): Promise<boolean> {
  const row = await db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Revokes a key; true if it existed and was live. */
export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const result = await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Gives a live key a new secret (same id, limits and usage); the old secret stops working. False if not live. */
export async function rotateApiKeySecret(db: Db, id: string, secret: { prefix: string; secretHash: string }): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ prefix: secret.prefix, secret_hash: secret.secretHash, rotated_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * API_KEYS entries, made durable: each entry's name is its tenant, its key id `env.<name>`. An entry that changed
 * is updated; env keys no longer listed are revoked. Safe to run from every replica at once.
 */
export async function syncEnvironmentKeys(
  db: Db,
  entries: Array<{ name: string; prefix: string; secretHash: string; rateLimitPerMinute: number | null; newTenantId: string }>,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const entry of entries) {
      await tx.insertInto('tenants').values({ id: entry.newTenantId, name: entry.name }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const tenant = await tx.selectFrom('tenants').select('id').where('name', '=', entry.name).executeTakeFirstOrThrow();
      await tx
        .insertInto('api_keys')
        .values({
          id: `env.${entry.name}`,
          tenant_id: tenant.id,
          name: entry.name,
          prefix: entry.prefix,
          secret_hash: entry.secretHash,
          source: 'env',
          rate_limit_per_minute: entry.rateLimitPerMinute,
          monthly_audio_seconds: null,
          max_live_sessions: null,
          region: null,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            tenant_id: tenant.id,
            prefix: entry.prefix,
            secret_hash: entry.secretHash,
            rate_limit_per_minute: entry.rateLimitPerMinute,
            revoked_at: null,
          }),
        )
        .execute();
    }
    let stale = tx.updateTable('api_keys').set({ revoked_at: sql`now()` }).where('source', '=', 'env').where('revoked_at', 'is', null);
    const listed = entries.map((e) => `env.${e.name}`);
    if (listed.length > 0) stale = stale.where('id', 'not in', listed);
    await stale.execute();
  });
}

/** What a running live session needs to know about its key, read fresh: whether it still works, and its budget. */
export async function keyStanding(db: Db, id: string): Promise<{ revoked: boolean; monthlyAudioSeconds: number | null } | undefined> {
  const row = await db.selectFrom('api_keys').select(['revoked_at', 'monthly_audio_seconds']).where('id', '=', id).executeTakeFirst();
  return row ? { revoked: row.revoked_at !== null, monthlyAudioSeconds: row.monthly_audio_seconds } : undefined;
}
