/**
 * Tenancy: who is calling, and what their key allows. Every job, upload, delivery log, live session and usage
 * record belongs to one tenant; callers only ever see their own tenant's.
 */

/** The implicit tenant of a deployment without keys (the laptop case), and the owner of rows from before tenancy. */
export const DEFAULT_TENANT_ID = 'default';

/** Job priority within a tenant: 1 runs first, 5 last. */
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 5;
export const DEFAULT_PRIORITY = 3;

/** An authenticated caller: its tenant, and the key it used with that key's limits (none when the API is open). */
export interface Caller {
  tenantId: string;
  tenantName: string;
  /** Null for the implicit tenant of an open deployment. */
  keyId: string | null;
  keyName: string | null;
  rateLimitPerMinute: number | null;
  /** Audio seconds this key may use per calendar month (UTC); null = no budget. */
  monthlyAudioSeconds: number | null;
  /** Live sessions this key may hold open at once; null = only the global caps. */
  maxLiveSessions: number | null;
  /** Data residency: the region whose endpoints and task queues serve this key; null = the default region. */
  region: string | null;
}

/** The caller of an open deployment: the implicit tenant, no limits of its own. */
export const OPEN_CALLER: Caller = Object.freeze({
  tenantId: DEFAULT_TENANT_ID,
  tenantName: DEFAULT_TENANT_ID,
  keyId: null,
  keyName: null,
  rateLimitPerMinute: null,
  monthlyAudioSeconds: null,
  maxLiveSessions: null,
  region: null,
});

/** What a tenant or key name may hold: it appears in logs, metrics and the Temporal UI. */
export const TENANT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Region names as they appear in `DEEPGRAM_API_URL_<REGION>` (lowercased in the API: `eu`, `us-west`). */
export const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** An API key as the admin API and the CLI show it (never its secret). */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  tenantName: string;
  name: string;
  prefix: string;
  source: 'admin' | 'env';
  rateLimitPerMinute: number | null;
  monthlyAudioSeconds: number | null;
  maxLiveSessions: number | null;
  region: string | null;
  createdAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

export type UsageGrouping = 'day' | 'model' | 'mode' | 'tenant';

/** Billable audio of one tenant in one group of a usage report. */
export interface UsageRow {
  tenantId: string;
  tenantName: string;
  /** The day (YYYY-MM-DD, UTC), model or mode, by the grouping asked for; null for `tenant`. */
  group: string | null;
  audioSeconds: number;
  requests: number;
}

/** The start of the calendar month (UTC) that `at` falls in: budgets reset then. */
export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}
