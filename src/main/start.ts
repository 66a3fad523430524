import { streamSourceFor } from '../runtime/stream-source.js';
import { liveRecordingsFor } from '../runtime/live-recordings.js';
import { spawnSync } from 'node:child_process';
import { DefaultLogger } from '@temporalio/worker';
import path from 'node:path';
import type { Config } from '../config.js';
import { createDb } from '../db/database.js';
import { CODEC_PATH } from '../http/routes/codec.js';
import { startDeepgramEmulator, type DeepgramEmulator } from '../emulator/index.js';
import { startApiServer } from '../runtime/api-server.js';
import { OpenApiRefusedError } from '../runtime/exposure.js';
import { startBatchWorker } from '../runtime/batch-worker.js';
import { bundleWorkflows } from '../runtime/workflow-code.js';
import { startStreamingWorker } from '../runtime/streaming-worker.js';
import { findTemporalCli, INSTALL_CLI_HINT } from '../temporal/cli-path.js';
import { createTemporalClient } from '../temporal/client.js';
import { DEV_SERVER_SQLITE_PRAGMAS, startTemporalDevServer, type DevServer } from '../temporal/dev-server.js';
import { installTemporalRuntime } from '../observability/temporal-runtime.js';
import { createMetrics } from '../observability/metrics.js';
import { createTracing } from '../observability/tracing.js';
import { bootstrap, deepgramTarget, fail, onShutdown } from './bootstrap.js';
import { printBanner } from './banner.js';
import { chooseEmulatorEngine, describeEngine } from './emulator-engine.js';
import { localPayloadKeys } from './local-payload-key.js';

/**
 * `npm start`: the whole platform on one machine. Whatever is not configured is embedded:
 * Temporal dev server (SQLite under DATA_DIR), PGlite, and the Deepgram emulator.
 */
const { config: configured, logger } = bootstrap('start');
// Payloads are always encrypted: with no PAYLOAD_ENCRYPTION_KEYS, by a key made on the first start and kept in DATA_DIR.
const config: Config =
  configured.temporal.payloadKeys.length > 0
    ? configured
    : { ...configured, temporal: { ...configured.temporal, payloadKeys: await localPayloadKeys(configured.dataDir).catch((err: Error) => fail(err.message)) } };
installTemporalRuntime(logger, { prometheusPort: config.metrics.temporalSdkPort });
const stops: Array<() => Promise<void>> = [];
const stopAll = async () => {
  for (const stop of stops.reverse()) await stop().catch((err) => logger.error({ err }, 'error while stopping'));
};
onShutdown(logger, stopAll);

