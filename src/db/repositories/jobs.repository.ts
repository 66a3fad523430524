import { sql, type ExpressionBuilder, type UpdateObject } from 'kysely';
import type { Db } from '../database.js';
import type { Database, JobRow } from '../schema.js';
import type { AudioSource, DeepgramOptions, Job, JobError, JobRequestedMode, ResolvedMode } from '../../domain/transcription.js';

export function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    priority: row.priority,
    region: row.region,
    status: row.status,
    requestedMode: row.requested_mode,
    mode: row.mode,
    source: row.source,
    options: row.options,
    deepgramRequestId: row.deepgram_request_id,
    durationSeconds: row.audio_duration_seconds,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    webhookUrl: row.webhook_url,
    idempotencyKey: row.idempotency_key,
    deletedAt: row.deleted_at,
    chunks: row.chunks_total == null ? null : { total: row.chunks_total, completed: row.chunks_done ?? 0 },
  };
}

/** What a job asks Deepgram to transcribe, for activities that get the job id alone; undefined once the job is deleted. */
export async function findJobAudio(db: Db, id: string): Promise<{ source: AudioSource; options: DeepgramOptions } | undefined> {
  const row = await db.selectFrom('jobs').select(['source', 'options']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return row ? { source: row.source as AudioSource, options: row.options as DeepgramOptions } : undefined;
}

/** Statuses a worker may still move a job out of; canceled and deleted jobs are left alone. */
const LIVE_STATUSES = ['queued', 'processing'] as const;

/** The error code of a job whose submission never reached Temporal (the client was answered 503). */
export const NOT_STARTED = 'not_started';

/**
 * A job its workflow may move on: a live one, or one the API recorded as not started while the start was in fact
 * landing (it timed out on our side): the workflow running proves it started, so its steps revive the job.
 */
const movable = (eb: ExpressionBuilder<Database, 'jobs'>) =>
  eb.or([eb('status', 'in', LIVE_STATUSES), eb.and([eb('status', '=', 'failed'), eb(sql<string>`error->>'code'`, '=', NOT_STARTED)])]);

export interface NewJob {
  id: string;
  tenantId: string;
  apiKeyId?: string | null;
  priority?: number;
  region?: string | null;
  requestedMode: JobRequestedMode;
  /** The route, when the request decides it (an explicit mode, or a duration to route by); else the workflow records it. */
  mode?: ResolvedMode | null;
  source: AudioSource;
  options: DeepgramOptions;
  durationSeconds?: number;
  idempotencyKey?: string;
  requestFingerprint?: string;
  webhookUrl?: string;
  deepgramCallbackUrl?: string;
}

function newJobRow(job: NewJob) {
  return {
    id: job.id,
    tenant_id: job.tenantId,
    api_key_id: job.apiKeyId ?? null,
    priority: job.priority ?? 3,
    region: job.region ?? null,
    status: 'queued' as const,
    requested_mode: job.requestedMode,
    mode: job.mode ?? null,
    source: JSON.stringify(job.source),
    options: JSON.stringify(job.options),
    deepgram_request_id: null,
    audio_duration_seconds: job.durationSeconds ?? null,
    error: null,
    idempotency_key: job.idempotencyKey ?? null,
    request_fingerprint: job.requestFingerprint ?? null,
    webhook_url: job.webhookUrl ?? null,
    deepgram_callback_url: job.deepgramCallbackUrl ?? null,
  };
}

/**
 * Inserts a queued job; a second insert with the same id, or the same tenant's Idempotency-Key, is a no-op
 * (idempotent submit). Returns the job as stored, or undefined when it was not inserted.
 */
export async function insertJob(db: Db, job: NewJob): Promise<Job | undefined> {
  const row = await db.insertInto('jobs').values(newJobRow(job)).onConflict((oc) => oc.doNothing()).returningAll().executeTakeFirst();
  return row ? rowToJob(row) : undefined;
}

/** Many queued jobs in one statement (a batch): the ids inserted, with their creation times; one whose Idempotency-Key is taken is not. */
export async function insertJobs(db: Db, jobs: NewJob[]): Promise<Map<string, Date>> {
  if (jobs.length === 0) return new Map();
  const rows = await db.insertInto('jobs').values(jobs.map(newJobRow)).onConflict((oc) => oc.doNothing()).returning(['id', 'created_at']).execute();
  return new Map(rows.map((r) => [r.id, r.created_at]));
}

/** A tenant's jobs by Idempotency-Key (one query for a batch). */
export async function findJobsByIdempotencyKeys(db: Db, tenantId: string, keys: string[]): Promise<Map<string, Job & { requestFingerprint: string | null }>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('jobs').selectAll().where('tenant_id', '=', tenantId).where('idempotency_key', 'in', keys).execute();
  return new Map(rows.map((row) => [row.idempotency_key!, { ...rowToJob(row), requestFingerprint: row.request_fingerprint }]));
}

