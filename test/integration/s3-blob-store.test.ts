import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as tus from 'tus-js-client';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * BLOB_STORE=s3 against a real S3-protocol server (moto, started here), reached through a TCP relay so a test can
 * take it away: uploads stream into the bucket and from there to Deepgram (or Deepgram fetches a presigned URL),
 * refused uploads leave nothing, deleting a job deletes its object, and S3 being down is an outage (503 on
 * submission, accepted jobs wait), never a 500 or a lost job.
 */
describeWithStack('uploads in an S3-compatible bucket', { stack: false }, (t) => {
  let s3: S3Server;
  let relay: TcpProxy;
  let stack: Stack;
  let presigning: Stack;
  const env = () => ({ ...s3.env, S3_ENDPOINT: `http://127.0.0.1:${relay.port}` });

  before(async () => {
    s3 = await startS3Server();
    relay = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) });
    stack = await startStack(t.parts, { env: { ...env(), MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) } });
    presigning = await startStack(t.parts, { env: { ...env(), S3_PRESIGN_FOR_DEEPGRAM: 'true', S3_PRESIGN_TTL_SECONDS: '300' } });
  });
  after(async () => {
    await presigning?.stop();
    await stack?.stop();
    await relay?.close();
    await s3?.stop();
  });

  const submit = (target: Stack, audio: Buffer, mode = 'async') =>
    fetch(target.url(`/v1/transcriptions?mode=${mode}`), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: audio });
  const waitFor = async (target: Stack, id: string, done: (job: any) => boolean, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const job = (await (await fetch(target.url(`/v1/transcriptions/${id}`))).json()) as any;
      if (done(job) || Date.now() > deadline) return job;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  test('an upload is stored as one object in the bucket, streamed to Deepgram whole, and deleted with its job', async () => {
    const audio = t.audio('preamble-rest.wav');
    const res = await submit(stack, audio);
    assert.equal(res.status, 202, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    const job = await waitFor(stack, id, (j) => j.status === 'completed' || j.status === 'failed');
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    const keys = await s3.keys();
    assert.equal(keys.filter((k) => k.startsWith('audio/blob_')).length, 1, keys.join(', '));
    const sent = t.parts.emulator.requests().filter((r) => r.path === '/v1/listen' && r.audioSha256 === sha256(audio));
    assert.equal(sent.length, 1, 'Deepgram received the upload, byte for byte');
    assert.equal(sent[0]!.sourceUrl, undefined, 'streamed through the worker (no presigning here)');

    const deleted = await fetch(stack.url(`/v1/transcriptions/${id}`), { method: 'DELETE' });
    assert.ok(deleted.status === 200 || deleted.status === 204, String(deleted.status));
    assert.deepEqual(await s3.keys(), [], 'the object went with its job');
  });

  test('with S3_PRESIGN_FOR_DEEPGRAM, Deepgram fetches a short-lived presigned URL of the object itself', async () => {
    const audio = t.audio('spacewalk.wav');
    const res = await submit(presigning, audio);
    assert.equal(res.status, 202);
    const { id } = (await res.json()) as { id: string };
    const job = await waitFor(presigning, id, (j) => j.status === 'completed' || j.status === 'failed');
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    const asked = t.parts.emulator.requests().filter((r) => r.path === '/v1/listen' && r.audioSha256 === sha256(audio));
    assert.equal(asked.length, 1);
    const url = new URL(asked[0]!.sourceUrl!);
    assert.equal(url.port, String(relay.port), 'the URL points at the bucket');
    assert.match(url.pathname, /\/audio-test\/audio\/blob_/);
    assert.ok(url.searchParams.get('X-Amz-Signature'), 'signed');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '300');
    await fetch(presigning.url(`/v1/transcriptions/${id}`), { method: 'DELETE' });
  });

  test('a resumable upload (tus) goes to the bucket as it arrives, and is transcribed by upload_id', async () => {
    const audio = t.audio('preamble-16k.wav');
    const url = await new Promise<string>((resolve, reject) => {
      const upload: tus.Upload = new tus.Upload(audio, {
        endpoint: stack.url('/v1/uploads'),
        metadata: { filetype: 'audio/wav' },
        retryDelays: [],
        onSuccess: () => resolve(upload.url!),
        onError: reject,
      });
      upload.start();
    });
    const uploadId = url.split('/').pop()!;
    assert.ok((await s3.keys()).some((k) => k.startsWith(uploadId)), 'the upload is in the bucket');
    const res = await fetch(stack.url('/v1/transcriptions?mode=sync'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upload_id: uploadId }) });
    const job = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(job));
    assert.equal(job.status, 'completed');
    assert.equal(t.parts.emulator.requests().filter((r) => r.path === '/v1/listen' && r.audioSha256 === sha256(audio)).length, 1);
    assert.ok(!(await s3.keys()).some((k) => k.startsWith(uploadId)), 'the tus upload is gone once transcribed');
    await fetch(stack.url(`/v1/transcriptions/${job.id}`), { method: 'DELETE' });
  });

  test('an upload over MAX_UPLOAD_BYTES is refused with 413 and leaves no object behind', async () => {
    const before = await s3.keys();
    const res = await submit(stack, Buffer.alloc(3 * 1024 * 1024, 1));
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as any).error.code, 'payload_too_large');
    assert.deepEqual(await s3.keys(), before);
  });

  test('S3 unreachable: a submission is 503 with Retry-After; an accepted job waits it out and completes', async () => {
    // Accepted while S3 answers, then S3 goes away before a worker reads the upload.
    const idle = await startStack(t.parts, { env: env(), worker: false });
    const audio = t.audio('preamble-16k.wav');
    const accepted = await submit(idle, audio);
    assert.equal(accepted.status, 202);
    const { id } = (await accepted.json()) as { id: string };
    await relay.cut();
    try {
      const refused = await submit(stack, t.audio('testing-websocket.wav'));
      assert.equal(refused.status, 503, await refused.clone().text());
      assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After');
      assert.equal(((await refused.json()) as any).error.code, 'service_unavailable');

      // A worker on the idle stack's queue finds S3 down: the job waits (not failed) ...
      const worker = await startStack(t.parts, { env: { ...env(), TEMPORAL_TASK_QUEUE: idle.config.temporal.taskQueue } });
      t.defer(() => worker.stop());
      await new Promise((r) => setTimeout(r, 3_000));
      const waiting = await waitFor(idle, id, () => true);
      assert.notEqual(waiting.status, 'failed', JSON.stringify(waiting));
    } finally {
      await relay.restore();
    }
    // ... and completes once S3 is back.
    const job = await waitFor(idle, id, (j) => j.status === 'completed' || j.status === 'failed', 90_000);
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    await idle.stop();
  });
});
