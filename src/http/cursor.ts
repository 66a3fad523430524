import { AppError } from '../domain/errors.js';

/** Opaque page cursors: the (created_at, id) of the last job on the previous page. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  const id = rest.join('|');
  if (Number.isNaN(createdAt.getTime()) || !id) throw new AppError(400, 'invalid_cursor', 'Query "cursor" is not a cursor this API handed out');
  return { createdAt, id };
}
