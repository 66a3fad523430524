import { sql } from 'kysely';
import { secondsInterval, withAdvisoryLock, type Db } from '../database.js';
import type { LiveSessionRow } from '../schema.js';
import type { DeepgramOptions } from '../../domain/transcription.js';
import type { LiveCloseReason, LiveOptions, LiveSession, LiveSessionStatus } from '../../domain/live.js';

export function rowToLiveSession(row: LiveSessionRow): LiveSession {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    apiKeyId: row.api_key_id,
    region: row.region,
    status: row.status,
    model: row.model,
    options: row.options,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    audioSeconds: row.audio_seconds,
    committedSeconds: row.committed_seconds,
    closeReason: row.close_reason,
    closeMessage: row.close_message,
    reconnectCount: row.reconnect_count,
    resumeCount: row.resume_count,
    deepgramRequestIds: row.deepgram_request_ids,
    deletedAt: row.deleted_at ?? null,
    record: row.record,
    recording: { bytes: Number(row.recording_bytes), format: row.recording_format, blobId: row.recording_blob_id },
    repassOptions: row.repass_options,
    repassJobId: row.repass_job_id,
  };
}

export interface NewLiveSession {
  id: string;
  options: LiveOptions;
  tenantId: string;
  apiKeyId: string | null;
  region: string | null;
  record?: boolean;
  repassOptions?: DeepgramOptions | null;
}

