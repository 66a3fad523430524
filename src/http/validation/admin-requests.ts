import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { TENANT_NAME } from '../../domain/tenancy.js';
import { parseRfc3339 } from './rfc3339.js';

const wholeOrNull = (max: number) => z.number().int().min(0).max(max);

/** `POST /v1/admin/tenants` */
const NAME_RULE = '1–64 letters, digits, ".", "_" or "-"';
const name = () => z.string().regex(TENANT_NAME, `must be ${NAME_RULE}`);

export const NewTenantSchema = z.strictObject({ name: name().describe(`${NAME_RULE}; unique`) });

/** `POST /v1/admin/keys` */
export const NewKeySchema = z.strictObject({
  tenant: z.string().min(1).describe('tenant id or name'),
  name: name().optional().describe(`${NAME_RULE}; defaults to the tenant name`),
  rate_limit_per_minute: wholeOrNull(1_000_000).optional().describe('requests per minute; 0 = unlimited; default RATE_LIMIT_PER_MINUTE'),
  monthly_audio_seconds: z.number().min(0).max(1e10).optional().describe('audio seconds per calendar month (UTC); past it 402 budget_exceeded'),
  max_live_sessions: wholeOrNull(100_000).optional().describe('live sessions open at once; past it close 1013'),
  region: z.string().optional().describe('pins the key to a region with DEEPGRAM_API_URL_<REGION> configured'),
});

/** `POST /v1/admin/tenants/:id/webhook-secret` */
export const RotateWebhookSecretSchema = z.strictObject({
  overlap_seconds: z.number().int().min(0).max(30 * 86_400).optional().describe('how long the old secret keeps signing too (default 86400)'),
});

/** Parses a body against `schema`, answering 400 with the first problem (the field named). */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body');
  throw new AppError(400, 'invalid_request', `Field "${field}": ${issue.message}`);
}

export const USAGE_GROUPINGS = ['day', 'model', 'mode'] as const;

/** `?from=&to=&group_by=` of the usage views: ISO dates or times; default the current calendar month (UTC). */
export function parseUsageQuery(query: { from?: string; to?: string; group_by?: string }, groupings: readonly string[] = USAGE_GROUPINGS) {
  const now = new Date();
  const date = (value: string | undefined, name: string, fallback: Date) => {
    if (value === undefined) return fallback;
    const parsed = parseRfc3339(value);
    if (!parsed) throw new AppError(400, 'invalid_request', `Query "${name}" must be an RFC 3339 date or date-time (2026-12-01 or 2026-12-01T00:00:00Z)`);
    return parsed;
  };
  const from = date(query.from, 'from', new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
  const to = date(query.to, 'to', new Date(now.getTime() + 1000));
  // Both well formed, yet no range: refused for what it means (422), not for its shape (400).
  if (to <= from) throw new AppError(422, 'invalid_range', `Query "to" (${to.toISOString()}) must be after "from" (${from.toISOString()})`);
  const groupBy = query.group_by ?? groupings[0]!;
  if (!groupings.includes(groupBy)) throw new AppError(400, 'invalid_request', `Query "group_by" must be one of ${groupings.join(', ')}`);
  return { from, to, groupBy: groupBy as 'day' | 'model' | 'mode' | 'tenant' };
}
