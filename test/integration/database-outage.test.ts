import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDb, type Db } from '../../src/db/database.js';
import { startMediaServer, type MediaServer } from '../helpers/media-server.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startSharedParts } from '../helpers/shared-parts.js';
import { getJson, postJson, startStack, untilDeepgramBusy, waitForJob, type SharedParts, type Stack } from '../helpers/stack.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * The API and the batch worker reach the real PostgreSQL through a TCP relay the test can cut, as a database
 * failover or a network partition would. Nothing may answer 500, and no accepted job may be lost.
 */
describe('PostgreSQL goes away and comes back', () => {
  let shared: Awaited<ReturnType<typeof startSharedParts>>;
  let parts: SharedParts;
  let proxy: TcpProxy;
  let proxiedDb: Db;
  let stack: Stack;
  let media: MediaServer;

  before(async () => {
    shared = await startSharedParts();
    parts = shared.parts;
    media = await startMediaServer(AUDIO_DIR);
    parts.emulator.registerTranscript(await readFile(path.join(AUDIO_DIR, 'testing-websocket.wav')), 'testing one two three');
    const direct = new URL(parts.databaseUrl);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(parts.databaseUrl);
    proxied.port = String(proxy.port);
    proxiedDb = (await createDb({ url: proxied.toString(), dataDir: '.test-data' })).db;
    stack = await startStack({ ...parts, db: proxiedDb, databaseUrl: proxied.toString() }, { env: { DEEPGRAM_HEARTBEAT_TIMEOUT_MS: '3000' } });
  });
  after(async () => {
    await proxy?.restore().catch(() => undefined);
    await stack?.stop();
    await proxiedDb?.destroy();
    await proxy?.close();
    await media?.close();
    await shared?.stop();
  });

  test('mid-job: clear 503s while it is gone, and the job in flight completes once it is back, stored once', { timeout: 90_000 }, async () => {
    const url = media.file('testing-websocket.wav');
    // Deepgram is slow for the first call, so the job is mid-flight when the database disappears.
    parts.emulator.injectFault({ latencyMs: 2_000 });
    const inFlight = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'async' });
    assert.equal(inFlight.status, 202);
    await untilDeepgramBusy(parts.emulator);

    await proxy.cut();
    const ready = await getJson(stack.url('/ready'));
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.database, false, 'readiness names the database');
    const refused = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'async' });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'service_unavailable');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const read = await getJson(stack.url(`/v1/transcriptions/${inFlight.body.id}`));
    assert.equal(read.status, 503, JSON.stringify(read.body));
    assert.equal(read.body.error.code, 'service_unavailable');
    const list = await getJson(stack.url('/v1/transcriptions'));
    assert.equal(list.status, 503, JSON.stringify(list.body));

    // Deepgram answers meanwhile; storing its response fails and the job waits for the database.
    await new Promise((r) => setTimeout(r, 4_000));
    await proxy.restore();

    const done = await waitForJob(stack, inFlight.body.id, 60_000);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.transcript, 'testing one two three');
    const rows = await parts.db.selectFrom('transcripts').selectAll().where('job_id', '=', inFlight.body.id).execute();
    assert.equal(rows.length, 1, 'stored exactly once');
    assert.equal((await getJson(stack.url('/ready'))).status, 200);
    const after = await postJson(stack.url('/v1/transcriptions'), { url, mode: 'sync' });
    assert.equal(after.status, 200, 'new work is accepted again');
  });
});
