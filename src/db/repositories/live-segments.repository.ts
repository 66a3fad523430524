import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { LiveSegmentRow } from '../schema.js';
import type { LiveSegment } from '../../domain/live.js';

function rowToSegment(row: LiveSegmentRow): LiveSegment {
  return {
    seq: row.seq,
    channel: row.channel,
    start: row.start_seconds,
    end: row.end_seconds,
    transcript: row.transcript,
    confidence: row.confidence,
    speechFinal: row.speech_final,
    fromFinalize: row.from_finalize,
    words: row.words,
  };
}

/** Stores a batch of final results. Keyed by (session, seq), so a repeated batch is stored once. */
export async function insertLiveSegments(db: Db, sessionId: string, segments: LiveSegment[]): Promise<void> {
  if (segments.length === 0) return;
  await db
    .insertInto('live_segments')
    .values(
      segments.map((s) => ({
        session_id: sessionId,
        // The session's own tenant, read in the same statement.
        tenant_id: sql<string>`(select tenant_id from live_sessions where id = ${sessionId})`,
        seq: s.seq,
        channel: s.channel,
        start_seconds: s.start,
        end_seconds: s.end,
        transcript: s.transcript,
        confidence: s.confidence,
        speech_final: s.speechFinal,
        from_finalize: s.fromFinalize,
        words: JSON.stringify(s.words),
      })),
    )
    .onConflict((oc) => oc.columns(['session_id', 'seq']).doNothing())
    .execute();
}

export async function listLiveSegments(db: Db, sessionId: string): Promise<LiveSegment[]> {
  const rows = await db.selectFrom('live_segments').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
  return rows.map(rowToSegment);
}

/** Final results after `afterSeq`, in order (a stream job's progress events carry the new ones). */
export async function liveSegmentsAfter(db: Db, sessionId: string, afterSeq: number): Promise<LiveSegment[]> {
  const rows = await db.selectFrom('live_segments').selectAll().where('session_id', '=', sessionId).where('seq', '>', afterSeq).orderBy('seq').execute();
  return rows.map(rowToSegment);
}

/** The last stored final result: a resumed relay continues the numbering and the timeline after it. */
export async function lastLiveSegment(db: Db, sessionId: string): Promise<LiveSegment | undefined> {
  const row = await db.selectFrom('live_segments').selectAll().where('session_id', '=', sessionId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? rowToSegment(row) : undefined;
}
