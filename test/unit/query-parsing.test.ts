import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CURSOR_PATTERN, decodeCursor, encodeCursor, parseLimit } from '../../src/http/cursor.js';
import { parseRfc3339 } from '../../src/http/validation/rfc3339.js';
import { AppError } from '../../src/domain/errors.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? `${err.status} ${err.code}` : String(err);
  }
};

test('cursors: `<ms>.<id>`, exactly the documented pattern; anything else is 400 invalid_cursor', () => {
  const at = new Date('2026-12-02T10:00:00.123Z');
  const cursor = encodeCursor(at, '0b6f3c1e-9d2a-4a57-8d0e-5b1e2f7c9a10');
  assert.equal(cursor, '1796205600123.0b6f3c1e-9d2a-4a57-8d0e-5b1e2f7c9a10');
  assert.match(cursor, new RegExp(CURSOR_PATTERN));
  assert.deepEqual(decodeCursor(cursor), { createdAt: at, id: '0b6f3c1e-9d2a-4a57-8d0e-5b1e2f7c9a10' });
  // Any string of the documented shape is a place in the order, so it gives a page.
  assert.deepEqual(decodeCursor('0.a'), { createdAt: new Date(0), id: 'a' });
  for (const bad of ['', 'garbage', '12.', '.abc', '12345678901234.a', '1.a.b', '1.a b', ' 1.a']) assert.equal(codeOf(() => decodeCursor(bad)), '400 invalid_cursor', bad);
});

test('limit: plain digits from 1 to 100, default 20', () => {
  assert.equal(parseLimit(undefined), 20);
  assert.equal(parseLimit('1'), 1);
  assert.equal(parseLimit('100'), 100);
  for (const bad of ['0', '101', '', ' 5', '5.0', '1e1', '0x10', '-1']) assert.equal(codeOf(() => parseLimit(bad)), '400 invalid_request', bad);
});

test('RFC 3339 dates and date-times, checked against the calendar', () => {
  assert.equal(parseRfc3339('2026-12-01')?.toISOString(), '2026-12-01T00:00:00.000Z');
  assert.equal(parseRfc3339('2024-02-29')?.toISOString(), '2024-02-29T00:00:00.000Z');
  assert.equal(parseRfc3339('2026-12-01T01:00:00.5+01:00')?.toISOString(), '2026-12-01T00:00:00.500Z');
  assert.equal(parseRfc3339('2026-12-01t10:00:00z')?.toISOString(), '2026-12-01T10:00:00.000Z');
  assert.equal(parseRfc3339('0001-01-01')?.toISOString(), '0001-01-01T00:00:00.000Z');
  for (const bad of ['2026-02-30', '2023-02-29', '2026-13-01', '2026-12-01 x', '2026-12-01T24:00:00Z', '2026-12-01T10:00Z', 'yesterday', '']) {
    assert.equal(parseRfc3339(bad), undefined, bad);
  }
});
