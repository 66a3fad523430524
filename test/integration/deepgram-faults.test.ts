import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startMediaServer, type MediaServer } from '../helpers/media-server.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startSharedParts } from '../helpers/shared-parts.js';
import { postJson, startStack, waitForJob, type SharedParts, type Stack } from '../helpers/stack.js';

/** Deepgram faults injected at the emulator; retries are Temporal's (5 s default, 200 ms here), never the SDK's. */
describe('Deepgram faults', () => {
  let shared: Awaited<ReturnType<typeof startSharedParts>>;
  let parts: SharedParts;
  let stack: Stack;
  let media: MediaServer;
  let audio: Buffer;
  let n = 0;
  /** A unique URL per test, so the emulator's request log can be read per job. */
  const uniqueAudio = () => media.put(`clip-${++n}.wav`, audio);
  const requestsFor = (url: string) => parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === url);

  before(async () => {
    shared = await startSharedParts();
    parts = shared.parts;
    media = await startMediaServer(AUDIO_DIR);
    audio = await readFile(path.join(AUDIO_DIR, 'testing-websocket.wav'));
    stack = await startStack(parts);
  });
  after(async () => {
    await stack?.stop();
    await media?.close();
    await shared?.stop();
  });

  test('429 with Retry-After: the retry waits as long as Deepgram asked, then succeeds', async () => {
    const url = uniqueAudio();
    parts.emulator.injectFault({ status: 429, retryAfterSeconds: 2 });
    const res = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'completed');
    const calls = requestsFor(url);
    assert.deepEqual(calls.map((c) => c.status), [429, 200]);
    const gap = calls[1]!.startedAt - calls[0]!.startedAt;
    assert.ok(gap >= 1_900, `second attempt came ${gap} ms after the 429; Retry-After asked for 2 s`);
  });

  test('503 twice, then success on the third attempt', async () => {
    const url = uniqueAudio();
    parts.emulator.injectFault({ status: 503, times: 2 });
    const res = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(requestsFor(url).map((c) => c.status), [503, 503, 200]);
    const transcripts = await parts.db.selectFrom('transcripts').select('job_id').where('job_id', '=', res.body.id).execute();
    assert.equal(transcripts.length, 1);
  });

  test('a dropped connection is retried like any transient fault', async () => {
    const url = uniqueAudio();
    parts.emulator.injectFault({ drop: true });
    const res = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(requestsFor(url).length, 2);
  });

  test('503 on every attempt: the job fails after 3 attempts with deepgram_unavailable (502)', async () => {
    const url = uniqueAudio();
    parts.emulator.injectFault({ status: 503, times: 3 });
    const res = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 502);
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.error.code, 'deepgram_unavailable');
    assert.equal(res.body.error.status, 503);
    assert.equal(requestsFor(url).length, 3);
    const row = await parts.db.selectFrom('jobs').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'failed');
  });

  test('400 (corrupt audio) fails at once, keeping Deepgram’s error code; no retry', async () => {
    const url = media.put(`corrupt-${++n}.wav`, Buffer.from('this is not audio, just text pretending to be a wav file'.repeat(20)));
    const res = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 422);
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.error.code, 'deepgram_rejected');
    assert.equal(res.body.error.status, 400);
    assert.equal(res.body.error.deepgramCode, 'Bad Request');
    assert.match(res.body.error.message, /corrupt or unsupported/);
    assert.equal(requestsFor(url).length, 1);
    const done = await waitForJob(stack, res.body.id);
    assert.equal(done.error.deepgramCode, 'Bad Request');
  });

  test('a wrong API key fails fast as an upstream error (502) with INVALID_AUTH kept', async () => {
    const badKey = await startStack(parts, { env: { DEEPGRAM_API_KEY: 'wrong-key' } });
    try {
      const url = uniqueAudio();
      const res = await postJson(badKey.url('/v1/transcriptions'), { url, mode: 'sync' });
      assert.equal(res.status, 502);
      assert.equal(res.body.error.code, 'deepgram_rejected');
      assert.equal(res.body.error.deepgramCode, 'INVALID_AUTH');
      assert.equal(requestsFor(url).length, 1);
    } finally {
      await badKey.stop();
    }
  });

  test('a sync job that outlives SYNC_WAIT_MS answers 202 and still completes', async () => {
    const impatient = await startStack(parts, { env: { SYNC_WAIT_MS: '1000' } });
    try {
      const url = uniqueAudio();
      parts.emulator.injectFault({ latencyMs: 3_000 });
      const started = Date.now();
      const res = await postJson(impatient.url('/v1/transcriptions'), { url, mode: 'sync' });
      assert.equal(res.status, 202);
      assert.ok(Date.now() - started < 2_500, 'answered near the sync budget, not after Deepgram');
      assert.equal(res.headers.get('location'), `/v1/transcriptions/${res.body.id}`);
      const done = await waitForJob(impatient, res.body.id);
      assert.equal(done.status, 'completed');
    } finally {
      await impatient.stop();
    }
  });
});
