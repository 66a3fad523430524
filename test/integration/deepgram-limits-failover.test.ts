import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { startBatchWorker } from '../../src/runtime/batch-worker.js';
import { loadConfig } from '../../src/config.js';
import { silentWav } from '../helpers/audio.js';
import { EMULATOR_KEY, getJson, postJson, stackEnv, startStack, waitForJob } from '../helpers/stack.js';
import { workflowBundle } from '../helpers/temporal.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

describeWithStack('Deepgram limits across workers, and endpoint failover', { media: true, stack: false }, (t) => {
  let n = 0;
  const clip = () => t.media.put(`clip-${++n}.wav`, silentWav(2 + (n % 3)));

  test('two workers with DEEPGRAM_MAX_CONCURRENT=4: Deepgram never sees more than 4 calls at once, and every job finishes', { timeout: 90_000 }, async () => {
    // Each worker alone would run up to 4: only the shared cap keeps the two together at 4.
    const env = { DEEPGRAM_MAX_CONCURRENT: '4' };
    const stack = await startStack(t.parts, { env });
    const second = await startBatchWorker({
      config: loadConfig(stackEnv(t.parts, { ...env, TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue })),
      temporalAddress: t.parts.temporal.address,
      db: t.parts.db,
      deepgram: { apiUrls: [t.parts.emulator.url], apiKey: EMULATOR_KEY },
      workflowBundle: await workflowBundle(),
      shutdownGraceMs: 1_000,
    });
    try {
      t.parts.emulator.reset();
      t.parts.emulator.injectFault({ latencyMs: 600, times: Infinity });
      const jobs = await Promise.all(Array.from({ length: 14 }, () => postJson(stack.url('/v1/transcriptions'), { url: clip(), mode: 'async' })));
      const done = await Promise.all(jobs.map((j) => waitForJob(stack, j.body.id, 60_000)));
      assert.ok(done.every((d) => d.status === 'completed'));
      const { maxInFlight } = t.parts.emulator.stats();
      assert.ok(maxInFlight <= 4, `Deepgram saw ${maxInFlight} concurrent calls`);
      assert.equal(maxInFlight, 4, 'the cap is used in full');
      const held = await t.parts.db.selectFrom('deepgram_call_slots').select('holder').execute();
      assert.ok(held.length <= 4, `at most 4 places held between calls (${held.length})`);
    } finally {
      t.parts.emulator.clearFaults();
      await second.stop();
      await stack.stop();
    }
  });

  test('DEEPGRAM_MAX_REQUESTS_PER_MINUTE spaces calls out instead of surfacing 429s', { timeout: 60_000 }, async () => {
    const stack = await startStack(t.parts, { env: { DEEPGRAM_MAX_REQUESTS_PER_MINUTE: '60' } });
    try {
      t.parts.emulator.reset();
      const jobs = await Promise.all(Array.from({ length: 5 }, () => postJson(stack.url('/v1/transcriptions'), { url: clip(), mode: 'async' })));
      await Promise.all(jobs.map((j) => waitForJob(stack, j.body.id, 30_000)));
      const starts = t.parts.emulator.requests().filter((r) => r.kind === 'rest').map((r) => r.startedAt).sort((a, b) => a - b);
      assert.equal(starts.length, 5);
      // Temporal's task-queue limiter lets a burst of two through, then one a second.
      assert.ok(starts.at(-1)! - starts[1]! >= 2_700, `after the first two, 3 calls at 1/s took ${starts.at(-1)! - starts[1]!} ms`);
    } finally {
      await stack.stop();
    }
  });

  test('failover: the primary dies → calls go to the secondary; all down → sync 503, async waits and resumes', { timeout: 90_000 }, async () => {
    let primary: DeepgramEmulator = await startDeepgramEmulator({ apiKey: EMULATOR_KEY });
    let secondary: DeepgramEmulator | undefined = await startDeepgramEmulator({ apiKey: EMULATOR_KEY });
    const primaryPort = primary.port;
    const stack = await startStack(t.parts, {
      env: {
        DEEPGRAM_API_URL: `${primary.url},${secondary.url}`,
        DEEPGRAM_CIRCUIT_FAILURES: '1',
        DEEPGRAM_CIRCUIT_COOLDOWN_MS: '1500',
        DEEPGRAM_HEALTH_INTERVAL_MS: '300',
      },
    });
    try {
      const first = await postJson(stack.url('/v1/transcriptions'), { url: clip(), mode: 'sync' });
      assert.equal(first.status, 200);
      assert.equal(primary.requests().length, 1, 'the primary serves while healthy');

      await primary.close();
      const second = await postJson(stack.url('/v1/transcriptions'), { url: clip(), mode: 'sync' });
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.equal(secondary.requests().length, 1, 'the secondary took over');

      await secondary.close();
      secondary = undefined;
      await new Promise((r) => setTimeout(r, 700)); // the API's health probe notices
      const refused = await postJson(stack.url('/v1/transcriptions'), { url: clip(), mode: 'sync' });
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error.code, 'deepgram_unavailable');
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      // The drop-in answers in Deepgram's shape, with a status-appropriate code and the same Retry-After.
      const dropIn = await fetch(stack.url('/v1/listen'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Token ${EMULATOR_KEY}` }, body: JSON.stringify({ url: clip() }) });
      const dropInBody = (await dropIn.json()) as { err_code: string; err_msg: string };
      assert.equal(dropIn.status, 503);
      assert.equal(dropInBody.err_code, 'DEEPGRAM_UNAVAILABLE');
      assert.ok(Number(dropIn.headers.get('retry-after')) > 0, 'Retry-After kept on the drop-in route');
      const ready = await getJson(stack.url('/ready'));
      assert.equal(ready.status, 503);
      assert.equal(ready.body.checks.deepgram, false);

      const waiting = await postJson(stack.url('/v1/transcriptions'), { url: clip(), mode: 'async' });
      assert.equal(waiting.status, 202);
      await new Promise((r) => setTimeout(r, 5_000));
      const during = await getJson(stack.url(`/v1/transcriptions/${waiting.body.id}`));
      assert.equal(during.body.status, 'processing', 'the job waits instead of failing');

      primary = await startDeepgramEmulator({ apiKey: EMULATOR_KEY, port: primaryPort });
      const done = await waitForJob(stack, waiting.body.id, 30_000);
      assert.equal(done.status, 'completed');
      assert.equal(primary.requests().length, 1);
    } finally {
      await stack.stop();
      await primary.close().catch(() => undefined);
      await secondary?.close();
    }
  });

  test('per-client rate limit shared by two API replicas: 429 with Retry-After once the budget is spent on either', async () => {
    const first = await startStack(t.parts, { worker: false, env: { RATE_LIMIT_PER_MINUTE: '3' } });
    const second = await startStack(t.parts, { worker: false, env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      await t.parts.db.deleteFrom('rate_limits').execute();
      const replicas = [first, second, first, second];
      const statuses = [];
      for (const replica of replicas) statuses.push((await getJson(replica.url('/v1/transcriptions?limit=1'))).status);
      assert.deepEqual(statuses, [200, 200, 200, 429], 'three requests a minute in all, not three per replica');
      const limited = await getJson(first.url('/v1/transcriptions'));
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 20, `Retry-After ${retryAfter}: one request's spacing (20 s) at most`);
      assert.equal((await getJson(second.url('/health'))).status, 200, 'health checks are not limited');
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  test('RATE_LIMIT_STORE=memory keeps budgets per replica', async () => {
    const env = { RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_STORE: 'memory' };
    const first = await startStack(t.parts, { worker: false, env });
    const second = await startStack(t.parts, { worker: false, env });
    try {
      const statuses = [];
      for (const replica of [first, first, first, second, second, second]) statuses.push((await getJson(replica.url('/v1/transcriptions?limit=1'))).status);
      assert.deepEqual(statuses, [200, 200, 429, 200, 200, 429]);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
