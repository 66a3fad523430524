import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postJson, startStack, waitForJob } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

/** Deepgram faults injected at the emulator; retries are Temporal's (5 s default, 200 ms here), never the SDK's. */
describeWithStack('Deepgram faults', { media: true }, (t) => {
  let n = 0;
  /** A unique URL per test, so the emulator's request log can be read per job. */
  const uniqueAudio = () => t.media.put(`clip-${++n}.wav`, t.audio('testing-websocket.wav'));
  const requestsFor = (url: string) => t.parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === url);

  test('429 with Retry-After: the retry waits as long as Deepgram asked, then succeeds', async () => {
    const url = uniqueAudio();
    t.parts.emulator.injectFault({ status: 429, retryAfterSeconds: 2 });
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'completed');
    const calls = requestsFor(url);
    assert.deepEqual(calls.map((c) => c.status), [429, 200]);
    const gap = calls[1]!.startedAt - calls[0]!.startedAt;
    assert.ok(gap >= 1_900, `second attempt came ${gap} ms after the 429; Retry-After asked for 2 s`);
  });

  test('503 twice, then success on the third attempt', async () => {
    const url = uniqueAudio();
    t.parts.emulator.injectFault({ status: 503, times: 2 });
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(requestsFor(url).map((c) => c.status), [503, 503, 200]);
    const transcripts = await t.parts.db.selectFrom('transcripts').select('job_id').where('job_id', '=', res.body.id).execute();
    assert.equal(transcripts.length, 1);
  });

  test('a dropped connection is retried like any transient fault', async () => {
    const url = uniqueAudio();
    t.parts.emulator.injectFault({ drop: true });
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(requestsFor(url).length, 2);
  });

  test('503 on every attempt: the job fails after 3 attempts with deepgram_unavailable (502)', async () => {
    const url = uniqueAudio();
    t.parts.emulator.injectFault({ status: 503, times: 3 });
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 502);
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.error.code, 'deepgram_unavailable');
    assert.equal(res.body.error.status, 503);
    assert.equal(requestsFor(url).length, 3);
    const row = await t.parts.db.selectFrom('jobs').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'failed');
  });

  test('400 (corrupt audio) fails at once, keeping Deepgram’s error code; no retry', async () => {
    const url = t.media.put(`corrupt-${++n}.wav`, Buffer.from('this is not audio, just text pretending to be a wav file'.repeat(20)));
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(res.status, 422);
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.error.code, 'deepgram_rejected');
    assert.equal(res.body.error.status, 400);
    assert.equal(res.body.error.deepgramCode, 'Bad Request');
    assert.match(res.body.error.message, /corrupt or unsupported/);
    assert.equal(requestsFor(url).length, 1);
    const done = await waitForJob(t.stack, res.body.id);
    assert.equal(done.error.deepgramCode, 'Bad Request');
  });

  test('a wrong API key fails fast as an upstream error (502) with INVALID_AUTH kept', async () => {
    const badKey = await startStack(t.parts, { env: { DEEPGRAM_API_KEY: 'wrong-key' } });
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
    const impatient = await startStack(t.parts, { env: { SYNC_WAIT_MS: '1000' } });
    try {
      const url = uniqueAudio();
      t.parts.emulator.injectFault({ latencyMs: 3_000 });
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