try {
  let temporalAddress = config.temporal.address;
  let temporalUiUrl = config.temporal.uiUrl;
  // The TLS settings are for the external cluster TEMPORAL_ADDRESS names, never for the embedded dev server.
  const temporalSecurity = config.temporal.address ? config.temporal : undefined;
  if (!temporalAddress) {
    const devServer = await startEmbeddedTemporal();
    stops.push(() => devServer.stop());
    temporalAddress = devServer.address;
    temporalUiUrl ??= devServer.uiUrl ?? undefined;
  }

  progress(config.db.url ? 'connecting to PostgreSQL ...' : 'opening the embedded PostgreSQL (PGlite) ...');
  const { db, describe: databaseDescription, migrate } = await createDb({ url: config.db.url, dataDir: config.dataDir, timeouts: config.db.timeouts });
  stops.push(() => db.destroy());
  await migrate();

  let deepgram = deepgramTarget(config);
  let emulator: DeepgramEmulator | undefined;
  let engineMissing: string | undefined;
  if (!deepgram) {
    const choice = await chooseEmulatorEngine(config, { installIfMissing: true });
    engineMissing = choice.missing;
    progress(`no Deepgram key configured: starting the local Deepgram emulator (${describeEngine(choice.info)}) ...`);
    emulator = await startDeepgramEmulator({
      port: config.emulator.port,
      host: '127.0.0.1',
      apiKey: config.emulator.apiKey,
      ...choice.options,
    });
    stops.push(() => emulator!.close());
    deepgram = { apiUrls: [emulator.url], apiKey: config.emulator.apiKey };
  }

  // One provider per role, so spans say which part of this one process made them; shut down after the workers.
  const [apiTracing, workerTracing] = await Promise.all([
    createTracing({ settings: config.tracing, serviceName: 'transcription-api', logger }),
    createTracing({ settings: config.tracing, serviceName: 'transcription-worker', logger }),
  ]);
  stops.push(async () => {
    await apiTracing?.shutdown();
    await workerTracing?.shutdown();
  });

  progress('starting the batch worker (bundling workflows) ...');
  // One bundle for both workers (the batch worker and the streaming worker's session workflows).
  const workflowBundle = await bundleWorkflows({ tracing: workerTracing !== undefined, logger: new DefaultLogger('WARN') });
  const metrics = createMetrics();
  const worker = await startBatchWorker({ config, temporalAddress, temporalSecurity, db, deepgram, workflowBundle, metrics, logger, tracing: workerTracing, shutdownGraceMs: config.http.shutdownGraceMs });
  stops.push(() => worker.stop());
  worker.done.catch((err) => {
    logger.error({ err }, 'worker crashed');
    void stopAll().finally(() => process.exit(1));
  });

  // The API shares the worker's connection: a sync job's first workflow task comes back in its start (eager start).
  const temporal = await createTemporalClient({
    address: temporalAddress,
    namespace: config.temporal.namespace,
    interceptors: apiTracing?.clientInterceptors,
    payloadKeys: config.temporal.payloadKeys,
    workerConnection: worker.connection,
  });
  stops.push(() => temporal.close());
  const api = await startApiServer({ config, db, temporal: temporal.client, eagerWorkflowStart: temporal.eagerStart, logger, temporalUiUrl, deepgramUrls: deepgram.apiUrls, metrics, tracing: apiTracing, awaitsLiveEndpoint: true });
  stops.push(() => api.close());
  // Live streams share the API's port: ws://…/v1/listen next to POST /v1/listen, one base URL as with Deepgram.
  const streaming = await startStreamingWorker({
    live: config.live,
    apiKeys: config.auth.keys,
    keyCacheMs: config.auth.keyCacheMs,
    regions: config.regions,
    host: config.http.host,
    db,
    temporal: temporal.client,
    temporalAddress,
    temporalSecurity,
    namespace: config.temporal.namespace,
    payloadKeys: config.temporal.payloadKeys,
    // Live sockets fail over across the endpoints like prerecorded calls, with the same circuit settings.
    deepgram: { ...deepgram, failureThreshold: config.deepgram.circuit.failureThreshold, cooldownMs: config.deepgram.circuit.cooldownMs },
    logger,
    httpServer: api.httpServer,
    recordings: await liveRecordingsFor(config, { db, temporal: temporal.client }),
    openSource: streamSourceFor(config),
    workflowBundle,
    metrics,
    tracing: workerTracing,
  });
  stops.push(() => streaming.stop());
  api.liveEndpointAttached();
  streaming.done.catch((err) => {
    logger.error({ err }, 'streaming worker crashed');
    void stopAll().finally(() => process.exit(1));
  });

  printBanner({
    apiUrl: api.url,
    liveUrl: `${api.url.replace(/^http/, 'ws')}/v1/listen`,
    temporalAddress,
    temporalUiUrl,
    database: databaseDescription,
    deepgramUrl: deepgram.apiUrls.join(', '),
    emulated: emulator !== undefined,
    emulatorEngine: emulator?.engine ?? null,
    emulatorEngineMissing: engineMissing,
    temporalSdkMetricsUrl: `http://127.0.0.1:${config.metrics.temporalSdkPort}/metrics`,
    ...(config.auth.keys[0] ? { apiKeyName: config.auth.keys[0].name } : {}),
  });
} catch (err) {
  // A refusal is a message for the operator, not a crash with a stack trace.
  if (err instanceof OpenApiRefusedError) console.error(err.message);
  else logger.error({ err }, 'start-up failed');
  await stopAll();
  process.exit(1);
}

async function startEmbeddedTemporal(): Promise<DevServer> {
  let cli = await findTemporalCli(config.temporal.cliPath, process.env.PATH);
  if (!cli && !config.temporal.cliPath) {
    progress('Temporal CLI not found: installing the pinned version with `npm run setup` ...');
    const setup = spawnSync('bash', [path.resolve(import.meta.dirname, '../../scripts/setup-tools.sh'), 'temporal'], { stdio: 'inherit' });
    if (setup.status === 0) cli = await findTemporalCli(undefined, process.env.PATH);
  }
  if (!cli) fail(`Temporal CLI not found${config.temporal.cliPath ? ` at TEMPORAL_CLI_PATH=${config.temporal.cliPath}` : ''}. ${INSTALL_CLI_HINT}`);
  progress(`starting the Temporal dev server (${cli}) ...`);
  return startTemporalDevServer({
    cliPath: cli,
    port: config.temporal.devServerPort,
    uiPort: config.temporal.uiPort,
    dbFile: path.resolve(config.dataDir, 'temporal.sqlite'),
    sqlitePragmas: DEV_SERVER_SQLITE_PRAGMAS,
    namespace: config.temporal.namespace,
    // The UI shows payloads through the API's codec endpoint (open under the default open API; else the admin key).
    ...(config.http.port > 0 ? { uiCodecEndpoint: `http://${browsable(config.http.host)}:${config.http.port}${CODEC_PATH}` } : {}),
  });
}

/** The address a browser on this machine uses for a server bound to `host`. */
function browsable(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function progress(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}
