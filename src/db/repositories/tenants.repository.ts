import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { TenantRow } from '../schema.js';

export interface Tenant {
  id: string;
  name: string;
  createdAt: Date;
}

const toTenant = (row: Pick<TenantRow, 'id' | 'name' | 'created_at'>): Tenant => ({ id: row.id, name: row.name, createdAt: row.created_at });

/** Creates a tenant; returns undefined when the name is taken. */
export async function insertTenant(db: Db, tenant: { id: string; name: string; webhookSecret: string | null }): Promise<Tenant | undefined> {
  const row = await db
    .insertInto('tenants')
    .values({ id: tenant.id, name: tenant.name, webhook_secret: tenant.webhookSecret })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning(['id', 'name', 'created_at'])
    .executeTakeFirst();
  return row ? toTenant(row) : undefined;
}

/** A tenant by id or by name. */
export async function findTenant(db: Db, idOrName: string): Promise<Tenant | undefined> {
  const row = await db
    .selectFrom('tenants')
    .select(['id', 'name', 'created_at'])
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .orderBy(sql`id = ${idOrName}`, 'desc')
    .executeTakeFirst();
  return row ? toTenant(row) : undefined;
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  const rows = await db.selectFrom('tenants').select(['id', 'name', 'created_at']).orderBy('created_at').orderBy('id').execute();
  return rows.map(toTenant);
}

/** The secrets that sign a tenant's webhooks now: the current one, and the previous one while its overlap lasts. */
export async function tenantWebhookSecrets(db: Db, tenantId: string): Promise<string[]> {
  const row = await db
    .selectFrom('tenants')
    .select(['webhook_secret', 'previous_webhook_secret', 'previous_webhook_secret_expires_at'])
    .where('id', '=', tenantId)
    .executeTakeFirst();
  if (!row) return [];
  const secrets = row.webhook_secret ? [row.webhook_secret] : [];
  if (row.previous_webhook_secret && row.previous_webhook_secret_expires_at && row.previous_webhook_secret_expires_at > new Date()) {
    secrets.push(row.previous_webhook_secret);
  }
  return secrets;
}

/**
 * WEBHOOK_SECRET as the secret of every tenant that has none of its own: the implicit tenant and API_KEYS tenants
 * (admin-created tenants always get their own). A tenant that rotated keeps what it rotated to.
 */
export async function seedWebhookSecrets(db: Db, secret: string): Promise<void> {
  await db.updateTable('tenants').set({ webhook_secret: secret }).where('webhook_secret', 'is', null).execute();
}

/** Replaces the secret; the old one keeps signing beside it until `overlapUntil`. False for an unknown tenant. */
export async function rotateTenantWebhookSecret(db: Db, tenantId: string, secret: string, overlapUntil: Date): Promise<boolean> {
  const result = await db
    .updateTable('tenants')
    .set({
      previous_webhook_secret: sql`webhook_secret`,
      previous_webhook_secret_expires_at: sql`case when webhook_secret is null then null else ${overlapUntil}::timestamptz end`,
      webhook_secret: secret,
    })
    .where('id', '=', tenantId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
