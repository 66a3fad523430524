import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { insertLiveSession } from '../../src/db/repositories/live-sessions.repository.js';
import { SegmentWriter } from '../../src/live-relay/segment-writer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database.drop());

const segment = (seq: number) => ({ seq, channel: 0, start: seq, end: seq + 1, transcript: `word ${seq}`, confidence: 0.9, speechFinal: true, fromFinalize: false, words: [] });

/**
 * The live relay's writer against real PostgreSQL: a round writes exactly what it took at its start. A Deepgram
 * request id seen while a round is writing (a failover's new socket) is written by the next round, not lost; the
 * recording's flush runs before that round's finals are stored.
 */
test('request ids that arrive while a round writes are written by the next round; the recording flush comes before the finals', async () => {
  const sessionId = randomUUID();
  await insertLiveSession(database.db, { id: sessionId, options: {}, tenantId: 'default', apiKeyId: null, region: null });
  const requestIds = ['first-socket'];
  const storedSegments = async () => (await database.db.selectFrom('live_segments').select('seq').where('session_id', '=', sessionId).execute()).length;
  const flushes: number[] = [];
  const writer = new SegmentWriter({
    db: database.db,
    sessionId,
    intervalMs: 60_000,
    totals: () => ({ audioSeconds: 2, upstreamReconnects: 0, committedSeconds: 1, requestIds }),
    onError: (err) => assert.fail(String(err)),
    beforeWrite: async () => {
      flushes.push(await storedSegments());
      // The relay hears its new socket's first message while this round is writing.
      requestIds.push('second-socket');
    },
  });
  writer.add(segment(0));
  await writer.flush();
  assert.deepEqual(flushes, [0], 'the recording flushed before the finals were stored');
  const afterFirst = await database.db.selectFrom('live_sessions').select('deepgram_request_ids').where('id', '=', sessionId).executeTakeFirstOrThrow();
  assert.deepEqual(afterFirst.deepgram_request_ids, ['first-socket'], 'the round wrote what it took at its start');
  await writer.stop();
  const final = await database.db.selectFrom('live_sessions').select('deepgram_request_ids').where('id', '=', sessionId).executeTakeFirstOrThrow();
  assert.deepEqual(final.deepgram_request_ids, ['first-socket', 'second-socket'], 'the id seen meanwhile is written by the next round');
  assert.equal(await storedSegments(), 1);
});
