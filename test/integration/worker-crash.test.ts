import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { before, test } from 'node:test';
import { startAppProcess } from '../helpers/processes.js';
import { freePort, postJson, stackEnv, untilDeepgramBusy, waitForJob } from '../helpers/stack.js';
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
});
