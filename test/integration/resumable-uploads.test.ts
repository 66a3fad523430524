import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import * as tus from 'tus-js-client';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { startStack, type Stack } from '../helpers/stack.js';

const KEY_A = 'team-a-key-0123456789abcdef01234567';
const KEY_B = 'team-b-key-0123456789abcdef01234567';
const RECORDING = 'spacewalk.wav';
const TEXT = 'Yeah, as much as it is worth celebrating the first spacewalk with an all-female team.';

/**
 * Resumable uploads over tus at /v1/uploads, driven by the tus project's own client (tus-js-client), unmodified:
 * an upload cut at 60 % resumes where it stopped and is transcribed by `upload_id`; uploads are each tenant's own;
 * unfinished and expired ones are 409 with their state.
 */
describeWithStack(
  'resumable uploads (tus) at /v1/uploads',
  { transcripts: { [RECORDING]: TEXT }, stack: { env: { API_KEYS: `team-a:${KEY_A}, team-b:${KEY_B}`, MAX_UPLOAD_BYTES: String(4 * 1024 * 1024) } } },
  (t) => {
    let audio: Buffer;
    before(() => {
      audio = t.audio(RECORDING);
    });

    const auth = (key: string) => ({ Authorization: `Token ${key}` });
    const transcribe = (stack: Stack, key: string, uploadId: string) =>
      fetch(stack.url('/v1/transcriptions?mode=sync'), {
        method: 'POST',
        headers: { ...auth(key), 'content-type': 'application/json' },
        body: JSON.stringify({ upload_id: uploadId }),
      });
    const idOf = (uploadUrl: string) => uploadUrl.split('/').pop()!;

    /** Uploads `data` with tus-js-client in 10 % chunks; `stopAt` aborts once that share was accepted (the upload stays on the server). */
    function upload(stack: Stack, data: Buffer, options: { key?: string; uploadUrl?: string; stopAt?: number } = {}) {
      const progress: number[] = [];
      return new Promise<{ url: string; progress: number[]; stopped: boolean }>((resolve, reject) => {
        const tusUpload: tus.Upload = new tus.Upload(data, {
          endpoint: stack.url('/v1/uploads'),
          ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
          headers: auth(options.key ?? KEY_A),
          chunkSize: Math.ceil(data.length / 10),
          metadata: { filename: RECORDING, filetype: 'audio/wav' },
          retryDelays: [],
          onChunkComplete: (_chunk, accepted, total) => {
            progress.push(accepted);
            if (options.stopAt !== undefined && accepted >= total * options.stopAt) {
              void tusUpload.abort(false).then(() => resolve({ url: tusUpload.url!, progress, stopped: true }));
            }
          },
          onSuccess: () => resolve({ url: tusUpload.url!, progress, stopped: false }),
          onError: reject,
        });
        tusUpload.start();
      });
    }

    test('an upload cut at 60 % resumes where it stopped, and the finished file is transcribed by upload_id', async () => {
      const first = await upload(t.stack, audio, { stopAt: 0.6 });
      assert.ok(first.stopped);
      const head = await fetch(first.url.startsWith('http') ? first.url : t.stack.url(first.url), { method: 'HEAD', headers: { ...auth(KEY_A), 'Tus-Resumable': '1.0.0' } });
      assert.equal(head.status, 200);
      const offset = Number(head.headers.get('upload-offset'));
      assert.ok(offset >= audio.length * 0.6 && offset < audio.length, `the server holds ${offset} of ${audio.length} bytes`);

      const early = await transcribe(t.stack, KEY_A, idOf(first.url));
      assert.equal(early.status, 409);
      const refused = (await early.json()) as any;
      assert.equal(refused.error.code, 'upload_incomplete');
      assert.equal(refused.error.details.offset, offset);
      assert.equal(refused.error.details.size, audio.length);

      const resumed = await upload(t.stack, audio, { uploadUrl: first.url });
      assert.equal(resumed.url, first.url, 'the same upload');
      assert.ok(resumed.progress[0]! > offset, `resumed from ${offset}: first progress ${resumed.progress[0]}`);
      assert.ok(resumed.progress.length <= 5, `only the missing 40 % was sent again (${resumed.progress.length} chunks)`);

      const res = await transcribe(t.stack, KEY_A, idOf(first.url));
      const job = (await res.json()) as any;
      assert.equal(res.status, 200, JSON.stringify(job));
      assert.equal(job.status, 'completed');
      assert.equal(job.transcript.replace(/[^a-z ]/gi, '').toLowerCase().split(' ')[0], 'yeah');
      const sent = t.parts.emulator.requests().filter((r) => r.path === '/v1/listen');
      assert.ok(sent.some((r) => r.audioBytes === audio.length), 'Deepgram got the whole file');

      const again = await transcribe(t.stack, KEY_A, idOf(first.url));
      assert.equal(again.status, 404, 'an upload is used once (retries take an Idempotency-Key)');
    });

    test('another tenant’s upload is 404, through tus and through upload_id', async () => {
      const mine = await upload(t.stack, audio, { stopAt: 0.3 });
      const theirs = await fetch(mine.url.startsWith('http') ? mine.url : t.stack.url(mine.url), { method: 'HEAD', headers: { ...auth(KEY_B), 'Tus-Resumable': '1.0.0' } });
      assert.equal(theirs.status, 404);
      const patch = await fetch(mine.url.startsWith('http') ? mine.url : t.stack.url(mine.url), {
        method: 'PATCH',
        headers: { ...auth(KEY_B), 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
        body: Buffer.alloc(10),
      });
      assert.equal(patch.status, 404);
      const res = await transcribe(t.stack, KEY_B, idOf(mine.url));
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as any).error.code, 'upload_not_found');
      const unknown = await transcribe(t.stack, KEY_A, `${'0'.repeat(16)}_${'0'.repeat(32)}`);
      assert.equal(unknown.status, 404);
      const both = await fetch(t.stack.url('/v1/transcriptions'), {
        method: 'POST',
        headers: { ...auth(KEY_A), 'content-type': 'application/json' },
        body: JSON.stringify({ upload_id: idOf(mine.url), url: 'https://example.com/a.wav' }),
      });
      assert.equal(both.status, 400);
      assert.match(((await both.json()) as any).error.message, /either a "url" or an "upload_id", not both/);
    });

    test('an upload larger than MAX_UPLOAD_BYTES is refused when it is created', async () => {
      const res = await fetch(t.stack.url('/v1/uploads'), {
        method: 'POST',
        headers: { ...auth(KEY_A), 'Tus-Resumable': '1.0.0', 'Upload-Length': String(5 * 1024 * 1024) },
      });
      assert.equal(res.status, 413);
    });

    test('an unfinished upload past RESUMABLE_UPLOAD_EXPIRY_SECONDS is 409 upload_expired, then removed', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'tus-expiry-'));
      t.defer(() => rm(dir, { recursive: true, force: true }));
      const short = await startStack(t.parts, {
        env: { API_KEYS: `team-a:${KEY_A}`, RESUMABLE_UPLOAD_EXPIRY_SECONDS: '2', RESUMABLE_UPLOAD_DIR: dir },
        worker: false,
      });
      t.defer(() => short.stop());
      const partial = await upload(short, audio, { stopAt: 0.2 });
      await new Promise((r) => setTimeout(r, 2_500));
      const res = await transcribe(short, KEY_A, idOf(partial.url));
      assert.equal(res.status, 409);
      const body = (await res.json()) as any;
      assert.equal(body.error.code, 'upload_expired');
      assert.equal(body.error.details.state, 'expired');
      assert.ok(body.error.details.offset > 0);
      // The API's sweep (every min(expiry, 10 min)) removes it.
      await new Promise((r) => setTimeout(r, 2_500));
      const gone = await transcribe(short, KEY_A, idOf(partial.url));
      assert.equal(gone.status, 404);
    });
  },
);