/** Jobs whose workflows Temporal did not take (the batch was answered 503): failed as not started, for a retry to revive. */
export async function markJobsNotStarted(db: Db, ids: string[], message: string): Promise<void> {
  if (ids.length === 0) return;
  const now = new Date();
  await db
    .updateTable('jobs')
    .set({ status: 'failed', error: JSON.stringify({ code: NOT_STARTED, message }), completed_at: now, updated_at: now })
    .where('id', 'in', ids)
    .where('status', '=', 'queued')
    .execute();
}

/** A job by id; with `tenantId`, only that tenant's (another tenant's job is as missing as an unknown one). */
export async function findJob(db: Db, id: string, tenantId?: string): Promise<Job | undefined> {
  let q = db.selectFrom('jobs').selectAll().where('id', '=', id);
  if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
  const row = await q.executeTakeFirst();
  return row ? rowToJob(row) : undefined;
}

/**
 * Records the route a job takes while it waits for Deepgram: the status stays `queued` until a Deepgram call
 * actually starts (markJobProcessing), so a job held back by the concurrency cap says so.
 */
export async function markJobRouted(db: Db, id: string, update: { mode: ResolvedMode; durationSeconds: number | null }): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      mode: update.mode,
      audio_duration_seconds: sql`coalesce(${update.durationSeconds}::double precision, audio_duration_seconds)`,
      // A job wrongly recorded as not started goes back to queued (a live job has neither error nor finish time).
      status: sql`case when status = 'failed' then 'queued' else status end`,
      error: null,
      completed_at: null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where(movable)
    .execute();
}

/** Jobs of the same tenant that are queued and would run before this one (higher priority, or older at the same). */
export async function queuePosition(db: Db, job: Pick<Job, 'id' | 'tenantId' | 'priority' | 'createdAt'>): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<string>().as('ahead'))
    .where('tenant_id', '=', job.tenantId)
    .where('status', '=', 'queued')
    .where('id', '!=', job.id)
    .where((eb) =>
      eb.or([
        eb('priority', '<', job.priority),
        eb.and([eb('priority', '=', job.priority), eb('created_at', '<=', job.createdAt)]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.ahead);
}

/** Moves a job to processing as its Deepgram call starts. Never moves a finished job backwards (retries repeat this). */
export async function markJobProcessing(db: Db, id: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'processing', error: null, completed_at: null, updated_at: new Date() })
    .where('id', '=', id)
    .where(movable)
    .execute();
}

/** What a Deepgram call needs of its job, read as the call takes it; `stored` when a transcript is already kept. */
export interface JobForDeepgram {
  /** Canceled before its workflow started (a batch whose dispatcher had not reached it yet): not to be transcribed. */
  canceled: boolean;
  source: AudioSource;
  options: DeepgramOptions;
  stored?: { deepgramRequestId: string; durationSeconds: number | null };
}

/**
 * One round trip as a Deepgram call starts: the job moves to processing (never backwards) and its source, options
 * and any transcript already stored are read. Undefined once the job is deleted.
 */
