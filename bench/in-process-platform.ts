import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { startApiServer } from '../src/runtime/api-server.js';
import { startBatchWorker } from '../src/runtime/batch-worker.js';
import { createTemporalClient } from '../src/temporal/client.js';
import { createTestDatabase } from '../test/helpers/database.js';
import { TEST_PAYLOAD_KEYS_ENV } from '../test/helpers/payload-keys.js';
import { stopInOrder } from './stats.js';

/**
 * The API and a batch worker in this process, as `npm start` runs them (one Temporal connection), over a throwaway
 * database: for benchmarks that drive many jobs. `env` holds the settings a benchmark changes (caps, rate limits, keys).
 */
export async function startInProcessPlatform(options: { temporalAddress: string; deepgramUrl: string; deepgramKey: string; taskQueue: string; env?: Record<string, string> }) {
  const database = await createTestDatabase();
  const config = loadConfig({
    PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_ENV,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    DEEPGRAM_API_URL: options.deepgramUrl,
    DEEPGRAM_API_KEY: options.deepgramKey,
    ALLOW_PRIVATE_URLS: 'true',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const worker = await startBatchWorker({ config, temporalAddress: options.temporalAddress, db: database.db, deepgram: { apiUrls: [options.deepgramUrl], apiKey: options.deepgramKey } });
  // As under `npm start`: the API shares the worker's connection (and may start sync jobs eagerly).
  const temporal = await createTemporalClient({ address: options.temporalAddress, namespace: config.temporal.namespace, payloadKeys: config.temporal.payloadKeys, workerConnection: worker.connection });
  const api = await startApiServer({ config, db: database.db, temporal: temporal.client, eagerWorkflowStart: temporal.eagerStart, logger: createLogger({ level: 'silent' }) });
  return {
    apiUrl: api.url,
    db: database.db,
    stop: () => stopInOrder(api, temporal, worker, database),
  };
}
