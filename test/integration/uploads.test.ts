import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { test } from 'node:test';
import { silentWav } from '../helpers/audio.js';
import { eventually } from '../helpers/live.js';
import { getJson, startStack, waitForJob } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const PREAMBLE = 'We, the people of The United States, in order to form a more perfect union';

/** Audio sent in the request itself: multipart and raw bodies, stored durably, referenced (never carried) by workflows. */
describeWithStack('audio uploads', { transcripts: { 'preamble-rest.wav': PREAMBLE }, stack: { env: { MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) } } }, (t) => {

  const blobCount = async () => Number((await t.parts.db.selectFrom('audio_blobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  test('multipart: an `audio` file plus the JSON fields → transcribed synchronously from the stored upload', async () => {
    const form = new FormData();
    form.append('audio', new Blob([t.audio('preamble-rest.wav')], { type: 'audio/wav' }), 'preamble.wav');
    form.append('options', JSON.stringify({ smart_format: true, model: 'nova-3' }));
    const res = await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', body: form });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.transcript, PREAMBLE);
    assert.equal(body.mode, 'sync');
    assert.ok(Math.abs(body.duration_seconds - 19.098) < 0.01, 'duration measured from the upload');
    const call = t.parts.emulator.requests().at(-1)!;
    assert.equal(call.audioBytes, t.audio('preamble-rest.wav').length, 'Deepgram received the bytes, not a URL');
    assert.equal(call.sourceUrl, undefined);
    assert.equal(call.query.model, 'nova-3');

    const job = await t.parts.db.selectFrom('jobs').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    assert.equal(job.source.kind, 'upload');
    const blob = await t.parts.db.selectFrom('audio_blobs').selectAll().where('id', '=', (job.source as { blobId: string }).blobId).executeTakeFirstOrThrow();
    assert.equal(Number(blob.size_bytes), t.audio('preamble-rest.wav').length);
    assert.equal(blob.storage, 'postgres');
  });

  test('raw body: audio/* with options and job fields in the query string', async () => {
    const res = await fetch(t.stack.url('/v1/transcriptions?mode=async&smart_format=true&tag=raw-upload'), {
      method: 'POST',
      headers: { 'content-type': 'audio/mpeg' },
      body: t.audio('Bueller-Life-moves-pretty-fast.mp3'),
    });
    const body = (await res.json()) as any;
    assert.equal(res.status, 202, JSON.stringify(body));
    const done = await waitForJob(t.stack, body.id);
    assert.equal(done.status, 'completed');
    assert.ok(Math.abs(done.duration_seconds - 17.6) < 0.3, String(done.duration_seconds));
    const call = t.parts.emulator.requests().filter((r) => r.kind === 'rest').at(-1)!;
    assert.equal(call.audioBytes, t.audio('Bueller-Life-moves-pretty-fast.mp3').length);
    assert.equal(call.query.tag, 'raw-upload');
  });

  test('auto routing uses the duration measured from the upload: a long recording goes async', async () => {
    const res = await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: silentWav(320, 1000) });
    const body = (await res.json()) as any;
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.equal(body.mode, 'async');
    assert.equal(body.duration_seconds, 320);
    await waitForJob(t.stack, body.id);
  });

  test('an upload over MAX_UPLOAD_BYTES is refused with 413 while streaming, and nothing is kept', async () => {
    const before = await blobCount();
    const res = await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: silentWav(200, 8000) });
    assert.equal(res.status, 413);
    const body = (await res.json()) as any;
    assert.equal(body.error.code, 'payload_too_large');
    assert.match(body.error.message, /2097152-byte upload limit/);
    assert.equal(await blobCount(), before);
  });

  test('a client that goes away mid-upload leaves no blob and no chunk behind', async () => {
    const before = await blobCount();
    const chunks = async () => Number((await t.parts.db.selectFrom('audio_blob_chunks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const chunksBefore = await chunks();
    const wav = silentWav(60, 16000); // ~1.9 MiB: a chunk is stored before the client leaves
    const req = request(t.stack.url('/v1/transcriptions?mode=async'), { method: 'POST', headers: { 'content-type': 'audio/wav', 'content-length': String(wav.length) } });
    req.on('error', () => undefined);
    req.write(wav.subarray(0, 1_500_000));
    await eventually(async () => ((await blobCount()) > before ? true : undefined), 5_000, 'the upload to start being stored');
    req.destroy();
    await eventually(async () => ((await blobCount()) === before && (await chunks()) === chunksBefore ? true : undefined), 5_000, 'the partial upload to be removed');
  });

  test('bytes that are not audio → 422 unsupported_audio with the reason, and nothing is kept', async () => {
    const before = await blobCount();
    const res = await fetch(t.stack.url('/v1/transcriptions'), {
      method: 'POST',
      headers: { 'content-type': 'audio/wav' },
      body: Buffer.from('<html><body>definitely not a recording</body></html>'.repeat(30)),
    });
    assert.equal(res.status, 422);
    const body = (await res.json()) as any;
    assert.equal(body.error.code, 'unsupported_audio');
    assert.match(body.error.message, /not audio we can read/);
    assert.equal(await blobCount(), before);
  });

  test('a wrong Content-Type is only a hint: an MP3 sent as audio/wav is read from its bytes and transcribed', async () => {
    const mp3 = t.audio('Bueller-Life-moves-pretty-fast.mp3');
    const res = await fetch(t.stack.url('/v1/transcriptions?mode=sync'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: mp3 });
    const job = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(job).slice(0, 300));
    assert.equal(job.status, 'completed');
    assert.ok(Math.abs(job.result.metadata.duration - 17.6) < 0.5, `the whole recording reached Deepgram: ${job.result.metadata.duration} s`);
  });

  test('headerless raw audio is accepted when encoding and sample_rate say what it is', async () => {
    const pcm = silentWav(4, 16000).subarray(44);
    const res = await fetch(t.stack.url('/v1/transcriptions?encoding=linear16&sample_rate=16000'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: pcm });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.duration_seconds, 4);
  });

  test('multipart mistakes are clear 400s and leave no upload behind', async () => {
    const before = await blobCount();
    const both = new FormData();
    both.append('audio', new Blob([t.audio('preamble-rest.wav')], { type: 'audio/wav' }), 'a.wav');
    both.append('url', 'https://example.com/a.wav');
    const r1 = await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', body: both });
    assert.equal(r1.status, 400);
    assert.match(((await r1.json()) as any).error.message, /either an audio upload, a "url" or an "upload_id", not more than one/);

    const wrongField = new FormData();
    wrongField.append('file', new Blob([t.audio('preamble-rest.wav')], { type: 'audio/wav' }), 'a.wav');
    const r2 = await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', body: wrongField });
    assert.equal(r2.status, 400);
    assert.match(((await r2.json()) as any).error.message, /field named "audio"/);

    const badOptions = new FormData();
    badOptions.append('audio', new Blob([t.audio('preamble-rest.wav')], { type: 'audio/wav' }), 'a.wav');
    badOptions.append('options', '{not json');
    const r3 = await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', body: badOptions });
    assert.equal(r3.status, 400);
    assert.equal(((await r3.json()) as any).error.code, 'invalid_json');
    assert.equal(await blobCount(), before);
  });

  test('mode=stream with an upload: stream mode pulls a URL; audio you hold goes to the WebSocket endpoint', async () => {
    const res = await fetch(t.stack.url('/v1/transcriptions?mode=stream'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: t.audio('preamble-rest.wav') });
    assert.equal(res.status, 400);
    const body = (await res.json()) as any;
    assert.equal(body.error.code, 'invalid_mode');
    assert.match(body.error.message, /\/v1\/listen/);
  });

  test('BLOB_STORE=filesystem keeps uploads on disk, and deleting the job removes them', async () => {
    const dir = path.join(tmpdir(), `dtp-blobs-${process.pid}`);
    const fsStack = await startStack(t.parts, { env: { BLOB_STORE: 'filesystem', BLOB_DIR: dir } });
    try {
      const res = await fetch(fsStack.url('/v1/transcriptions'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: t.audio('preamble-rest.wav') });
      const body = (await res.json()) as any;
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.transcript.toLowerCase().replace(/[^a-z ]/g, ''), PREAMBLE.toLowerCase().replace(/[^a-z ]/g, ''));
      assert.equal((await readdir(dir)).length, 1);
      const del = await fetch(fsStack.url(`/v1/transcriptions/${body.id}`), { method: 'DELETE' });
      assert.equal(del.status, 204);
      assert.equal((await readdir(dir)).length, 0);
      const tomb = await getJson(fsStack.url(`/v1/transcriptions/${body.id}`));
      assert.equal(tomb.status, 410);
      assert.equal(tomb.body.error.code, 'deleted');
    } finally {
      await fsStack.stop();
    }
  });
});
