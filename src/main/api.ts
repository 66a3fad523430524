import { createDb } from '../db/database.js';
import { createTracing } from '../observability/tracing.js';
import { startApiServer } from '../runtime/api-server.js';
import { createTemporalClient } from '../temporal/client.js';
import { bootstrap, fail, failOnRefusal, onShutdown, requirePayloadKeys } from './bootstrap.js';

const { config, logger } = bootstrap('api');
if (!config.db.url) fail('npm run api needs DATABASE_URL: the embedded database is only for `npm start`, which runs everything in one process.');
if (!config.temporal.address) fail('npm run api needs TEMPORAL_ADDRESS: the embedded Temporal dev server is only for `npm start`.');
requirePayloadKeys(config, 'api');

const { db, migrate } = await createDb({ url: config.db.url, dataDir: config.dataDir, timeouts: config.db.timeouts });
await migrate();
const tracing = await createTracing({ settings: config.tracing, serviceName: 'transcription-api', logger });
const temporal = await createTemporalClient({ address: config.temporal.address, namespace: config.temporal.namespace, interceptors: tracing?.clientInterceptors, payloadKeys: config.temporal.payloadKeys, security: config.temporal });
const api = await startApiServer({ config, db, temporal: temporal.client, logger, temporalUiUrl: config.temporal.uiUrl, tracing }).catch(failOnRefusal);
logger.info({ url: api.url }, 'API listening');

onShutdown(logger, async () => {
  await api.close();
  await temporal.close();
  await tracing?.shutdown();
  await db.destroy();
});