export async function takeJobForDeepgram(db: Db, id: string): Promise<JobForDeepgram | undefined> {
  const { rows } = await sql<{ status: string; source: AudioSource; options: DeepgramOptions; deepgram_request_id: string | null; duration: number | null }>`
    with taken as (
      update jobs set status = 'processing', error = null, completed_at = null, updated_at = now()
      where id = ${id} and (status in ('queued', 'processing') or (status = 'failed' and error->>'code' = ${NOT_STARTED}))
    )
    select j.status, j.source, j.options, t.deepgram_request_id, (t.result->'metadata'->>'duration')::double precision as duration
    from jobs j left join transcripts t on t.job_id = j.id
    where j.id = ${id} and j.deleted_at is null`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    canceled: row.status === 'canceled',
    source: row.source,
    options: row.options,
    ...(row.deepgram_request_id !== null ? { stored: { deepgramRequestId: row.deepgram_request_id, durationSeconds: row.duration === null ? null : Number(row.duration) } } : {}),
  };
}

/** The request id Deepgram gave a callback-mode submission: only a callback carrying it is taken. */
export async function recordDeepgramSubmission(db: Db, id: string, deepgramRequestId: string): Promise<void> {
  await db.updateTable('jobs').set({ deepgram_request_id: deepgramRequestId, updated_at: new Date() }).where('id', '=', id).where(movable).execute();
}

/** What a job's metrics need when it finishes, read while it is still running (undefined once it has finished). */
export interface FinishingJob {
  createdAt: Date;
  mode: ResolvedMode | null;
  model: unknown;
}

export async function runningJob(db: Db, id: string): Promise<FinishingJob | undefined> {
  const row = await db.selectFrom('jobs').select(['created_at', 'mode', 'options', 'status']).where('id', '=', id).executeTakeFirst();
  if (!row || !(LIVE_STATUSES as readonly string[]).includes(row.status)) return undefined;
  return { createdAt: row.created_at, mode: row.mode as ResolvedMode | null, model: (row.options as { model?: unknown } | null)?.model };
}

/**
 * Completes a job (repeatable). Returns the job as it was when this call is the one that finished it, so that what
 * is counted once per job (metrics) is counted once; undefined when it had finished already.
 */
export function markJobCompleted(db: Db, id: string, update: { deepgramRequestId: string; durationSeconds: number | null }): Promise<FinishingJob | undefined> {
  return finishJob(db, id, 'completed', {
    deepgram_request_id: update.deepgramRequestId,
    audio_duration_seconds: sql`coalesce(${update.durationSeconds}::double precision, audio_duration_seconds)`,
    error: null,
  });
}

/** Fails a job (repeatable); returns the job as it was when this call is the one that finished it (see markJobCompleted). */
export function markJobFailed(db: Db, id: string, error: JobError, mode: ResolvedMode | null): Promise<FinishingJob | undefined> {
  return finishJob(db, id, 'failed', {
    error: JSON.stringify(error),
    mode: sql`coalesce(${mode}::text, mode)`,
    deepgram_request_id: sql`coalesce(${error.deepgramRequestId ?? null}::text, deepgram_request_id)`,
  });
}

/**
 * A running job (or one already in `status`) takes its final status; the first finish time is kept. One statement:
 * the row as it was (locked) tells whether this call is the one that finished it.
 */
async function finishJob(db: Db, id: string, status: 'completed' | 'failed', fields: UpdateObject<Database, 'jobs'>): Promise<FinishingJob | undefined> {
  const now = new Date();
  const row = await db
    .updateTable('jobs')
    .from(db.selectFrom('jobs').select(['id as before_id', 'status as before_status', 'created_at as before_created_at', 'mode as before_mode', 'options as before_options']).where('id', '=', id).forUpdate().as('before'))
    .set({ ...fields, status, updated_at: now, completed_at: sql`case when jobs.error->>'code' = ${NOT_STARTED} then ${now} else coalesce(jobs.completed_at, ${now}) end` })
    .whereRef('jobs.id', '=', 'before.before_id')
    .where((eb) => eb.or([movable(eb), eb('jobs.status', '=', status)]))
    .returning(['before.before_status', 'before.before_created_at', 'before.before_mode', 'before.before_options'])
    .executeTakeFirst();
  if (!row || !(LIVE_STATUSES as readonly string[]).includes(row.before_status)) return undefined;
  return { createdAt: row.before_created_at, mode: row.before_mode as ResolvedMode | null, model: (row.before_options as { model?: unknown } | null)?.model };
}

