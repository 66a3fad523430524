import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { HEAD_BYTES, measuredChunks, UploadTooLargeError } from '../../src/adapters/blob-store/blob-store.js';

test('uploads are re-chunked into fixed-size pieces, byte for byte, with their hash, size and head', async () => {
  const data = randomBytes(3 * 100_000 + 12_345);
  async function* pieces() {
    // Uneven pieces, as a network delivers them.
    for (let at = 0, size = 1; at < data.length; at += size, size = (size * 7 + 3) % 40_000 || 1) yield data.subarray(at, Math.min(at + size, data.length));
  }
  const stats = { sizeBytes: 0, sha256: '', head: Buffer.alloc(0) };
  const chunks: Buffer[] = [];
  for await (const chunk of measuredChunks(pieces(), 100_000, 10 * data.length, stats)) chunks.push(Buffer.from(chunk));
  assert.deepEqual(chunks.map((c) => c.length), [100_000, 100_000, 100_000, 12_345]);
  assert.ok(Buffer.concat(chunks).equals(data));
  assert.equal(stats.sizeBytes, data.length);
  assert.equal(stats.sha256, createHash('sha256').update(data).digest('hex'));
  assert.ok(stats.head.equals(data.subarray(0, HEAD_BYTES)));
});

test('an upload over the limit stops with UploadTooLargeError as soon as it passes it', async () => {
  let pulled = 0;
  async function* endless() {
    for (;;) {
      pulled++;
      yield Buffer.alloc(1000);
    }
  }
  const stats = { sizeBytes: 0, sha256: '', head: Buffer.alloc(0) };
  await assert.rejects(async () => {
    for await (const _ of measuredChunks(endless(), 4096, 10_000, stats));
  }, UploadTooLargeError);
  assert.equal(pulled, 11);
});
