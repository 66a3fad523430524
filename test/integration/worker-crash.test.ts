import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, test } from 'node:test';
import { startAppProcess } from '../helpers/processes.js';
import { freePort, getJson, postJson, stackEnv, untilDeepgramBusy, waitForJob } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

describeWithStack(
  'a worker killed mid-job',
  { media: true, transcripts: { 'testing-websocket.wav': 'testing one two three' }, stack: { worker: false, env: { DEEPGRAM_HEARTBEAT_TIMEOUT_MS: '2000' } } },
  (t) => {
  const workers: ChildProcess[] = [];
  before(() => t.defer(() => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  }));

  test('the job is finished by a restarted worker, with exactly one transcript row; the dead worker\'s place under the cap comes back', { timeout: 90_000 }, async () => {
    const env = {
      // One place in all: the killed worker dies holding it, so the job can only finish if its lease lapses.
      ...stackEnv(t.parts, { TEMPORAL_TASK_QUEUE: t.stack.config.temporal.taskQueue, DEEPGRAM_HEARTBEAT_TIMEOUT_MS: '2000', DEEPGRAM_MAX_CONCURRENT: '1' }),
      METRICS_PORT: '0',
      TEMPORAL_SDK_METRICS_PORT: String(await freePort()),
    };
    // The worker runs as its own process (`npm run worker`), so it can be killed like a crashed machine.
    const startWorkerProcess = (e: Record<string, string>) => startAppProcess('src/main/worker.ts', { ...e, LOG_LEVEL: 'info' }, 'batch worker running');
    const first = startWorkerProcess(env);
    workers.push(first.child);
    await first.ready;

    // Deepgram is slow for the first call, so the job is mid-flight when the worker dies.
    t.parts.emulator.injectFault({ latencyMs: 60_000 });
    const url = t.media.file('testing-websocket.wav');
    const submitted = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    assert.equal(submitted.status, 202);
    await untilDeepgramBusy(t.parts.emulator);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const orphaned = await t.parts.db.selectFrom('deepgram_call_slots').selectAll().execute();
    assert.equal(orphaned.length, 1, 'the dead worker still holds the only place');
    const mid = await postJson(t.stack.url('/v1/transcriptions'), { url: 'https://example.com/x.wav', mode: 'async' });
    assert.equal(mid.status, 202, 'the API keeps accepting work while no worker runs');

    const second = startWorkerProcess(env);
    workers.push(second.child);
    await second.ready;
    const done = await waitForJob(t.stack, submitted.body.id, 60_000);
    assert.equal(done.status, 'completed');
    assert.equal(done.transcript, 'testing one two three');

    const rows = await t.parts.db.selectFrom('transcripts').selectAll().where('job_id', '=', submitted.body.id).execute();
    assert.equal(rows.length, 1);
    const calls = t.parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === url);
    assert.equal(calls.length, 2, 'the abandoned call, then the retry on the new worker');
    // Billed once, for the audio's real length, although Deepgram was called twice.
    const usage = await t.parts.db.selectFrom('usage_records').selectAll().where('source_id', '=', submitted.body.id).execute();
    assert.equal(usage.length, 1);
    assert.ok(Math.abs(usage[0]!.audio_seconds - done.duration_seconds) < 1e-6 && done.duration_seconds > 4, `${usage[0]!.audio_seconds} s metered`);
    const report = await (await fetch(t.stack.url('/v1/usage?group_by=mode'))).json() as any;
    assert.ok(Math.abs(report.data[0].audio_seconds - done.duration_seconds) < 0.01, 'the tenant\'s usage counts the job once');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  });

  test('a worker killed mid-delivery: the webhook is sent again by another worker within the heartbeat timeout, not after the minute an attempt may last', { timeout: 120_000 }, async () => {
    t.parts.emulator.clearFaults();
    const env = {
      ...stackEnv(t.parts, { TEMPORAL_TASK_QUEUE: t.stack.config.temporal.taskQueue, WEBHOOK_RETRY_INITIAL_INTERVAL_MS: '200' }),
      METRICS_PORT: '0',
      TEMPORAL_SDK_METRICS_PORT: String(await freePort()),
    };
    // The receiver holds the first delivery open (the worker is mid-request when it dies) and takes the next one.
    const arrivals: Array<{ at: number; eventId: string }> = [];
    const held: ServerResponse[] = [];
    let firstArrived!: () => void;
    const first = new Promise<void>((resolve) => (firstArrived = resolve));
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        arrivals.push({ at: Date.now(), eventId: String(req.headers['webhook-id']) });
        if (arrivals.length === 1) {
          held.push(res);
          firstArrived();
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t.defer(() => new Promise<void>((resolve) => { receiver.closeAllConnections(); receiver.close(() => resolve()); }));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

    const startWorkerProcess = () => startAppProcess('src/main/worker.ts', { ...env, LOG_LEVEL: 'info' }, 'batch worker running');
    const dying = startWorkerProcess();
    workers.push(dying.child);
    await dying.ready;
    const submitted = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.file('testing-websocket.wav'), mode: 'async', webhook_url: receiverUrl });
    assert.equal(submitted.status, 202);
    await first;
    dying.child.kill('SIGKILL');
    await dying.exited;
    const killedAt = Date.now();

    const second = startWorkerProcess();
    workers.push(second.child);
    await second.ready;
    const deadline = killedAt + 45_000;
    while (arrivals.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(arrivals.length, 2, 'the lost attempt was sent again within 45 s of the crash (an attempt may otherwise run for a minute)');
    assert.equal(arrivals[1]!.eventId, arrivals[0]!.eventId, 'the same event, so the receiver can drop a duplicate');
    const log = await getJson(t.stack.url(`/v1/transcriptions/${submitted.body.id}/webhooks`));
    assert.deepEqual(log.body.deliveries.map((d: any) => [d.status_code, d.succeeded]), [[204, true]], 'the delivered attempt is recorded');
    for (const res of held) res.destroy();
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
