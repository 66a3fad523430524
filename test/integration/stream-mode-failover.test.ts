import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually, startTestStreamingWorker } from '../helpers/live.js';
import { startAppProcess } from '../helpers/processes.js';
import { startRadioServer, type RadioServer } from '../helpers/radio-server.js';
import { freePort, stackEnv } from '../helpers/stack.js';

const LIVE_QUEUE = `live-test-${randomBytes(4).toString('hex')}`;
const ENV = { LIVE_TASK_QUEUE: LIVE_QUEUE, LIVE_HEARTBEAT_TIMEOUT_MS: '3000', LIVE_PERSIST_INTERVAL_MS: '200' };

/**
 * A streaming worker killed (SIGKILL) while it pulls a stream job: the pull stops heartbeating, Temporal runs it again
 * on the other streaming worker, which continues after the last stored final. Finals stored before the crash stay,
 * none is stored twice, and the job completes at its maximum duration.
 */
describeWithStack('stream mode: a streaming worker killed mid-stream', { stack: { env: ENV } }, (t) => {
  let radio: RadioServer;
  before(async () => {
    radio = await startRadioServer(t.audio('preamble-16k.wav').subarray(44), { speed: 1 });
    t.defer(() => radio.close());
  });

  test('the pull resumes on another worker with no final lost or doubled', { timeout: 180_000 }, async () => {
    const env = { ...stackEnv(t.parts, { ...ENV, TEMPORAL_TASK_QUEUE: t.stack.config.temporal.taskQueue, LOG_LEVEL: 'info' }), METRICS_PORT: '0' };
    const doomed = startAppProcess('src/main/streaming-worker.ts', { ...env, STREAMING_PORT: String(await freePort()), TEMPORAL_SDK_METRICS_PORT: String(await freePort()) }, 'streaming worker running');
    t.defer(() => {
      if (doomed.child.exitCode === null) doomed.child.kill('SIGKILL');
    });
    await doomed.ready;

    const res = await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${radio.url}/radio.wav`, mode: 'stream', options: { model: 'nova-2' }, max_duration_seconds: 40 }) });
    const id = ((await res.json()) as { id: string }).id;
    const session = async () => ((await fetch(t.stack.url(`/v1/streams/${id}`))).json()) as Promise<any>;
    const before = await eventually(async () => {
      const s = await session();
      return s.segments?.length >= 2 ? s : undefined;
    }, 30_000, 'finals stored by the first worker');
    assert.ok(doomed.lines.some((l) => l.includes('pulling the source into Deepgram Live')), 'the first worker pulled the stream');

    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const { worker } = await startTestStreamingWorker(t.parts, { ...env, STREAMING_PORT: '0' });
    t.defer(() => worker.stop());

    const done = await eventually(async () => {
      const j = (await (await fetch(t.stack.url(`/v1/transcriptions/${id}`))).json()) as any;
      return j.status === 'completed' || j.status === 'failed' ? j : undefined;
    }, 90_000, 'the job completed on the other worker');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    const after = await session();
    const segments = after.segments as Array<{ seq: number; start: number; end: number; transcript: string }>;
    assert.deepEqual(segments.slice(0, before.segments.length), before.segments, 'what was stored before the crash stays');
    assert.ok(segments.length > before.segments.length, 'finals from the second worker');
    assert.deepEqual(segments.map((s) => s.seq), segments.map((_, i) => i), 'numbered without gaps or repeats');
    for (let i = 1; i < segments.length; i++) {
      assert.ok(segments[i]!.start >= segments[i - 1]!.end - 0.002, `segment ${i} (${segments[i]!.start}) overlaps the previous one (ends ${segments[i - 1]!.end})`);
    }
    assert.equal(radio.connections.get('/radio.wav'), 2, 'the second worker opened the stream again');
    assert.equal(after.close_reason, 'max_duration');
  });
});
