import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { longRecording } from '../helpers/long-recording.js';
import { startAppProcess } from '../helpers/processes.js';
import { freePort, stackEnv, waitForJob } from '../helpers/stack.js';

const CHUNKING = { CHUNK_THRESHOLD_SECONDS: '60', CHUNK_SECONDS: '25', DEEPGRAM_HEARTBEAT_TIMEOUT_MS: '2000' };

describeWithStack('a worker killed while a long file’s chunks are transcribed', { stack: { worker: false, env: CHUNKING } }, (t) => {
  const workers: ChildProcess[] = [];
  before(() =>
    t.defer(() => {
      for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    }),
  );
  /** A batch worker as its own process (`npm run worker`), so it can be killed like a crashed machine; resolves once it runs. */
  async function startWorkerProcess() {
    const env = {
      ...stackEnv(t.parts, { ...CHUNKING, TEMPORAL_TASK_QUEUE: t.stack.config.temporal.taskQueue }),
      METRICS_PORT: '0',
      TEMPORAL_SDK_METRICS_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    };
    const worker = startAppProcess('src/main/worker.ts', env, 'batch worker running');
    workers.push(worker.child);
    await worker.ready;
    return worker;
  }

  test('a restarted worker redoes only the chunks without an answer, and the job completes whole', { timeout: 120_000 }, async () => {
    const first = await startWorkerProcess();

    const long = await longRecording([t.audio('preamble-16k.wav'), t.audio('spacewalk.wav'), t.audio('Bueller-Life-moves-pretty-fast.wav')], { pauseSeconds: 1.5, minSeconds: 100 });
    // One chunk's call hangs, so the worker dies with that chunk in flight and others answered.
    t.parts.emulator.injectFault({ latencyMs: 60_000 });
    const res = await fetch(t.stack.url('/v1/transcriptions?mode=async'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: long.wav });
    assert.equal(res.status, 202);
    const { id } = (await res.json()) as { id: string };
    const answered = async () => (await sql<{ chunk_index: number; blob_id: string }>`select chunk_index, blob_id from job_chunks where job_id = ${id} and status = 'completed'`.execute(t.parts.db)).rows;
    const deadline = Date.now() + 60_000;
    while ((await answered()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const plan = (await sql<{ chunk_index: number; blob_id: string }>`select chunk_index, blob_id from job_chunks where job_id = ${id} order by chunk_index`.execute(t.parts.db)).rows;
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const doneBeforeCrash = await answered();
    assert.ok(doneBeforeCrash.length >= 2 && doneBeforeCrash.length < plan.length, `${doneBeforeCrash.length} of ${plan.length} chunks answered before the crash`);
    const requestsBeforeRestart = t.parts.emulator.requests().length;

    const second = await startWorkerProcess();
    const job = await waitForJob(t.stack, id, 90_000);
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    assert.deepEqual(job.chunks, { total: plan.length, completed: plan.length });

    // The cut was not redone (same chunks, same blobs), and no chunk answered before the crash went to Deepgram again.
    const resent = t.parts.emulator.requests().slice(requestsBeforeRestart).filter((r) => r.path === '/v1/listen');
    assert.equal(resent.length, plan.length - doneBeforeCrash.length, 'only the chunks without an answer were sent again');
    assert.equal(job.result.metadata.chunks.length, plan.length);
    assert.ok(Math.abs(job.result.metadata.duration - long.seconds) < 0.01);
    const transcripts = await t.parts.db.selectFrom('transcripts').selectAll().where('job_id', '=', id).execute();
    assert.equal(transcripts.length, 1);
    second.child.kill('SIGTERM');
  });

  test('a worker killed while stitching: another worker stitches the answer within the heartbeat timeout, not after the ten minutes a stitch may take', { timeout: 180_000 }, async () => {
    t.parts.emulator.clearFaults();
    const dying = await startWorkerProcess();

    // The test holds the transcripts table (nothing before the stitch reads it), so the stitch waits there, mid-attempt.
    const holder = new pg.Client({ connectionString: t.parts.databaseUrl });
    await holder.connect();
    t.defer(() => holder.end().catch(() => undefined));
    const long = await longRecording([t.audio('spacewalk.wav'), t.audio('preamble-16k.wav'), t.audio('Bueller-Life-moves-pretty-fast.wav')], { pauseSeconds: 1.5, minSeconds: 100 });
    const res = await fetch(t.stack.url('/v1/transcriptions?mode=async'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: long.wav });
    assert.equal(res.status, 202);
    const { id } = (await res.json()) as { id: string };
    // Taken while the worker still cuts the file (seconds), long before the chunks are answered.
    await holder.query('begin');
    await holder.query('lock table transcripts in access exclusive mode');
    assert.equal((await t.parts.db.selectFrom('job_chunks').select('status').where('job_id', '=', id).where('status', '=', 'completed').execute()).length, 0, 'no chunk answered yet');
    const stitchWaiting = async () =>
      Number((await holder.query<{ n: string }>(`select count(*) as n from pg_locks where relation = 'transcripts'::regclass and not granted`)).rows[0]!.n) > 0;
    const deadline = Date.now() + 90_000;
    while (!(await stitchWaiting()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(await stitchWaiting(), 'the stitch started and waits on the table');
    dying.child.kill('SIGKILL');
    await dying.exited;
    const killedAt = Date.now();
    await holder.query('commit');

    const second = await startWorkerProcess();
    const job = await waitForJob(t.stack, id, 45_000 - (Date.now() - killedAt));
    assert.equal(job.status, 'completed', `completed within 45 s of the crash (a lost attempt may otherwise run ten minutes): ${JSON.stringify(job.error)}`);
    assert.ok(Math.abs(job.result.metadata.duration - long.seconds) < 0.01);
    const transcripts = await t.parts.db.selectFrom('transcripts').selectAll().where('job_id', '=', id).execute();
    assert.equal(transcripts.length, 1);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
