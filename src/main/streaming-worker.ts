import { streamSourceFor } from '../runtime/stream-source.js';
import { createDb } from '../db/database.js';
import { createMetrics } from '../observability/metrics.js';
import { installTemporalRuntime } from '../observability/temporal-runtime.js';
import { createTracing } from '../observability/tracing.js';
import { startStreamingWorker } from '../runtime/streaming-worker.js';
import { liveRecordingsFor } from '../runtime/live-recordings.js';
import { loadWorkflowBundle } from '../runtime/workflow-code.js';
import { createTemporalClient } from '../temporal/client.js';
import { bootstrap, deepgramTarget, fail, failOnRefusal, onShutdown, requirePayloadKeys } from './bootstrap.js';

const { config, logger } = bootstrap('streaming-worker');
installTemporalRuntime(logger);
if (!config.db.url) fail('npm run streaming-worker needs DATABASE_URL: the embedded database is only for `npm start`, which runs everything in one process.');
if (!config.temporal.address) fail('npm run streaming-worker needs TEMPORAL_ADDRESS: the embedded Temporal dev server is only for `npm start`.');
requirePayloadKeys(config, 'streaming-worker');
const deepgram = deepgramTarget(config);
if (!deepgram) fail('npm run streaming-worker needs DEEPGRAM_API_KEY (Deepgram) or DEEPGRAM_API_URL (self-hosted Deepgram or `npm run emulator`).');

const { db, migrate } = await createDb({ url: config.db.url, dataDir: config.dataDir, timeouts: config.db.timeouts });
await migrate();
const tracing = await createTracing({ settings: config.tracing, serviceName: 'transcription-streaming-worker', logger });
const temporal = await createTemporalClient({ address: config.temporal.address, namespace: config.temporal.namespace, interceptors: tracing?.clientInterceptors, payloadKeys: config.temporal.payloadKeys, security: config.temporal });
const worker = await startStreamingWorker({
  live: config.live,
  apiKeys: config.auth.keys,
  host: config.http.host,
  allowUnauthenticated: config.auth.allowUnauthenticated,
  db,
  temporal: temporal.client,
  temporalAddress: config.temporal.address,
  temporalSecurity: config.temporal,
  namespace: config.temporal.namespace,
  payloadKeys: config.temporal.payloadKeys,
  // Live sockets fail over across the endpoints like prerecorded calls, with the same circuit settings.
  deepgram: { ...deepgram, failureThreshold: config.deepgram.circuit.failureThreshold, cooldownMs: config.deepgram.circuit.cooldownMs },
  logger,
  tracing,
  // Served at /metrics on STREAMING_PORT, beside /health and /ready.
  metrics: createMetrics(),
  recordings: await liveRecordingsFor(config, { db, temporal: temporal.client }),
  openSource: streamSourceFor(config),
  workflowBundle: await loadWorkflowBundle(config.temporal.workflowBundlePath, { tracing: tracing !== undefined }),
}).catch(failOnRefusal);
logger.info({ url: `${worker.url}/v1/listen`, relayTaskQueue: worker.relayTaskQueue, deepgram: deepgram.apiUrls }, 'streaming worker running');

worker.done.catch((err) => {
  logger.error({ err }, 'streaming worker crashed');
  process.exit(1);
});
onShutdown(logger, async () => {
  await worker.stop();
  await temporal.close();
  await tracing?.shutdown();
  await db.destroy();
});
