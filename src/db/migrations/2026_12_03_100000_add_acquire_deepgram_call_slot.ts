import { sql, type Kysely } from 'kysely';

/**
 * Granting a place under the global Deepgram concurrency cap in one round trip instead of six (begin, lock, sweep,
 * count, insert, commit): the same steps under the same advisory lock, inside one function call. The lock is held
 * for the statement only, so grants stay serialised across every batch worker.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function acquire_deepgram_call_slot(p_id text, p_holder text, p_limit integer, p_lease_seconds double precision, p_lock bigint)
    returns boolean language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(p_lock);
      delete from deepgram_call_slots where expires_at < now();
      if (select count(*) from deepgram_call_slots) >= p_limit then
        return false;
      end if;
      insert into deepgram_call_slots (id, holder, expires_at) values (p_id, p_holder, now() + make_interval(secs => p_lease_seconds));
      return true;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists acquire_deepgram_call_slot(text, text, integer, double precision, bigint)`.execute(db);
}
