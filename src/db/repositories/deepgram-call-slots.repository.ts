import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { secondsInterval, type Db } from '../database.js';

/** Arbitrary but fixed: the advisory lock that serialises slot grants across every batch worker. */
const SLOTS_LOCK = 0x6467736c; // "dgsl"

/**
 * Takes one place under the global Deepgram concurrency cap for `holder`, if fewer than `limit` live leases exist.
 * Counted and inserted under one advisory lock, so two workers never both take the last place. Lapsed leases (their
 * worker died without releasing them) are swept first. One round trip: the steps run in a database function
 * (migration 2026_12_03_100000). Returns the lease id, or null when every place is taken.
 */
export async function tryAcquireCallSlot(db: Db, request: { holder: string; limit: number; leaseMs: number }): Promise<string | null> {
  const id = randomUUID();
  const { rows } = await sql<{ granted: boolean }>`
    select acquire_deepgram_call_slot(${id}, ${request.holder}, ${request.limit}::integer, ${request.leaseMs / 1000}::double precision, ${SLOTS_LOCK}::bigint) as granted`.execute(db);
  return rows[0]?.granted ? id : null;
}

export async function releaseCallSlot(db: Db, id: string): Promise<void> {
  await db.deleteFrom('deepgram_call_slots').where('id', '=', id).execute();
}

/** Extends these leases: their worker is alive, and so are the calls (or polls) they stand for. */
export async function renewCallSlots(db: Db, ids: string[], leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('deepgram_call_slots')
    .set({ expires_at: sql<Date>`now() + ${secondsInterval(leaseMs / 1000)}` })
    .where('id', 'in', ids)
    .execute();
}

/** Gives back every place `holder` still has (a worker that stopped). */
export async function releaseAllCallSlots(db: Db, holder: string): Promise<void> {
  await db.deleteFrom('deepgram_call_slots').where('holder', '=', holder).execute();
}
