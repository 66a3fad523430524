import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { UsageGrouping, UsageRow } from '../../domain/tenancy.js';

export type { UsageGrouping, UsageRow };

/**
 * Meters a finished job: one row per job, however often this runs (a retried activity, a replayed workflow task).
 * Read from the job row itself in the same statement. Returns what was recorded, or null if already recorded.
 */
export async function recordJobUsage(db: Db, jobId: string): Promise<{ tenantId: string; tenantName: string; audioSeconds: number } | null> {
  const row = await sql<{ tenant_id: string; audio_seconds: number; tenant_name: string }>`
    with inserted as (
      insert into usage_records (tenant_id, api_key_id, source_kind, source_id, mode, model, audio_seconds)
      select tenant_id, api_key_id, 'job', id, 'prerecorded', coalesce(options->>'model', 'default'), audio_duration_seconds
        from jobs where id = ${jobId} and status = 'completed' and audio_duration_seconds is not null
      on conflict (source_kind, source_id) do nothing
      returning tenant_id, audio_seconds
    )
    select inserted.tenant_id, inserted.audio_seconds, tenants.name as tenant_name from inserted join tenants on tenants.id = inserted.tenant_id`.execute(db);
  const first = row.rows[0];
  return first ? { tenantId: first.tenant_id, tenantName: first.tenant_name, audioSeconds: Number(first.audio_seconds) } : null;
}

/** Meters an ended live session by its received audio, once. */
export async function recordLiveUsage(db: Db, sessionId: string): Promise<{ tenantId: string; tenantName: string; audioSeconds: number } | null> {
  const row = await sql<{ tenant_id: string; audio_seconds: number; tenant_name: string }>`
    with inserted as (
      insert into usage_records (tenant_id, api_key_id, source_kind, source_id, mode, model, audio_seconds)
      select tenant_id, api_key_id, 'live', id, 'live', coalesce(model, 'default'), audio_seconds
        from live_sessions where id = ${sessionId} and status = 'ended'
      on conflict (source_kind, source_id) do nothing
      returning tenant_id, audio_seconds
    )
    select inserted.tenant_id, inserted.audio_seconds, tenants.name as tenant_name from inserted join tenants on tenants.id = inserted.tenant_id`.execute(db);
  const first = row.rows[0];
  return first ? { tenantId: first.tenant_id, tenantName: first.tenant_name, audioSeconds: Number(first.audio_seconds) } : null;
}

/**
 * Audio seconds a key has spent or committed since `since`: metered usage, plus the known durations of its jobs
 * still waiting or running, plus the audio its open live sessions have streamed so far.
 */
export async function keyAudioSecondsSince(db: Db, keyId: string, since: Date): Promise<number> {
  const result = await sql<{ used: number | string | null }>`
    select
      (select coalesce(sum(audio_seconds), 0) from usage_records where api_key_id = ${keyId} and recorded_at >= ${since})
      + (select coalesce(sum(audio_duration_seconds), 0) from jobs where api_key_id = ${keyId} and status in ('queued', 'processing'))
      + (select coalesce(sum(audio_seconds), 0) from live_sessions where api_key_id = ${keyId} and status <> 'ended')
      as used`.execute(db);
  return Number(result.rows[0]?.used ?? 0);
}

/** Usage between `from` (inclusive) and `to` (exclusive), per tenant and group, for one tenant or all. */
export async function usageReport(db: Db, query: { from: Date; to: Date; groupBy: UsageGrouping; tenantId?: string }): Promise<UsageRow[]> {
  const group =
    query.groupBy === 'day'
      ? sql<string>`to_char(usage_records.recorded_at at time zone 'UTC', 'YYYY-MM-DD')`
      : query.groupBy === 'model'
        ? sql<string>`usage_records.model`
        : query.groupBy === 'mode'
          ? sql<string>`usage_records.mode`
          : sql<string>`null`;
  let q = db
    .selectFrom('usage_records')
    .innerJoin('tenants', 'tenants.id', 'usage_records.tenant_id')
    .select([
      'usage_records.tenant_id as tenant_id',
      'tenants.name as tenant_name',
      group.as('grp'),
      (eb) => eb.fn.sum<string>('usage_records.audio_seconds').as('audio_seconds'),
      (eb) => eb.fn.countAll<string>().as('requests'),
    ])
    .where('usage_records.recorded_at', '>=', query.from)
    .where('usage_records.recorded_at', '<', query.to);
  if (query.tenantId) q = q.where('usage_records.tenant_id', '=', query.tenantId);
  const rows = await q.groupBy(['usage_records.tenant_id', 'tenants.name', sql`3`]).orderBy('tenants.name').orderBy(sql`3`).execute();
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    tenantName: r.tenant_name,
    group: r.grp,
    audioSeconds: Math.round(Number(r.audio_seconds) * 1000) / 1000,
    requests: Number(r.requests),
  }));
}
