import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchCommon, TranscriptionBatchInput } from '../../src/domain/batch.js';
import { createStartCoalescer } from '../../src/services/start-coalescer.js';

const common = { owner: { tenantId: 't1', tenantName: 't1', apiKeyId: null } } as unknown as BatchCommon;
const other = { owner: { tenantId: 't2', tenantName: 't2', apiKeyId: null } } as unknown as BatchCommon;
const retry = { initialIntervalMs: 1, maximumIntervalMs: 1, maxDurationMs: 1 };
const job = (n: number) => ({ jobId: `job-${n}`, priority: 3, mode: 'async' as const });

/** A start that takes until `release()` is called, recording what it was asked to start. */
function gatedStarts(outcome = true) {
  const starts: TranscriptionBatchInput[] = [];
  let release: () => void = () => undefined;
  const start = (input: TranscriptionBatchInput) => {
    starts.push(input);
    return new Promise<boolean>((resolve) => (release = () => resolve(outcome)));
  };
  return { starts, start, release: () => release() };
}

test('group commit: the first submission starts at once; those arriving meanwhile share the next start', async () => {
  const gate = gatedStarts();
  const coalescer = createStartCoalescer(gate.start);
  const first = coalescer.start('q', common, retry, job(1));
  assert.deepEqual(gate.starts.map((s) => s.jobs.map((j) => j.jobId)), [['job-1']], 'nobody waits for company at low load');
  const later = [2, 3, 4].map((n) => coalescer.start('q', common, retry, job(n)));
  gate.release();
  assert.equal(await first, true);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(gate.starts.map((s) => s.jobs.map((j) => j.jobId)), [['job-1'], ['job-2', 'job-3', 'job-4']]);
  gate.release();
  assert.deepEqual(await Promise.all(later), [true, true, true]);
  assert.notEqual(gate.starts[0]!.batchId, gate.starts[1]!.batchId, 'each start is its own dispatcher');
});

test('jobs of different owners or task queues never share a start', async () => {
  const gate = gatedStarts();
  const coalescer = createStartCoalescer(gate.start);
  void coalescer.start('q', common, retry, job(1));
  void coalescer.start('q', other, retry, job(2));
  void coalescer.start('q-region-eu', common, retry, job(3));
  assert.deepEqual(
    gate.starts.map((s) => [s.taskQueue, s.common.owner.tenantId, s.jobs.map((j) => j.jobId)]),
    [
      ['q', 't1', ['job-1']],
      ['q', 't2', ['job-2']],
      ['q-region-eu', 't1', ['job-3']],
    ],
  );
});

test('a start Temporal did not take answers false to every submission it carried (each is then refused with 503)', async () => {
  const gate = gatedStarts(false);
  const coalescer = createStartCoalescer(gate.start);
  const first = coalescer.start('q', common, retry, job(1));
  const second = coalescer.start('q', common, retry, job(2));
  gate.release();
  assert.equal(await first, false);
  await new Promise((r) => setImmediate(r));
  gate.release();
  assert.equal(await second, false);
  const throwing = createStartCoalescer(() => Promise.reject(new Error('unreachable')));
  assert.equal(await throwing.start('q', common, retry, job(3)), false);
});
