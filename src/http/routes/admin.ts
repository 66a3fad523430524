import { Hono } from 'hono';
import type { ApiKeyRecord, UsageRow } from '../../domain/tenancy.js';
import type { TenantsService } from '../../services/tenants.service.js';
import type { AppEnv } from '../app-env.js';
import { readJson } from '../read-json.js';
import { NewKeySchema, NewTenantSchema, parseBody, parseUsageQuery, RotateWebhookSecretSchema, USAGE_GROUPINGS } from '../validation/admin-requests.js';

export function keyView(key: ApiKeyRecord) {
  return {
    id: key.id,
    tenant: { id: key.tenantId, name: key.tenantName },
    name: key.name,
    prefix: key.prefix,
    source: key.source,
    rate_limit_per_minute: key.rateLimitPerMinute,
    monthly_audio_seconds: key.monthlyAudioSeconds,
    max_live_sessions: key.maxLiveSessions,
    region: key.region,
    status: key.revokedAt ? 'revoked' : 'active',
    created_at: key.createdAt.toISOString(),
    rotated_at: key.rotatedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

const usageRowView = (row: UsageRow, groupBy: string) => ({
  tenant: { id: row.tenantId, name: row.tenantName },
  ...(groupBy === 'tenant' ? {} : { [groupBy]: row.group }),
  audio_seconds: row.audioSeconds,
  requests: row.requests,
});

/** The usage answer, the same for a tenant's own view and the admin's. */
const usageView = (query: { from: Date; to: Date; groupBy: string }, rows: UsageRow[]) => ({
  from: query.from.toISOString(),
  to: query.to.toISOString(),
  group_by: query.groupBy,
  data: rows.map((r) => usageRowView(r, query.groupBy)),
});

/** `/v1/admin`: tenants, keys (secrets shown once), webhook secret rotation, usage across tenants. */
export function adminRoutes(deps: { tenants: TenantsService }) {
  const { tenants } = deps;
  return new Hono<AppEnv>()
    .post('/tenants', async (c) => {
      const body = parseBody(NewTenantSchema, await readJson(c));
      const { tenant, webhookSecret } = await tenants.createTenant(body.name);
      c.header('Location', `/v1/admin/tenants/${tenant.id}`);
      return c.json({ id: tenant.id, name: tenant.name, webhook_secret: webhookSecret, created_at: tenant.createdAt.toISOString() }, 201);
    })
    .get('/tenants', async (c) => {
      const list = await tenants.listTenants();
      return c.json({ data: list.map((t) => ({ id: t.id, name: t.name, created_at: t.createdAt.toISOString() })) }, 200);
    })
    .post('/tenants/:id/webhook-secret', async (c) => {
      const hasBody = (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined;
      const body = parseBody(RotateWebhookSecretSchema, hasBody ? await readJson(c) : {});
      const rotated = await tenants.rotateWebhookSecret(c.req.param('id'), body.overlap_seconds);
      return c.json({ tenant: { id: rotated.tenant.id, name: rotated.tenant.name }, webhook_secret: rotated.webhookSecret, previous_secret_valid_until: rotated.previousValidUntil.toISOString() }, 200);
    })
    .post('/keys', async (c) => {
      const body = parseBody(NewKeySchema, await readJson(c));
      const { key, secret } = await tenants.createKey({
        tenant: body.tenant,
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.rate_limit_per_minute !== undefined ? { rateLimitPerMinute: body.rate_limit_per_minute } : {}),
        ...(body.monthly_audio_seconds !== undefined ? { monthlyAudioSeconds: body.monthly_audio_seconds } : {}),
        ...(body.max_live_sessions !== undefined ? { maxLiveSessions: body.max_live_sessions } : {}),
        ...(body.region !== undefined ? { region: body.region } : {}),
      });
      c.header('Location', `/v1/admin/keys/${key.id}`);
      return c.json({ ...keyView(key), secret }, 201);
    })
    .get('/keys', async (c) => {
      const tenant = c.req.query('tenant');
      const keys = await tenants.listKeys(tenant ? { tenant } : {});
      return c.json({ data: keys.map(keyView) }, 200);
    })
    .delete('/keys/:id', async (c) => {
      await tenants.revokeKey(c.req.param('id'));
      return c.body(null, 204);
    })
    .post('/keys/:id/rotate', async (c) => {
      const { key, secret } = await tenants.rotateKey(c.req.param('id'));
      return c.json({ ...keyView(key), secret }, 200);
    })
    .get('/usage', async (c) => {
      const query = parseUsageQuery(c.req.query(), ['tenant', ...USAGE_GROUPINGS]);
      const tenant = c.req.query('tenant');
      const rows = await tenants.usage({ ...query, ...(tenant ? { tenant } : {}) });
      return c.json(usageView(query, rows), 200);
    });
}

/** `GET /v1/usage`: the caller's own tenant. */
export function usageRoutes(deps: { tenants: TenantsService }) {
  return new Hono<AppEnv>().get('/', async (c) => {
    const query = parseUsageQuery(c.req.query());
    const rows = await deps.tenants.tenantUsage(c.get('caller').tenantId, query);
    return c.json(usageView(query, rows), 200);
  });
}
