import { AppError } from '../domain/errors.js';

/**
 * Page cursors: `<created_at in Unix milliseconds>.<id>` of the last item on the previous page, e.g.
 * `1764633600000.0b6f3c1e-9d2a-4a57-8d0e-5b1e2f7c9a10`. The shape is exact and documented (CURSOR_PATTERN): every string
 * of that shape names a place in the newest-first order, so any such cursor gives a page, and anything else is
 * `400 invalid_cursor`.
 */
export const CURSOR_PATTERN = '^[0-9]{1,13}\\.[A-Za-z0-9_-]{1,128}$';
const CURSOR = new RegExp(CURSOR_PATTERN);

export function encodeCursor(createdAt: Date, id: string): string {
  return `${createdAt.getTime()}.${id}`;
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  if (!CURSOR.test(cursor)) throw new AppError(400, 'invalid_cursor', 'Query "cursor" must be a next_cursor this API handed out (<milliseconds>.<id>)');
  const dot = cursor.indexOf('.');
  return { createdAt: new Date(Number(cursor.slice(0, dot))), id: cursor.slice(dot + 1) };
}

/** `?limit=`: a whole number from 1 to 100 written in plain digits (default 20). */
export function parseLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  const n = /^[0-9]{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 100)) throw new AppError(400, 'invalid_request', 'Query "limit" must be an integer from 1 to 100');
  return n;
}
