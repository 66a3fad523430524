import { createMetrics } from '../../src/observability/metrics.js';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import type { DeepgramEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Tracing } from '../../src/observability/tracing.js';
import { startApiServer, type ApiServer } from '../../src/runtime/api-server.js';
import { encryptedDataConverter } from '../../src/temporal/encryption-codec.js';
import { startBatchWorker, type RunningWorker } from '../../src/runtime/batch-worker.js';
import { TEST_PAYLOAD_KEYS_ENV } from './payload-keys.js';
import { workflowBundle } from './temporal.js';

export interface SharedParts {
  temporal: TestWorkflowEnvironment;
  db: Db;
  databaseUrl: string;
  emulator: DeepgramEmulator;
}

export interface Stack {
  config: Config;
  api: ApiServer;
  worker?: RunningWorker;
  /** Absolute URL of an API path. */
  url(path: string): string;
  stop(): Promise<void>;
}

export const EMULATOR_KEY = 'emulator-key';

/** The environment a deployment would set, pointed at this test's real parts. */
export function stackEnv(parts: SharedParts, env: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: parts.databaseUrl,
    TEMPORAL_ADDRESS: parts.temporal.address,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(5).toString('hex')}`,
    DEEPGRAM_API_URL: parts.emulator.url,
    DEEPGRAM_API_KEY: EMULATOR_KEY,
    DEEPGRAM_RETRY_INITIAL_INTERVAL_MS: '200',
    // Test audio is served from 127.0.0.1; the SSRF guard has its own test with the default.
    ALLOW_PRIVATE_URLS: 'true',
    WEBHOOK_SECRET: 'test-webhook-secret-0123456789abcdef',
    // The same keys as the test Temporal client's (helpers/temporal.ts): every payload of the suite is encrypted.
    PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_ENV,
    WEBHOOK_RETRY_INITIAL_INTERVAL_MS: '200',
    // Tests poll hard; the per-client limit has its own test.
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
    ...env,
  };
}

/** API + batch worker on a fresh task queue, built by the same factories the entry points use. */
export async function startStack(
  parts: SharedParts,
  options: {
    env?: Record<string, string>;
    worker?: boolean;
    tracing?: { api?: Tracing; worker?: Tracing };
    awaitsLiveEndpoint?: boolean;
    /** The API's client shares the worker's connection, as under npm start (eager workflow start). */
    shareWorkerConnection?: boolean;
  } = {},
): Promise<Stack> {
  const config = loadConfig(stackEnv(parts, options.env));
  const logger = createLogger({ level: config.log.level });
  // One registry for both, as under npm start: the API's /metrics shows what the worker counted too.
  const metrics = createMetrics();
  const worker =
    options.worker === false
      ? undefined
      : await startBatchWorker({
          config,
          temporalAddress: parts.temporal.address,
          db: parts.db,
          deepgram: { apiUrls: config.deepgram.apiUrls, apiKey: config.deepgram.apiKey },
          workflowBundle: await workflowBundle({ tracing: options.tracing?.worker !== undefined }),
          tracing: options.tracing?.worker,
          shutdownGraceMs: 1_000,
          metrics,
        });
  // The API's own client, as an entry point makes it: this stack's payload keys (a test may rotate them), and when traced
  // the interceptors that carry the request's trace into the workflows it starts.
  const apiTracing = options.tracing?.api;
  const eager = options.shareWorkerConnection === true && worker !== undefined;
  const temporal = new Client({
    connection: eager ? worker.connection : parts.temporal.connection,
    namespace: parts.temporal.namespace,
    interceptors: apiTracing?.clientInterceptors,
    dataConverter: encryptedDataConverter(config.temporal.payloadKeys),
  });
  const api = await startApiServer({ config, db: parts.db, temporal, eagerWorkflowStart: eager, logger, temporalUiUrl: 'http://127.0.0.1:8233', tracing: apiTracing, metrics, awaitsLiveEndpoint: options.awaitsLiveEndpoint });
  return {
    config,
    api,
    worker,
    url: (path) => `${api.url}${path}`,
    async stop() {
      await api.close();
      await worker?.stop();
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

export async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/** Polls a job until it reaches a final state. */
export async function waitForJob(stack: Stack, id: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const { body } = await getJson(stack.url(`/v1/transcriptions/${id}`));
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once the emulator is answering a Deepgram call (a job is mid-flight); fails after `timeoutMs`. */
export async function untilDeepgramBusy(emulator: DeepgramEmulator, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (emulator.stats().inFlight === 0) {
    if (Date.now() > deadline) throw new Error(`no Deepgram call started within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { freePort } from '../../src/runtime/free-port.js';
