import { connectWorkerToTemporal, type TemporalSecurity } from '../temporal/connection-options.js';
import { outboundHttpFor } from '../adapters/outbound/index.js';
import { createAudioSplitter } from '../adapters/audio-splitter/audio-splitter.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createBlobStore } from '../adapters/blob-store/index.js';
import { createFailoverTranscriber } from '../adapters/deepgram/failover-transcriber.js';
import type { Transcriber } from '../adapters/deepgram/transcriber.js';
import { DEFAULT_REGION, type Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { Tracing } from '../observability/tracing.js';
import { encryptedDataConverter } from '../temporal/encryption-codec.js';
import { deepgramTaskQueue, regionTaskQueue } from '../temporal/task-queues.js';
import { createGlobalCallSlots } from './deepgram-call-slots.js';
import { activityWorkerOptions, workflowWorkerOptions } from './workflow-code.js';

/** The SDK's own defaults for a worker's concurrent workflow tasks and local activities. */
const SDK_WORKFLOW_TASK_SLOTS = 40;
const SDK_LOCAL_ACTIVITY_SLOTS = 100;

export { WORKFLOWS_PATH } from './workflow-code.js';

export interface BatchWorkerOptions {
  config: Config;
  temporalAddress: string;
  /** TLS / API key for an external cluster (TEMPORAL_TLS*, TEMPORAL_API_KEY); none = plain gRPC. */
  temporalSecurity?: TemporalSecurity;
  db: Db;
  /** Deepgram endpoints in priority order (the launcher may substitute the emulator). */
  deepgram: { apiUrls: string[]; apiKey?: string };
  metrics?: Metrics;
  logger?: Logger;
  /** Pre-built workflow bundle (tests build once); otherwise the worker bundles `workflows/` itself. */
  workflowBundle?: { code: string };
  /** OpenTelemetry: workflow, activity and Deepgram call spans. A pre-built bundle must then come from `bundleWorkflows({ tracing: true })`. */
  tracing?: Tracing;
  shutdownGraceMs?: number;
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker(s) have stopped; rejects if one crashed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface BatchWorker extends RunningWorker {
  /** The workers' connection: an API client in the same process may share it (eager workflow start). */
  connection: NativeConnection;
  /** The Deepgram-calls worker, beside `worker` (workflows and the other activities). */
  deepgramWorker: Worker;
  transcriber: ReturnType<typeof createFailoverTranscriber>;
  /** Both Temporal workers are polling (not starting, draining or failed). */
  running(): boolean;
}

/** Counts Deepgram calls in flight (deepgram_active_connections) around a transcriber. */
function instrumented(transcriber: Transcriber, metrics?: Metrics): Transcriber {
  if (!metrics) return transcriber;
  const track = async <T>(call: () => Promise<T>) => {
    metrics.deepgramActiveConnections.inc({ kind: 'prerecorded' });
    try {
      return await call();
    } finally {
      metrics.deepgramActiveConnections.dec({ kind: 'prerecorded' });
    }
  };
  return {
    endpoint: transcriber.endpoint,
    transcribe: (request) => track(() => transcriber.transcribe(request)),
    submitWithCallback: (request, url) => track(() => transcriber.submitWithCallback(request, url)),
  };
}

/**
 * The batch worker: two Temporal workers on one connection. One runs the workflows and the
 * storage/bookkeeping/webhook activities; the other runs only the Deepgram calls, on their own queue, where the
 * Temporal server enforces the global rate (a task-queue limit shared by every worker) and the worker's slots are
 * leases on the global concurrency cap (DEEPGRAM_MAX_CONCURRENT, shared through PostgreSQL by every worker).
 * Excess work waits in the queue.
 */
export async function startBatchWorker(options: BatchWorkerOptions): Promise<BatchWorker> {
  const { config, db, metrics } = options;
  const connection = await connectWorkerToTemporal(options.temporalAddress, options.temporalSecurity);
  const blobs = createBlobStore(db, config.uploads);
  // One converter for every worker of the process: payloads are encrypted before they reach Temporal.
  const dataConverter = encryptedDataConverter(config.temporal.payloadKeys);
  const holder = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

  /** One region's pair of workers: its own task queues, its own Deepgram endpoints (data residency). */
  async function startRegion(region: string) {
    const apiUrls = region === DEFAULT_REGION ? options.deepgram.apiUrls : (config.regions.endpoints[region] ?? []);
    const transcriber = createFailoverTranscriber({
      apiUrls,
      apiKey: options.deepgram.apiKey,
      timeoutSeconds: config.deepgram.timeoutSeconds,
      failureThreshold: config.deepgram.circuit.failureThreshold,
      cooldownMs: config.deepgram.circuit.cooldownMs,
      onCall: (endpoint, outcome) => metrics?.deepgramCalls.inc({ endpoint, outcome }),
      tracer: options.tracing?.tracer,
    });
    // Every region's slots are leases in the same table: DEEPGRAM_MAX_CONCURRENT holds across regions too.
    const { limits } = config.deepgram;
    const callSlots = createGlobalCallSlots({
      db,
      holder: `${holder}-${region}`,
      limit: limits.maxConcurrent,
      // A dead worker's places come back when its calls would be retried elsewhere anyway.
      leaseMs: config.deepgram.heartbeatTimeoutMs,
      logger: options.logger,
    });
    const activities = createActivities({
      db,
      transcriber: instrumented(transcriber, metrics),
      callbacks: { publicBaseUrl: config.http.publicBaseUrl, secret: config.callbacks.secret },
      blobs,
      outbound: outboundHttpFor(config.urls),
      splitter: createAudioSplitter({ python: config.chunking.python }),
      maxSourceBytes: config.uploads.maxBytes,
      metricsRegion: apiUrls[0] ? new URL(apiUrls[0]).host : 'api.deepgram.com',
      webhooks: config.webhooks,
      metrics,
      logger: options.logger,
      // Sync jobs may call Deepgram from their workflow's own task (a local activity) with a place under the same cap;
      // not under a rate cap, which only the Deepgram queue enforces.
      ...(limits.maxRequestsPerMinute > 0 ? {} : { localDeepgramPlaces: callSlots }),
    });
    const taskQueue = regionTaskQueue(config.temporal.taskQueue, region);
    const localCallPlaces = limits.maxRequestsPerMinute > 0 ? 0 : limits.maxConcurrent;
    const common = { connection, namespace: config.temporal.namespace, dataConverter, activities, shutdownGraceTime: options.shutdownGraceMs ?? 10_000 };
    const main = await Worker.create({
      ...common,
      taskQueue,
      ...workflowWorkerOptions(options.workflowBundle, options.tracing),
      // A Deepgram call made as a local activity holds its workflow task (and a local-activity slot) for as long as it
      // runs: room for one per place under the cap, beside the SDK's defaults for everything else, so that calls in
      // flight never keep new jobs' first tasks waiting.
      maxConcurrentWorkflowTaskExecutions: SDK_WORKFLOW_TASK_SLOTS + localCallPlaces,
      maxConcurrentLocalActivityExecutions: SDK_LOCAL_ACTIVITY_SLOTS + localCallPlaces,
    });
    const unused = { type: 'fixed-size', numSlots: 1 } as const;
    const deepgramCalls = await Worker.create({
      ...common,
      taskQueue: deepgramTaskQueue(taskQueue),
      tuner: {
        activityTaskSlotSupplier: callSlots,
        // This worker runs no workflows, local activities or Nexus operations.
        workflowTaskSlotSupplier: unused,
        localActivityTaskSlotSupplier: unused,
        nexusTaskSlotSupplier: unused,
      },
      ...(limits.maxRequestsPerMinute > 0 ? { maxTaskQueueActivitiesPerSecond: limits.maxRequestsPerMinute / 60 } : {}),
      ...activityWorkerOptions(options.tracing),
    });
    return { main, deepgramCalls, callSlots, transcriber };
  }

  const regions: Array<Awaited<ReturnType<typeof startRegion>>> = [];
  for (const region of config.regions.served) regions.push(await startRegion(region));
  for (const r of regions) r.callSlots.start();
  const workers = regions.flatMap((r) => [r.main, r.deepgramCalls]);
  const done = Promise.all(workers.map((w) => w.run()))
    .then(() => undefined)
    .finally(() => Promise.all(regions.map((r) => r.callSlots.stop())).finally(() => connection.close()));
  const first = regions[0]!;
  return {
    connection,
    worker: first.main,
    deepgramWorker: first.deepgramCalls,
    transcriber: first.transcriber,
    done,
    running: () => workers.every((w) => w.getState() === 'RUNNING'),
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
