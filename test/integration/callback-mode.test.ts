import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, postJson, waitForJob } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

/** With PUBLIC_BASE_URL set, async jobs use Deepgram's callback mode and our callback route wakes the workflow. */
describeWithStack(
  'async jobs through Deepgram callbacks',
  {
    emulator: { callbackRetryDelayMs: 200 },
    media: true,
    transcripts: { 'testing-websocket.wav': 'Testing, testing, one two three.' },
    stack: {
      env: async () => {
        const port = await freePort();
        return { PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, CALLBACK_SECRET: 'test-callback-secret-0123456789abcdef', CALLBACK_TIMEOUT_MS: '3000' };
      },
    },
  },
  (t) => {
  let n = 0;
  const uniqueAudio = () => t.media.put(`cb-${++n}.wav`, t.audio('testing-websocket.wav'));

  test('the result arrives by callback, is stored once, and completes the job', async () => {
    const url = uniqueAudio();
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async', options: { punctuate: true } });
    assert.equal(res.status, 202);
    const done = await waitForJob(t.stack, res.body.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.transcript, 'Testing, testing, one two three.');

    const listen = t.parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === url);
    assert.equal(listen.length, 1, 'one Deepgram submission');
    assert.match(String(listen[0]!.query.callback), new RegExp(`^${t.stack.config.http.publicBaseUrl}/v1/callbacks/deepgram/${res.body.id}\\?token=`));
    const callbacks = t.parts.emulator.requests().filter((r) => r.kind === 'callback' && r.id === listen[0]!.id);
    assert.equal(callbacks.length, 1);
    assert.equal(callbacks[0]!.status, 200);
    assert.equal(done.deepgram_request_id, listen[0]!.id);
  });

  test('a repeated callback (Deepgram retries) changes nothing', async () => {
    const url = uniqueAudio();
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    const done = await waitForJob(t.stack, res.body.id);
    const listen = t.parts.emulator.requests().find((r) => r.kind === 'rest' && r.sourceUrl === url)!;
    const replay = await fetch(String(listen.query.callback), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { request_id: 'someone-else' }, results: { channels: [{ alternatives: [{ transcript: 'tampered' }] }] } }),
    });
    assert.equal(replay.status, 200);
    const after = await waitForJob(t.stack, res.body.id);
    assert.equal(after.transcript, done.transcript);
    const rows = await t.parts.db.selectFrom('transcripts').select('job_id').where('job_id', '=', res.body.id).execute();
    assert.equal(rows.length, 1);
  });

  test('a failure reported by callback fails the job with Deepgram’s error', async () => {
    const url = t.media.put(`cb-corrupt-${++n}.wav`, Buffer.from('definitely not audio '.repeat(40)));
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    const done = await waitForJob(t.stack, res.body.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.error.code, 'deepgram_rejected');
    assert.match(done.error.message, /corrupt or unsupported/);
  });

  test('a callback that never comes: after CALLBACK_TIMEOUT_MS the job is transcribed directly', async () => {
    const url = uniqueAudio();
    t.parts.emulator.injectFault({ target: 'callback', drop: true });
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    const done = await waitForJob(t.stack, res.body.id, 20_000);
    assert.equal(done.status, 'completed');
    const listen = t.parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === url);
    assert.equal(listen.length, 2, 'callback submission, then a direct call');
    assert.ok(listen[0]!.query.callback);
    assert.equal(listen[1]!.query.callback, undefined);
  });
});
