import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, postJson, waitForJob } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually } from '../helpers/live.js';

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

  test('a repeated callback (Deepgram retries) changes nothing; one naming another request is refused', async () => {
    const url = uniqueAudio();
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    const done = await waitForJob(t.stack, res.body.id);
    const listen = t.parts.emulator.requests().find((r) => r.kind === 'rest' && r.sourceUrl === url)!;
    const post = (requestId: string) =>
      fetch(String(listen.query.callback), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metadata: { request_id: requestId }, results: { channels: [{ alternatives: [{ transcript: 'tampered' }] }] } }),
      });
    assert.equal((await post(listen.id)).status, 200, 'a retry of the real callback is fine');
    const stranger = await post('someone-else');
    assert.equal(stranger.status, 409);
    assert.equal(((await stranger.json()) as any).error.code, 'callback_mismatch');
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

  test('a callback larger than the API’s JSON limit (a long file’s answer) is taken, and Deepgram is asked once', async () => {
    const url = uniqueAudio();
    t.parts.emulator.injectFault({ target: 'callback', drop: true }); // we play Deepgram's callback ourselves
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    const submitted = await eventually(async () => t.parts.emulator.requests().find((r) => r.kind === 'rest' && r.sourceUrl === url), 15_000, 'the submission');
    await eventually(async () => (await t.parts.db.selectFrom('jobs').select('deepgram_request_id').where('id', '=', res.body.id).executeTakeFirst())?.deepgram_request_id ?? undefined, 15_000, 'the recorded request id');
    const words = Array.from({ length: 60_000 }, (_, i) => ({ word: 'word', start: i, end: i + 0.5, confidence: 0.9, punctuated_word: `Word${i}.` }));
    const body = JSON.stringify({
      metadata: { request_id: submitted.id, duration: 60_000, channels: 1, models: [] },
      results: { channels: [{ alternatives: [{ transcript: 'a very long recording', confidence: 0.9, words }] }] },
    });
    assert.ok(body.length > 4 * 1024 * 1024, `${body.length} bytes`);
    const callback = await fetch(String(submitted.query.callback), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(callback.status, 200, await callback.text());
    const done = await waitForJob(t.stack, res.body.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.transcript, 'a very long recording');
    assert.equal(t.parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === url).length, 1, 'no second transcription');
  });

  test('a wrong token is refused before the body is read, whatever its size', async () => {
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'async' });
    const huge = new ReadableStream({
      pull(controller) {
        controller.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const refused = await fetch(t.stack.url(`/v1/callbacks/deepgram/${res.body.id}?token=forged`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: huge,
      duplex: 'half',
    } as RequestInit);
    assert.equal(refused.status, 401);
    await waitForJob(t.stack, res.body.id);
  });
});
