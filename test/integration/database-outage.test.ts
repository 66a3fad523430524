import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/database.js';
import { getJson, postJson, startStack, untilDeepgramBusy, waitForJob, type Stack } from '../helpers/stack.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

/**
 * The API and the batch worker reach the real PostgreSQL through a TCP relay the test can cut, as a database
 * failover or a network partition would. Nothing may answer 500, and no accepted job may be lost.
 */
describeWithStack('PostgreSQL goes away and comes back', { media: true, transcripts: { 'testing-websocket.wav': 'testing one two three' }, stack: false }, (t) => {
  let proxy: TcpProxy;
  let stack: Stack;

  before(async () => {
    const direct = new URL(t.parts.databaseUrl);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    t.defer(() => proxy.close());
    const proxied = new URL(t.parts.databaseUrl);
    proxied.port = String(proxy.port);
    // With the timeouts a deployment gets by default.
    const proxiedDb = (await createDb({ url: proxied.toString(), dataDir: '.test-data', timeouts: loadConfig({}).db.timeouts })).db;
    t.defer(() => proxiedDb.destroy());
    stack = await startStack({ ...t.parts, db: proxiedDb, databaseUrl: proxied.toString() }, { env: { DEEPGRAM_HEARTBEAT_TIMEOUT_MS: '3000' } });
    t.defer(async () => {
      await proxy.restore().catch(() => undefined);
      await stack.stop();
    });
  });

  test('mid-job: clear 503s while it is gone, and the job in flight completes once it is back, stored once', { timeout: 90_000 }, async () => {
    const url = t.media.file('testing-websocket.wav');
    // Deepgram is slow for the first call, so the job is mid-flight when the database disappears.
    t.parts.emulator.injectFault({ latencyMs: 2_000 });
    const inFlight = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'async' });
    assert.equal(inFlight.status, 202);
    await untilDeepgramBusy(t.parts.emulator);

    await proxy.cut();
    const ready = await getJson(stack.url('/ready'));
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.database, false, 'readiness names the database');
    const refused = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'async' });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'service_unavailable');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.doesNotMatch(refused.body.error.message, /ECONN|Connection terminated|timeout exceeded|127\.0\.0\.1/, 'no raw database error text reaches the client');
    const read = await getJson(stack.url(`/v1/transcriptions/${inFlight.body.id}`));
    assert.equal(read.status, 503, JSON.stringify(read.body));
    assert.equal(read.body.error.code, 'service_unavailable');
    const list = await getJson(stack.url('/v1/transcriptions'));
    assert.equal(list.status, 503, JSON.stringify(list.body));

    // Deepgram answers meanwhile; storing its response fails, and the activity holds the answer until the database is back.
    await new Promise((r) => setTimeout(r, 4_000));
    await proxy.restore();

    const done = await waitForJob(stack, inFlight.body.id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.transcript, 'testing one two three');
    const rows = await t.parts.db.selectFrom('transcripts').selectAll().where('job_id', '=', inFlight.body.id).execute();
    assert.equal(rows.length, 1, 'stored exactly once');
    const listens = t.parts.emulator.requests().filter((r) => r.method === 'POST' && r.path === '/v1/listen');
    assert.equal(listens.length, 1, 'Deepgram was asked (and billed) once: the answer was kept across the outage');
    assert.equal((await getJson(stack.url('/ready'))).status, 200);
    const after = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(after.status, 200, 'new work is accepted again');
  });

  test('black-holed: a database that stops answering (no error, no reset) gives 503 within 5 s, and service resumes after', { timeout: 60_000 }, async () => {
    const url = t.media.file('testing-websocket.wav');
    const job = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(job.status, 200, JSON.stringify(job.body));

    proxy.blackhole();
    for (const [what, request] of [
      ['read', () => getJson(stack.url(`/v1/transcriptions/${job.body.id}`))],
      ['list', () => getJson(stack.url('/v1/transcriptions'))],
      ['submit', () => postJson(stack.url('/v1/transcriptions'), { url, mode: 'async' })],
      ['ready', () => getJson(stack.url('/ready'))],
    ] as const) {
      const started = Date.now();
      const res = await request();
      const took = Date.now() - started;
      assert.equal(res.status, 503, `${what}: ${JSON.stringify(res.body)}`);
      assert.ok(took < 5_000, `${what} answered after ${took} ms`);
      if (what !== 'ready') assert.doesNotMatch(JSON.stringify(res.body), /timeout|Query read|127\.0\.0\.1/i, 'no raw database text');
    }

    await proxy.restore();
    const back = await getJson(stack.url(`/v1/transcriptions/${job.body.id}`));
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.status, 'completed');
  });
});
