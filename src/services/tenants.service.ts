import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import {
  findApiKey,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKeySecret,
  type ApiKeyRecord,
} from '../db/repositories/api-keys.repository.js';
import { findTenant, insertTenant, listTenants, rotateTenantWebhookSecret, type Tenant } from '../db/repositories/tenants.repository.js';
import { usageReport, type UsageGrouping, type UsageRow } from '../db/repositories/usage.repository.js';
import { AppError } from '../domain/errors.js';
import { TENANT_NAME } from '../domain/tenancy.js';
import { newKeySecret } from './api-keys.js';

export interface NewKeyRequest {
  /** Tenant id or name. */
  tenant: string;
  name?: string;
  rateLimitPerMinute?: number;
  monthlyAudioSeconds?: number;
  maxLiveSessions?: number;
  region?: string;
}

export interface UsageQuery {
  from: Date;
  to: Date;
  groupBy: UsageGrouping;
}

/** A fresh Standard Webhooks secret: `whsec_` and 32 random bytes, base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Default overlap of a webhook secret rotation: receivers have a day to switch. */
export const WEBHOOK_ROTATION_OVERLAP_SECONDS = 86_400;

export type TenantsService = ReturnType<typeof createTenantsService>;

function assertName(name: string): void {
  if (!TENANT_NAME.test(name)) throw new AppError(400, 'invalid_request', 'Field "name" must be 1–64 letters, digits, ".", "_" or "-"');
}

/**
 * Tenant and key administration (the admin API and `npm run keys`): tenants, their keys (secrets shown once, only a
 * hash kept), webhook secret rotation, and usage across tenants.
 */
export function createTenantsService(deps: { db: Db; regions: string[] }) {
  const { db } = deps;

  async function requireTenant(idOrName: string): Promise<Tenant> {
    const tenant = await findTenant(db, idOrName);
    if (!tenant) throw new AppError(404, 'not_found', `No tenant ${JSON.stringify(idOrName)}`);
    return tenant;
  }

  async function requireKey(id: string): Promise<ApiKeyRecord> {
    const key = await findApiKey(db, id);
    if (!key) throw new AppError(404, 'not_found', `No API key with id ${id}`);
    return key;
  }

  return {
    requireTenant,

    async createTenant(name: string): Promise<{ tenant: Tenant; webhookSecret: string }> {
      assertName(name);
      const webhookSecret = newWebhookSecret();
      const tenant = await insertTenant(db, { id: `ten_${randomUUID()}`, name, webhookSecret });
      if (!tenant) throw new AppError(409, 'tenant_exists', `A tenant named ${JSON.stringify(name)} already exists`);
      return { tenant, webhookSecret };
    },

    listTenants: () => listTenants(db),

    /** A new webhook secret; the old one keeps signing beside it (both signatures sent) for `overlapSeconds`. */
    async rotateWebhookSecret(idOrName: string, overlapSeconds = WEBHOOK_ROTATION_OVERLAP_SECONDS): Promise<{ tenant: Tenant; webhookSecret: string; previousValidUntil: Date }> {
      const tenant = await requireTenant(idOrName);
      const webhookSecret = newWebhookSecret();
      const previousValidUntil = new Date(Date.now() + overlapSeconds * 1000);
      await rotateTenantWebhookSecret(db, tenant.id, webhookSecret, previousValidUntil);
      return { tenant, webhookSecret, previousValidUntil };
    },

    async createKey(request: NewKeyRequest): Promise<{ key: ApiKeyRecord; secret: string }> {
      const tenant = await requireTenant(request.tenant);
      const region = request.region?.toLowerCase();
      if (request.region !== undefined && region !== undefined && !deps.regions.includes(region)) {
        throw new AppError(
          422,
          'unknown_region',
          `Region ${JSON.stringify(request.region)} has no Deepgram endpoint configured (set DEEPGRAM_API_URL_${request.region.toUpperCase().replace(/-/g, '_')}); configured: ${deps.regions.join(', ') || 'none'}`,
        );
      }
      const name = request.name ?? tenant.name;
      assertName(name);
      const fresh = newKeySecret();
      const key = await insertApiKey(db, {
        id: `key_${randomUUID()}`,
        tenantId: tenant.id,
        name,
        prefix: fresh.prefix,
        secretHash: fresh.secretHash,
        source: 'admin',
        rateLimitPerMinute: request.rateLimitPerMinute ?? null,
        monthlyAudioSeconds: request.monthlyAudioSeconds ?? null,
        maxLiveSessions: request.maxLiveSessions ?? null,
        region: region ?? null,
      });
      return { key, secret: fresh.secret };
    },

    async listKeys(query: { tenant?: string } = {}): Promise<ApiKeyRecord[]> {
      const tenantId = query.tenant ? (await requireTenant(query.tenant)).id : undefined;
      return listApiKeys(db, tenantId ? { tenantId } : {});
    },

    /** Revokes a key: within the key cache time (2 s) it stops working on every replica and streaming worker. */
    async revokeKey(id: string): Promise<ApiKeyRecord> {
      await requireKey(id);
      await revokeApiKey(db, id);
      return (await findApiKey(db, id))!;
    },

    /** A new secret for the same key (id, limits and usage kept); the old secret stops working. */
    async rotateKey(id: string): Promise<{ key: ApiKeyRecord; secret: string }> {
      const key = await requireKey(id);
      if (key.revokedAt) throw new AppError(409, 'key_revoked', `API key ${id} is revoked; create a new one`);
      const fresh = newKeySecret();
      await rotateApiKeySecret(db, id, fresh);
      return { key: (await findApiKey(db, id))!, secret: fresh.secret };
    },

    /** Usage of every tenant (or one), for the admin view. */
    async usage(query: UsageQuery & { tenant?: string }): Promise<UsageRow[]> {
      const tenantId = query.tenant ? (await requireTenant(query.tenant)).id : undefined;
      return usageReport(db, { from: query.from, to: query.to, groupBy: query.groupBy, ...(tenantId ? { tenantId } : {}) });
    },

    /** One tenant's own usage: `GET /v1/usage`. */
    tenantUsage: (tenantId: string, query: UsageQuery): Promise<UsageRow[]> => usageReport(db, { ...query, tenantId }),
  };
}
