import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordingFormat } from '../../src/domain/live.js';
import { LiveRecorder, type RecordingSink } from '../../src/live-relay/recorder.js';

const PCM: RecordingFormat = { kind: 'pcm', formatTag: 1, sampleRate: 16_000, channels: 1, bitsPerSample: 16 };
const bytes = (from: number, length: number) => Buffer.from(Array.from({ length }, (_, i) => (from + i) % 251));

/** A sink that keeps parts in memory, failing the writes it is told to. */
function memorySink(failures = 0) {
  const parts: Array<{ byteOffset: number; data: Buffer }> = [];
  let fail = failures;
  const sink: RecordingSink = {
    async appendPart({ byteOffset, chunks }) {
      if (fail-- > 0) throw new Error('blob store unreachable');
      parts.push({ byteOffset, data: Buffer.concat(chunks) });
    },
  };
  return { sink, parts };
}
const recorder = (sink: RecordingSink, recordedBytes: number) => new LiveRecorder({ sink, sessionId: 's', tenantId: 't', recordedBytes, warn: () => undefined });

test('the first connection is recorded from byte 0, in order, in one part per flush', async () => {
  const { sink, parts } = memorySink();
  const r = recorder(sink, 0);
  r.begin(PCM, 0);
  for (let i = 0; i < 10; i++) r.push(bytes(i * 100, 100));
  await r.flush();
  await r.flush();
  assert.deepEqual(parts, [{ byteOffset: 0, data: bytes(0, 1000) }]);
});

test('a resumed connection resending audio already recorded adds only what is new', async () => {
  const { sink, parts } = memorySink();
  const r = recorder(sink, 1000);
  r.begin(PCM, 600);
  r.push(bytes(600, 300));
  r.push(bytes(900, 400));
  await r.flush();
  assert.deepEqual(parts, [{ byteOffset: 1000, data: bytes(1000, 300) }]);
});

test('a resume past the end of the recording fills the gap with silence, so the timeline stays true', async () => {
  const { sink, parts } = memorySink();
  const r = recorder(sink, 1000);
  r.begin(PCM, 1200);
  r.push(bytes(1200, 100));
  await r.flush();
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.byteOffset, 1000);
  assert.ok(parts[0]!.data.subarray(0, 200).equals(Buffer.alloc(200)));
  assert.ok(parts[0]!.data.subarray(200).equals(bytes(1200, 100)));
});

test('a failed part is kept and written, at the same offset, by the next flush', async () => {
  const { sink, parts } = memorySink(1);
  const r = recorder(sink, 0);
  r.begin(PCM, 0);
  r.push(bytes(0, 500));
  await assert.rejects(r.flush(), /unreachable/);
  r.push(bytes(500, 100));
  await r.flush();
  assert.deepEqual(parts, [{ byteOffset: 0, data: bytes(0, 600) }]);
});

test('container audio: the first connection is kept; a resumed one cannot be joined to it and is not added', async () => {
  const { sink, parts } = memorySink();
  const first = recorder(sink, 0);
  first.begin({ kind: 'container', contentType: 'audio/webm' }, null);
  first.push(bytes(0, 300));
  await first.flush();
  const resumed = recorder(sink, 300);
  resumed.begin({ kind: 'container', contentType: 'audio/webm' }, null);
  resumed.push(bytes(0, 300));
  await resumed.flush();
  assert.equal(resumed.active, false);
  assert.deepEqual(parts, [{ byteOffset: 0, data: bytes(0, 300) }]);
});
