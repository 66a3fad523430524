import { createDb, isDatabaseReachable } from '../db/database.js';
import { startBatchWorker } from '../runtime/batch-worker.js';
import { startStatusServer } from '../runtime/status-server.js';
import { createMetrics } from '../observability/metrics.js';
import { installTemporalRuntime } from '../observability/temporal-runtime.js';
import { createTracing } from '../observability/tracing.js';
import { loadWorkflowBundle } from '../runtime/workflow-code.js';
import { bootstrap, deepgramTarget, fail, onShutdown, requirePayloadKeys } from './bootstrap.js';

const { config, logger } = bootstrap('worker');
installTemporalRuntime(logger, { prometheusPort: config.metrics.temporalSdkPort });
if (!config.db.url) fail('npm run worker needs DATABASE_URL: the embedded database is only for `npm start`, which runs everything in one process.');
if (!config.temporal.address) fail('npm run worker needs TEMPORAL_ADDRESS: the embedded Temporal dev server is only for `npm start`.');
requirePayloadKeys(config, 'worker');
const deepgram = deepgramTarget(config);
if (!deepgram) fail('npm run worker needs DEEPGRAM_API_KEY (Deepgram) or DEEPGRAM_API_URL (self-hosted Deepgram or `npm run emulator`).');

const { db, migrate } = await createDb({ url: config.db.url, dataDir: config.dataDir, timeouts: config.db.timeouts });
await migrate();
const metrics = createMetrics();
const tracing = await createTracing({ settings: config.tracing, serviceName: 'transcription-worker', logger });
const workflowBundle = await loadWorkflowBundle(config.temporal.workflowBundlePath, { tracing: tracing !== undefined });
const worker = await startBatchWorker({ config, temporalAddress: config.temporal.address, temporalSecurity: config.temporal, db, deepgram, metrics, logger, tracing, workflowBundle, shutdownGraceMs: config.http.shutdownGraceMs });
let shuttingDown = false;
const statusServer = await startStatusServer({
  metrics,
  port: config.metrics.port,
  shuttingDown: () => shuttingDown,
  host: config.http.host,
  readiness: async () => ({ checks: { temporal_workers: worker.running(), database: await isDatabaseReachable(db) } }),
});
logger.info(
  { taskQueue: config.temporal.taskQueue, deepgram: deepgram.apiUrls, metrics: `${statusServer.url}/metrics`, ready: `${statusServer.url}/ready`, temporalSdkMetricsPort: config.metrics.temporalSdkPort },
  'batch worker running',
);

worker.done.catch((err) => {
  logger.error({ err }, 'worker crashed');
  process.exit(1);
});
onShutdown(logger, async () => {
  shuttingDown = true;
  // Temporal's graceful shutdown: stop polling, let running activities finish within the grace period.
  await worker.stop();
  await tracing?.shutdown();
  await statusServer.close();
  await db.destroy();
});
