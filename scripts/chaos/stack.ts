/**
 * The project as separate processes on this machine, every one of its own: a throwaway PostgreSQL, the Temporal dev
 * server on a SQLite file, the Deepgram emulator (synthetic words: the local speech engine would only burn CPU
 * here), the API, two batch workers and a streaming worker.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { bundleWorkflows } from '../../src/runtime/workflow-code.js';
import { findTemporalCli, INSTALL_CLI_HINT } from '../../src/temporal/cli-path.js';
import { DEV_SERVER_SQLITE_PRAGMAS, startTemporalDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { freePort } from '../../src/runtime/free-port.js';
import { Part } from './processes.js';
import { startChaosPostgres, type ChaosPostgres } from './postgres.js';

export interface ChaosStack {
  postgres: ChaosPostgres;
  temporal: { server: DevServer | undefined; restart(): Promise<void>; kill(): Promise<void> };
  emulatorUrl: string;
  apiUrl: string;
  streamingUrl: string;
  webhookSecret: string;
  api: Part;
  batchWorkers: Part[];
  streamingWorker: Part;
  emulator: Part;
  parts: Part[];
  stop(): Promise<void>;
}

const EMULATOR_KEY = 'chaos-emulator-key';

export async function startChaosStack(logDir: string, log: (line: string) => void): Promise<ChaosStack> {
  const cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, process.env.PATH);
  if (!cli) throw new Error(`No Temporal CLI. ${INSTALL_CLI_HINT}`);
  const postgres = await startChaosPostgres();
  log(`PostgreSQL (own cluster) at 127.0.0.1:${postgres.port}`);

  const temporalPort = await freePort();
  // A file that outlives the server process (what a SIGKILL tests), in memory where the machine has /dev/shm: on a
  // busy disk every Temporal write waiting on fsync makes the server the bottleneck of the whole run.
  const dbDir = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/chaos-temporal-') : logDir;
  const dbFile = path.join(dbDir, 'temporal.sqlite');
  const temporalLog = createWriteStream(path.join(logDir, 'temporal.log'), { flags: 'a' });
  const startTemporal = () =>
    startTemporalDevServer({
      cliPath: cli,
      port: temporalPort,
      uiPort: 0,
      headless: true,
      namespace: 'default',
      dbFile,
      sqlitePragmas: DEV_SERVER_SQLITE_PRAGMAS,
      readyTimeoutMs: 120_000,
      onLog: (line) => temporalLog.write(`${line}\n`),
    });
  const temporal: ChaosStack['temporal'] = {
    server: await startTemporal(),
    async restart() {
      this.server = await startTemporal();
    },
    async kill() {
      await this.server?.kill();
      this.server = undefined;
    },
  };
  log(`Temporal dev server at 127.0.0.1:${temporalPort} (SQLite ${dbFile})`);

  const [emulatorPort, apiPort, streamingPort] = [await freePort(), await freePort(), await freePort()];
  const emulator = new Part(
    { name: 'emulator', entry: 'src/main/emulator.ts', readyWhen: 'Deepgram emulator listening', env: { EMULATOR_PORT: String(emulatorPort), EMULATOR_API_KEY: EMULATOR_KEY, EMULATOR_ENGINE: 'synthetic', LOG_LEVEL: 'warn' } },
    logDir,
  );
  await emulator.start();
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;

  // Built once: worker processes restarted every few seconds load it instead of bundling (seconds of CPU each).
  const workflowBundle = path.join(logDir, 'workflows.js');
  await writeFile(workflowBundle, (await bundleWorkflows({ tracing: false, logger: new DefaultLogger('WARN') })).code);

  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    DEEPGRAM_API_URL: emulatorUrl,
    DEEPGRAM_API_KEY: EMULATOR_KEY,
    // A killed worker's Deepgram call is retried elsewhere after this (default 30 s).
    DEEPGRAM_HEARTBEAT_TIMEOUT_MS: '5000',
    DEEPGRAM_RETRY_INITIAL_INTERVAL_MS: '500',
    // The webhook receiver listens on 127.0.0.1.
    ALLOW_PRIVATE_URLS: 'true',
    WEBHOOK_SECRET: webhookSecret,
    // Every process encrypts Temporal payloads with the same key, as a deployment does.
    PAYLOAD_ENCRYPTION_KEYS: `chaos:${randomBytes(32).toString('base64')}`,
    WEBHOOK_RETRY_INITIAL_INTERVAL_MS: '500',
    WEBHOOK_RETRY_MAX_INTERVAL_MS: '5000',
    RATE_LIMIT_PER_MINUTE: '0',
    // A killed streaming worker's relays are presumed dead after this, so clients can resume (default 10 s).
    LIVE_HEARTBEAT_TIMEOUT_MS: '3000',
    // One streaming worker, restarted in place: on a busy machine its restart can outlast the default 30 s window
    // (a deployment has other streaming workers to resume on at once).
    LIVE_RESUME_WINDOW_MS: '120000',
    SHUTDOWN_GRACE_MS: '5000',
    WORKFLOW_BUNDLE_PATH: workflowBundle,
    LOG_LEVEL: 'info',
  };
  const api = new Part({ name: 'api', entry: 'src/main/api.ts', readyWhen: 'API listening', env: { ...env, PORT: String(apiPort) } }, logDir);
  const batchWorkers = [1, 2].map(
    (n) =>
      new Part(
        { name: `worker-${n}`, entry: 'src/main/worker.ts', readyWhen: 'batch worker running', env: { ...env, METRICS_PORT: '0', TEMPORAL_SDK_METRICS_PORT: '0' } },
        logDir,
      ),
  );
  const streamingWorker = new Part(
    { name: 'streaming-worker', entry: 'src/main/streaming-worker.ts', readyWhen: 'streaming worker running', env: { ...env, STREAMING_PORT: String(streamingPort) } },
    logDir,
  );
  // The API first: it migrates the database, which the workers would otherwise race to do.
  await api.start();
  await Promise.all([...batchWorkers, streamingWorker].map((p) => p.start()));
  const parts = [emulator, api, ...batchWorkers, streamingWorker];
  return {
    postgres,
    temporal,
    emulatorUrl,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    streamingUrl: `ws://127.0.0.1:${streamingPort}`,
    webhookSecret,
    api,
    batchWorkers,
    streamingWorker,
    emulator,
    parts,
    async stop() {
      await Promise.all(parts.map((p) => p.stop()));
      await Promise.all(parts.map((p) => p.closeLog()));
      await temporal.server?.stop();
      temporalLog.end();
      if (dbDir !== logDir) await rm(dbDir, { recursive: true, force: true });
      await postgres.destroy();
    },
  };
}
