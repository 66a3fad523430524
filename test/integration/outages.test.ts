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
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort, getJson, postJson } from '../helpers/stack.js';

/** When a dependency is down the API says so clearly (503 + Retry-After) instead of a 500 or a lost job. */
describe('dependency outages', () => {
  let temporalServer: DevServer;
  let temporal: Awaited<ReturnType<typeof createTemporalClient>>;
  let database: TestDatabase;
  let emulator: DeepgramEmulator;
  let api: ApiServer;

  before(async () => {
    const cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, process.env.PATH);
    assert.ok(cli, 'the Temporal CLI is installed');
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
});
