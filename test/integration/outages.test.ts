import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { startApiServer, type ApiServer } from '../../src/runtime/api-server.js';
import { findTemporalCli } from '../../src/temporal/cli-path.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { TEST_PAYLOAD_KEYS, TEST_PAYLOAD_KEYS_ENV } from '../helpers/payload-keys.js';
import { startTemporalDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { insertJob, markJobCompleted, markJobFailed, markJobProcessing, markJobRouted, NOT_STARTED } from '../../src/db/repositories/jobs.repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort, getJson, postJson } from '../helpers/stack.js';
import { payloadTexts } from '../helpers/history-payloads.js';

/** When a dependency is down the API says so clearly (503 + Retry-After) instead of a 500 or a lost job. */
describe('dependency outages', () => {
  let temporalServer: DevServer;
  let cliPath: string;
  let temporal: Awaited<ReturnType<typeof createTemporalClient>>;
  let database: TestDatabase;
  let emulator: DeepgramEmulator;
  let api: ApiServer;

  before(async () => {
    const cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, process.env.PATH);
    assert.ok(cli, 'the Temporal CLI is installed');
    cliPath = cli;
    // A server of its own, because this test stops it.
    temporalServer = await startTemporalDevServer({ cliPath: cli, port: await freePort(), uiPort: 0, headless: true, namespace: 'default' });
    temporal = await createTemporalClient({ address: temporalServer.address, namespace: 'default', payloadKeys: TEST_PAYLOAD_KEYS });
    database = await createTestDatabase();
    emulator = await startDeepgramEmulator({ apiKey: 'k' });
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporalServer.address,
      DEEPGRAM_API_URL: emulator.url,
      LOG_LEVEL: 'silent',
      PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_ENV,
    });
    api = await startApiServer({ config, db: database.db, temporal: temporal.client, logger: createLogger({ level: 'silent' }) });
  });
  after(async () => {
    await api?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await emulator?.close();
    await database?.drop();
  });

  /** Whether a job's workflow exists, or a dispatcher that will start it has the job in its input. */
  async function handedToTemporal(jobId: string): Promise<boolean> {
    if (await temporal.client.workflow.getHandle(jobId).describe().then(() => true, () => false)) return true;
    for await (const execution of temporal.client.workflow.list({ query: "WorkflowType = 'transcriptionBatch'" })) {
      const payloads = await payloadTexts(await temporal.client.workflow.getHandle(execution.workflowId).fetchHistory());
      if (payloads.some((p) => p.includes(jobId))) return true;
    }
    return false;
  }

  test('Temporal down: /ready is 503 naming it, and a submit is 503 with Retry-After, recorded as not started', async () => {
    await temporalServer.stop();
    const ready = await getJson(`${api.url}/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body.checks, { database: true, temporal: false, deepgram: true });

    const res = await postJson(`${api.url}/v1/transcriptions`, { url: 'https://8.8.8.8/a.wav', mode: 'async' });
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'service_unavailable');
    assert.equal(res.headers.get('retry-after'), '5');
    const rows = await database.db.selectFrom('jobs').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'failed');
    assert.equal(rows[0]!.error?.code, 'not_started');
  });

  test('a job recorded as not started whose start landed after all (it timed out on our side) is moved on by its workflow', async () => {
    const source = { kind: 'url' as const, url: 'https://8.8.8.8/c.wav' };
    await insertJob(database.db, { id: 'job-landed', tenantId: 'default', requestedMode: 'async', source, options: {} });
    await markJobFailed(database.db, 'job-landed', { code: NOT_STARTED, message: 'The workflow engine did not accept the job' }, null);
    const row = () => database.db.selectFrom('jobs').selectAll().where('id', '=', 'job-landed').executeTakeFirstOrThrow();
    await markJobRouted(database.db, 'job-landed', { mode: 'async', durationSeconds: 4 });
    assert.deepEqual([(await row()).status, (await row()).error, (await row()).completed_at], ['queued', null, null]);
    await markJobProcessing(database.db, 'job-landed');
    await markJobCompleted(database.db, 'job-landed', { deepgramRequestId: 'dg-1', durationSeconds: 4 });
    const done = await row();
    assert.equal(done.status, 'completed');
    assert.equal(done.error, null);
    // A real failure is final: a late step of its workflow does not revive it.
    await markJobFailed(database.db, 'job-landed', { code: 'deepgram_rejected', message: 'no' }, null);
    assert.equal((await row()).status, 'completed');
  });

  test('the retry the 503 asks for (same Idempotency-Key) starts that same job once Temporal is back', async () => {
    const request = { url: 'https://8.8.8.8/b.wav', mode: 'async' };
    const headers = { 'idempotency-key': 'retry-after-temporal-outage' };
    const refused = await postJson(`${api.url}/v1/transcriptions`, request, headers);
    assert.equal(refused.status, 503);

    const port = Number(temporalServer.address.split(':').at(-1));
    temporalServer = await startTemporalDevServer({ cliPath, port, uiPort: 0, headless: true, namespace: 'default' });
    const retried = await postJson(`${api.url}/v1/transcriptions`, request, headers);
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    assert.equal(retried.headers.get('idempotent-replayed'), 'true');
    const rows = await database.db.selectFrom('jobs').selectAll().where('idempotency_key', '=', headers['idempotency-key']).execute();
    assert.equal(rows.length, 1, 'one job for the key');
    assert.equal(retried.body.id, rows[0]!.id);
    assert.notEqual(rows[0]!.status, 'failed');
    assert.equal(rows[0]!.error, null);
    // Handed to Temporal: an async job's start may be shared (a dispatcher starts its workflow; no worker runs here).
    assert.ok(await handedToTemporal(rows[0]!.id), 'its start landed');
  });

  test('a batch while Temporal is down: 503 for the whole batch, its jobs recorded as not started; the same batch again (same keys) starts those same jobs', async () => {
    await temporalServer.stop();
    const items = ['d', 'e'].map((n) => ({ url: `https://8.8.8.8/${n}.wav`, mode: 'async', idempotency_key: `batch-outage-${n}` }));
    const refused = await postJson(`${api.url}/v1/transcriptions/batch`, { items });
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'service_unavailable');
    assert.equal(refused.headers.get('retry-after'), '5');
    const rows = () => database.db.selectFrom('jobs').selectAll().where('idempotency_key', 'in', ['batch-outage-d', 'batch-outage-e']).orderBy('idempotency_key').execute();
    assert.deepEqual((await rows()).map((r) => [r.status, r.error?.code]), [['failed', 'not_started'], ['failed', 'not_started']]);

    const port = Number(temporalServer.address.split(':').at(-1));
    temporalServer = await startTemporalDevServer({ cliPath, port, uiPort: 0, headless: true, namespace: 'default' });
    const retried = await postJson(`${api.url}/v1/transcriptions/batch`, { items });
    assert.equal(retried.status, 207, JSON.stringify(retried.body));
    const jobs = await rows();
    assert.deepEqual(retried.body.items.map((i: any) => [i.status, i.replayed, i.job.id, i.job.status]), jobs.map((r) => [202, true, r.id, 'queued']));
    assert.deepEqual(jobs.map((r) => [r.status, r.error]), [['queued', null], ['queued', null]]);
    // Handed to Temporal: the batch's dispatcher (no worker runs here to start each job's own workflow) holds both jobs.
    const dispatcher = temporal.client.workflow.getHandle(`batch-${retried.body.batch_id}`);
    assert.equal((await dispatcher.describe()).status.name, 'RUNNING');
    for (const job of jobs) assert.ok(await handedToTemporal(job.id), `job ${job.id} is in the dispatcher's input`);
  });
});
