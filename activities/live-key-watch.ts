import type { Db } from '../src/db/database.js';
import { keyStanding } from '../src/db/repositories/api-keys.repository.js';
import { keyAudioSecondsSince } from '../src/db/repositories/usage.repository.js';
import { monthStart } from '../src/domain/tenancy.js';

/**
 * Watches a session's key while it streams: revoked, or its monthly budget used up (metered usage, jobs in flight
 * and open sessions, this one included), and the relay is told to end the session gracefully.
 */
export function watchKey(
  db: Db,
  keyId: string,
  watch: { intervalMs: number; unreportedSeconds: () => number },
  end: (outcome: 'key_revoked' | 'budget_exhausted') => void,
  warn: (err: unknown) => void,
): () => void {
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      const standing = await keyStanding(db, keyId);
      if (!standing || standing.revoked) return end('key_revoked');
      if (standing.monthlyAudioSeconds === null) return;
      const used = (await keyAudioSecondsSince(db, keyId, monthStart(new Date()))) + watch.unreportedSeconds();
      if (used >= standing.monthlyAudioSeconds) end('budget_exhausted');
    })()
      .catch(warn)
      .finally(() => (checking = false));
  }, watch.intervalMs);
  return () => clearInterval(timer);
}