/** Creates the session row; repeating it (a retried start) changes nothing. */
export async function insertLiveSession(db: Db, session: NewLiveSession): Promise<void> {
  const model = session.options.model;
  await db
    .insertInto('live_sessions')
    .values({
      id: session.id,
      tenant_id: session.tenantId,
      api_key_id: session.apiKeyId,
      region: session.region,
      status: 'active',
      model: typeof model === 'string' ? model : null,
      options: JSON.stringify(session.options),
      record: session.record ?? false,
      repass_options: session.repassOptions ? JSON.stringify(session.repassOptions) : null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export type LiveAdmission = { admitted: true } | { admitted: false; open: number; scope: 'global' | 'key' } | { admitted: false; scope: 'id_taken' };

/** Arbitrary but fixed: the advisory lock that serialises admissions across every streaming worker. */
const ADMISSION_LOCK = 0x6c697665; // "live"

/**
 * Creates the session row only while fewer than `maxOpen` sessions are open across all workers, counted and
 * inserted under one advisory lock so two workers can never both take the last place. Rows older than
 * `staleAfterSeconds` are not counted: no session lives that long, so such a row was orphaned (its process died
 * between this insert and starting the session's workflow). Admitting an id that already exists changes nothing.
 */
export async function admitLiveSession(
  db: Db,
  session: NewLiveSession,
  limits: { maxOpen: number; maxOpenForKey: number | null; staleAfterSeconds: number },
): Promise<LiveAdmission> {
  return withAdvisoryLock(db, ADMISSION_LOCK, async (tx) => {
    const existing = await tx.selectFrom('live_sessions').select(['id', 'tenant_id']).where('id', '=', session.id).executeTakeFirst();
    // Its own retry is admitted again; a client-chosen id (create_session) that another tenant's session holds is not.
    if (existing) return existing.tenant_id === session.tenantId ? ({ admitted: true } as const) : ({ admitted: false, scope: 'id_taken' } as const);
    const { open, openForKey } = await tx
      .selectFrom('live_sessions')
      .select((eb) => [
        eb.fn.countAll<string>().as('open'),
        eb.fn.count<string>(eb.case().when('api_key_id', '=', session.apiKeyId ?? '').then(1).end()).as('openForKey'),
      ])
      .where('status', '<>', 'ended')
      .where('started_at', '>', sql<Date>`now() - ${secondsInterval(limits.staleAfterSeconds)}`)
      .executeTakeFirstOrThrow();
    if (limits.maxOpenForKey !== null && session.apiKeyId !== null && Number(openForKey) >= limits.maxOpenForKey) {
      return { admitted: false, open: Number(openForKey), scope: 'key' } as const;
    }
    if (Number(open) >= limits.maxOpen) return { admitted: false, open: Number(open), scope: 'global' } as const;
    await insertLiveSession(tx, session);
    return { admitted: true } as const;
  });
}

/** A session by id; with `tenantId`, only that tenant's (another tenant's is as missing as an unknown one). */
export async function findLiveSession(db: Db, id: string, tenantId?: string): Promise<LiveSession | undefined> {
  let q = db.selectFrom('live_sessions').selectAll().where('id', '=', id);
  if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
  const row = await q.executeTakeFirst();
  return row ? rowToLiveSession(row) : undefined;
}

export interface LiveSessionPage {
  sessions: LiveSession[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  next: { startedAt: Date; id: string } | null;
}

/** Newest first, keyset-paginated on (started_at, id). */
export async function listLiveSessions(
  db: Db,
  query: { tenantId: string; limit: number; status?: LiveSessionStatus | 'deleted'; before?: { startedAt: Date; id: string } },
): Promise<LiveSessionPage> {
  let q = db.selectFrom('live_sessions').selectAll().where('tenant_id', '=', query.tenantId);
  // Deleted sessions only when asked for; they keep status 'ended' underneath.
  if (query.status === 'deleted') q = q.where('deleted_at', 'is not', null);
  else {
    q = q.where('deleted_at', 'is', null);
    if (query.status) q = q.where('status', '=', query.status);
  }
  if (query.before) {
    const { startedAt, id } = query.before;
    q = q.where((eb) => eb.or([eb('started_at', '<', startedAt), eb.and([eb('started_at', '=', startedAt), eb('id', '<', id)])]));
  }
  const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  const sessions = rows.slice(0, query.limit).map(rowToLiveSession);
  const last = sessions.at(-1);
  return { sessions, next: rows.length > query.limit && last ? { startedAt: last.startedAt, id: last.id } : null };
}

/**
 * Adds a relay's progress since its previous report. Deltas, not totals, so reports from a relay that later
 * died still count, and a resumed session keeps adding to the same row.
 */
export async function recordLiveProgress(
  db: Db,
  id: string,
  progress: { audioSecondsDelta: number; reconnectsDelta: number; committedSeconds: number; newRequestIds: string[] },
): Promise<void> {
  await db
    .updateTable('live_sessions')
    .set({
      audio_seconds: sql`audio_seconds + ${progress.audioSecondsDelta}::double precision`,
      reconnect_count: sql`reconnect_count + ${progress.reconnectsDelta}::integer`,
      committed_seconds: sql`greatest(committed_seconds, ${progress.committedSeconds}::double precision)`,
      deepgram_request_ids: sql`deepgram_request_ids || ${JSON.stringify(progress.newRequestIds)}::jsonb`,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Deletes an ended session's final results and recording and leaves a tombstone (ids, times, audio seconds for
 * billing), its options scrubbed. Returns the recording's blobs for the caller to delete (a blob left behind is no
 * longer referenced, so the orphan sweep removes it), or false when the session is still active (nothing deleted).
 * Idempotent.
 */
export async function tombstoneLiveSession(db: Db, id: string): Promise<false | { blobIds: string[] }> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('live_sessions').select(['status', 'recording_blob_id']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row || row.status !== 'ended') return false;
    await tx.deleteFrom('live_segments').where('session_id', '=', id).execute();
    const parts = await tx.deleteFrom('live_recording_parts').where('session_id', '=', id).returning('blob_id').execute();
    const now = new Date();
    await tx
      .updateTable('live_sessions')
      .set({
        deleted_at: sql`coalesce(deleted_at, ${now})`,
        updated_at: now,
        options: JSON.stringify({}),
        close_message: null,
        recording_blob_id: null,
        recording_bytes: 0,
        repass_options: null,
      })
      .where('id', '=', id)
      .execute();
    return { blobIds: [...(row.recording_blob_id ? [row.recording_blob_id] : []), ...parts.map((p) => p.blob_id)] };
  });
}

export async function recordLiveResume(db: Db, id: string): Promise<void> {
  await db
    .updateTable('live_sessions')
    .set({ resume_count: sql`resume_count + 1`, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** Ends the session; the first recorded reason wins (a replayed workflow task may repeat this). True if this call ended it. */
export async function markLiveSessionEnded(db: Db, id: string, end: { reason: LiveCloseReason; message?: string }): Promise<boolean> {
  const now = new Date();
  const result = await db
    .updateTable('live_sessions')
    .set({ status: 'ended', ended_at: now, updated_at: now, close_reason: end.reason, close_message: end.message ?? null })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
