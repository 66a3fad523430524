import { outboundHttpFor } from '../../src/adapters/outbound/index.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index.js';
import { createAudioSplitter } from '../../src/adapters/audio-splitter/audio-splitter.js';
import { createBlobStore } from '../../src/adapters/blob-store/index.js';
import { createDeepgramTranscriber } from '../../src/adapters/deepgram/transcriber.js';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { insertJob } from '../../src/db/repositories/jobs.repository.js';
import { saveTranscript } from '../../src/db/repositories/transcripts.repository.js';
import { storeTranscriptAndCompleteJob } from '../../src/db/repositories/job-completion.repository.js';
import type { TranscriptSummary } from '../../src/domain/transcription.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startMediaServer, type MediaServer } from '../helpers/media-server.js';
import { AUDIO_DIR } from '../helpers/paths.js';

/** Activities run again after crashes and timeouts; storage must not double up, Deepgram must not be billed twice. */
describe('idempotent saves under activity retry', () => {
  let database: TestDatabase;
  let emulator: DeepgramEmulator;
  let media: MediaServer;
  let activities: ReturnType<typeof createActivities>;

  before(async () => {
    database = await createTestDatabase();
    emulator = await startDeepgramEmulator({ apiKey: 'k' });
    media = await startMediaServer(AUDIO_DIR);
    emulator.registerTranscript(await readFile(path.join(AUDIO_DIR, 'testing-websocket.wav')), 'testing testing');
    activities = createActivities({
      db: database.db,
      transcriber: createDeepgramTranscriber({ apiUrl: emulator.url, apiKey: 'k', timeoutSeconds: 30 }),
      callbacks: {},
      blobs: createBlobStore(database.db, { store: 'postgres', dir: '' }),
      outbound: outboundHttpFor({ allowPrivate: true }),
      webhooks: { timeoutMs: 1000 },
      splitter: createAudioSplitter(),
      maxSourceBytes: 1 << 30,
    });
  });
  after(async () => {
    await media?.close();
    await emulator?.close();
    await database?.drop();
  });

  test('a retried transcribeAudio returns the stored result without calling Deepgram again', async () => {
    const source = { kind: 'url' as const, url: media.file('testing-websocket.wav') };
    await insertJob(database.db, { id: 'job-retry', tenantId: 'default', requestedMode: 'sync', source, options: {} });
    const request = { jobId: 'job-retry', source, options: {} };

    const first = (await new MockActivityEnvironment({ attempt: 1 }).run(activities.transcribeAudio, request)) as TranscriptSummary;
    const second = await new MockActivityEnvironment({ attempt: 2 }).run(activities.transcribeAudio, request);

    assert.deepEqual(second, first);
    assert.equal(JSON.stringify(first).includes('testing'), false, 'the transcript stays out of the activity result (Temporal history)');
    const rows = await database.db.selectFrom('transcripts').selectAll().where('job_id', '=', 'job-retry').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.text, 'testing testing');
    assert.equal(emulator.requests().filter((r) => r.kind === 'rest').length, 1, 'Deepgram was called once');
  });

  test('two concurrent saves for one job keep one row, the first', async () => {
    const source = { kind: 'url' as const, url: 'https://example.com/a.wav' };
    await insertJob(database.db, { id: 'job-race', tenantId: 'default', requestedMode: 'async', source, options: {} });
    const results = await Promise.all([
      saveTranscript(database.db, { jobId: 'job-race', deepgramRequestId: 'a', text: 'first', result: {} }),
      saveTranscript(database.db, { jobId: 'job-race', deepgramRequestId: 'b', text: 'second', result: {} }),
    ]);
    assert.deepEqual(results.sort(), [false, true]);
    const rows = await database.db.selectFrom('transcripts').selectAll().where('job_id', '=', 'job-race').execute();
    assert.equal(rows.length, 1);
  });

  test('job bookkeeping is repeatable and never moves a finished job backwards', async () => {
    const source = { kind: 'url' as const, url: 'https://example.com/b.wav' };
    await insertJob(database.db, { id: 'job-marks', tenantId: 'default', requestedMode: 'auto', source, options: {} });
    await insertJob(database.db, { id: 'job-marks', tenantId: 'default', requestedMode: 'sync', source, options: {} });
    const env = new MockActivityEnvironment();
    const summary = { deepgramRequestId: 'req-1', durationSeconds: 3.5, transcript: 'x' };
    await env.run(activities.markJobCompleted, 'job-marks', summary);
    await env.run(activities.markJobCompleted, 'job-marks', summary);
    await env.run(activities.markJobRouted, 'job-marks', 'sync' as const, null);
    await env.run(activities.markJobFailed, 'job-marks', { code: 'x', message: 'late failure' }, 'sync' as const);
    const row = await database.db.selectFrom('jobs').selectAll().where('id', '=', 'job-marks').executeTakeFirstOrThrow();
    assert.equal(row.status, 'completed');
    assert.equal(row.requested_mode, 'auto', 'the second insert was a no-op');
    assert.equal(row.audio_duration_seconds, 3.5);
    assert.equal(row.error, null);
  });

  test('storing, completing and metering in one statement: once, however often it runs; nothing for a canceled job', async () => {
    const source = { kind: 'url' as const, url: 'https://example.com/c.wav' };
    await insertJob(database.db, { id: 'job-once', tenantId: 'default', requestedMode: 'async', source, options: { model: 'nova-3' } });
    const transcript = { jobId: 'job-once', deepgramRequestId: 'req-once', text: 'hello', result: { metadata: { request_id: 'req-once' } }, durationSeconds: 4.5 };
    const [first, second] = await Promise.all([storeTranscriptAndCompleteJob(database.db, transcript), storeTranscriptAndCompleteJob(database.db, { ...transcript, text: 'other' })]);
    const finishers = [first, second].filter((c) => c.finishing);
    assert.equal(finishers.length, 1, 'one call finished the job (counted once)');
    assert.deepEqual([first, second].flatMap((c) => (c.metered ? [c.metered] : [])), [{ tenantId: 'default', tenantName: 'default', audioSeconds: 4.5 }], 'metered once');
    assert.deepEqual(await storeTranscriptAndCompleteJob(database.db, transcript), {}, 'a third run changes nothing');
    const job = await database.db.selectFrom('jobs').selectAll().where('id', '=', 'job-once').executeTakeFirstOrThrow();
    assert.equal(job.status, 'completed');
    assert.equal(job.audio_duration_seconds, 4.5);
    assert.equal(job.deepgram_request_id, 'req-once');
    const stored = await database.db.selectFrom('transcripts').selectAll().where('job_id', '=', 'job-once').execute();
    assert.equal(stored.length, 1);
    const usage = await database.db.selectFrom('usage_records').selectAll().where('source_id', '=', 'job-once').execute();
    assert.equal(usage.length, 1);
    assert.equal(usage[0]!.model, 'nova-3');

    await insertJob(database.db, { id: 'job-canceled', tenantId: 'default', requestedMode: 'async', source, options: {} });
    await database.db.updateTable('jobs').set({ status: 'canceled' }).where('id', '=', 'job-canceled').execute();
    assert.deepEqual(await storeTranscriptAndCompleteJob(database.db, { ...transcript, jobId: 'job-canceled' }), {});
    const canceled = await database.db.selectFrom('jobs').select('status').where('id', '=', 'job-canceled').executeTakeFirstOrThrow();
    assert.equal(canceled.status, 'canceled', 'a canceled job stays canceled');
    assert.equal((await database.db.selectFrom('transcripts').selectAll().where('job_id', '=', 'job-canceled').execute()).length, 0);
    assert.equal((await database.db.selectFrom('usage_records').selectAll().where('source_id', '=', 'job-canceled').execute()).length, 0);
  });
});
