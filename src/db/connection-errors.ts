const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
// SQLSTATE: class 08 connection exceptions; the server shutting down or starting up; out of connections.
// 57014: statement_timeout cancelled the query (the database is too slow to answer in time).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
const LOST_CONNECTION = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|Query read timeout/i;

/**
 * Whether an error means PostgreSQL could not be reached (down, restarting, partitioned, out of connections), as
 * opposed to a fault in the query or the data: the first is answered 503 and retried, the second is a bug.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
  }
  return false;
}

// SQLSTATE 22021 (character_not_in_repertoire) and 22P05 (untranslatable_character): PostgreSQL text and jsonb
// cannot hold U+0000.
const UNSTORABLE_TEXT_SQLSTATES = new Set(['22021', '22P05']);

/** Whether PostgreSQL refused a value for a character it cannot store (a NUL): the client's input, not our fault. */
export function isUnstorableText(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string' && UNSTORABLE_TEXT_SQLSTATES.has(code)) return true;
  }
  return false;
}