/**
 * A job whose submission was answered 503 because Temporal could not take it goes back to `queued`, for the retry
 * (same Idempotency-Key) that starts it. Returns whether it was such a job.
 */
export async function requeueNotStartedJob(db: Db, id: string): Promise<boolean> {
  return (await requeueNotStartedJobs(db, [id])).length > 0;
}

/** requeueNotStartedJob for many at once (a retried batch): returns the ids revived. */
export async function requeueNotStartedJobs(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('jobs')
    .set({ status: 'queued', error: null, completed_at: null, updated_at: new Date() })
    .where('id', 'in', ids)
    .where('status', '=', 'failed')
    .where(sql<string>`error->>'code'`, '=', NOT_STARTED)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function findJobByIdempotencyKey(db: Db, tenantId: string, key: string): Promise<(Job & { requestFingerprint: string | null }) | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('tenant_id', '=', tenantId).where('idempotency_key', '=', key).executeTakeFirst();
  return row ? { ...rowToJob(row), requestFingerprint: row.request_fingerprint } : undefined;
}

export async function findDeepgramCallbackUrl(db: Db, id: string): Promise<string | null> {
  const row = await db.selectFrom('jobs').select('deepgram_callback_url').where('id', '=', id).executeTakeFirst();
  return row?.deepgram_callback_url ?? null;
}

/** A canceled job keeps its row; only a job that had not finished can be canceled. Returns whether it changed. */
export async function markJobCanceled(db: Db, id: string): Promise<boolean> {
  const now = new Date();
  const result = await db
    .updateTable('jobs')
    .set({ status: 'canceled', updated_at: now, completed_at: sql`coalesce(completed_at, ${now})` })
    .where('id', '=', id)
    .where('status', 'in', LIVE_STATUSES)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * What a tombstone keeps of a job's source: its kind, never the URL (possibly presigned) or the upload's fingerprint.
 */
function scrubbedSource(source: AudioSource): AudioSource {
  return source.kind === 'url' ? { kind: 'url', url: '' } : { ...source, sha256: '' };
}

/**
 * Deletes what a job holds (transcript, delivery log) and leaves a tombstone row with nothing of the request in it:
 * no source URL, no options, no webhook or callback URL. Ids, status and times stay (billing, idempotent replays).
 */
export async function tombstoneJob(db: Db, id: string): Promise<void> {
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('jobs').select('source').where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) return;
    await trx.deleteFrom('transcripts').where('job_id', '=', id).execute();
    await trx.deleteFrom('webhook_deliveries').where('job_id', '=', id).execute();
    await trx.deleteFrom('job_chunks').where('job_id', '=', id).execute();
    await trx
      .updateTable('jobs')
      .set({
        status: 'deleted',
        deleted_at: now,
        updated_at: now,
        source: JSON.stringify(scrubbedSource(row.source as AudioSource)),
        options: JSON.stringify({}),
        webhook_url: null,
        deepgram_callback_url: null,
      })
      .where('id', '=', id)
      .execute();
  });
}

export interface JobListQuery {
  tenantId: string;
  status?: Job['status'];
  mode?: 'sync' | 'async';
  limit: number;
  cursor?: { createdAt: Date; id: string };
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while jobs are added. */
export async function listJobs(db: Db, query: JobListQuery): Promise<Job[]> {
  let q = db.selectFrom('jobs').selectAll().where('tenant_id', '=', query.tenantId);
  q = query.status ? q.where('status', '=', query.status) : q.where('status', '!=', 'deleted');
  if (query.mode) q = q.where('mode', '=', query.mode);
  if (query.cursor) {
    const { createdAt, id } = query.cursor;
    q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(rowToJob);
}
