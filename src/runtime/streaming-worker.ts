import type { LiveRecordings } from '../services/live-recordings.service.js';
import { connectWorkerToTemporal, type TemporalSecurity } from '../temporal/connection-options.js';
import { refuseOpenPublicApi } from './exposure.js';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createLiveActivities } from '../../activities/live.js';
import type { OpenLiveUpstream } from '../adapters/deepgram/live-client.js';
import type { EndpointCircuit } from '../adapters/deepgram/circuit-breaker.js';
import { createFailoverLiveClient } from '../adapters/deepgram/live-failover.js';
import { DEFAULT_REGION, type ApiKey, type Config, type LiveConfig, type PayloadKey } from '../config.js';
import { isDatabaseReachable, type Db } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { createKeyDirectory, syncBootstrapKeys } from '../services/api-keys.js';
import { createLiveSessionsService } from '../services/live-sessions.service.js';
import { ConnectionRegistry } from '../live-gateway/connection-registry.js';
import { createLiveGateway, type UpgradeSource } from '../live-gateway/live-gateway.js';
import { statusRoutes } from './status-server.js';
import { encryptedDataConverter } from '../temporal/encryption-codec.js';
import { liveRelayTaskQueue } from '../temporal/live-ids.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import type { RunningWorker } from './batch-worker.js';
import { activityWorkerOptions, workflowWorkerOptions } from './workflow-code.js';

export interface StreamingWorkerOptions {
  live: LiveConfig;
  /** API_KEYS, synced into the database at start; with any key in use, clients must present one. */
  apiKeys?: readonly ApiKey[];
  /** How long key lookups are cached (KEY_CACHE_MS): a revoked key is refused after at most this. */
  keyCacheMs?: number;
  /** Data residency: the regions this worker serves and each region's Deepgram endpoints (default: only `default`). */
  regions?: Config['regions'];
  host: string;
  /** ALLOW_UNAUTHENTICATED: serve live sessions on a non-loopback host with no key (refused otherwise). */
  allowUnauthenticated?: boolean;
  db: Db;
  /** Starts and signals session workflows; relays ask it why they were cancelled. */
  temporal: Client;
  temporalAddress: string;
  /** TLS / API key for an external cluster (TEMPORAL_TLS*, TEMPORAL_API_KEY); none = plain gRPC. */
  temporalSecurity?: TemporalSecurity;
  namespace: string;
  /** Its workers' payloads are encrypted like every other Temporal payload of the project (PAYLOAD_ENCRYPTION_KEYS). */
  payloadKeys: readonly PayloadKey[];
  /**
   * Deepgram Live endpoints in priority order (DEEPGRAM_API_URL) with the circuit settings the prerecorded failover
   * uses (DEEPGRAM_CIRCUIT_FAILURES, DEEPGRAM_CIRCUIT_COOLDOWN_MS; 3 and 30 s when unset).
   */
  deepgram: { apiUrls: string[]; apiKey?: string; failureThreshold?: number; cooldownMs?: number };
  logger: Logger;
  /** Serve `/v1/listen` upgrades on this server (`npm start`: the API's); otherwise listen on `live.port`. */
  httpServer?: UpgradeSource & { address(): AddressInfo | string | null };
  workflowBundle?: { code: string };
  /** OpenTelemetry: session workflow and relay activity spans; a pre-built bundle must then include the interceptors. */
  tracing?: Tracing;
  /**
   * Counts open Deepgram Live sockets in `deepgram_active_connections{kind="live"}` and handshakes per endpoint in
   * `deepgram_calls_total{kind="live"}`; a standalone worker serves /metrics.
   */
  metrics?: Metrics;
  workerId?: string;
  /** Recordings (record=true) and their re-passes; without them record=true is refused at connect. */
  recordings?: LiveRecordings;
  /** Opens stream jobs' URLs (mode "stream") through the SSRF-guarded client. */
  openSource?: (url: string, signal: AbortSignal) => Promise<Response>;
  /** How a dropped stream source is opened again (defaults: 0.5 s doubling to 15 s, given up after a minute). */
  sourceReconnect?: { firstDelayMs: number; maxDelayMs: number; giveUpAfterMs: number };
}

export interface StreamingWorker extends RunningWorker {
  /** ws:// base URL clients connect to (`${url}/v1/listen`). */
  url: string;
  workerId: string;
  relayTaskQueue: string;
  openSessions(): number;
  /** Circuit state of each Deepgram Live endpoint, in priority order. */
  deepgramHealth(): EndpointCircuit[];
}

/**
 * The streaming worker: the live WebSocket endpoint plus two Temporal workers on one connection: `liveSession`
 * workflows on the shared live queue, and relay activities on a queue only this process polls, so a session's relay
 * always runs where its client's socket is.
 */
export async function startStreamingWorker(options: StreamingWorkerOptions): Promise<StreamingWorker> {
  const { live, logger, deepgram, metrics } = options;
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const relayTaskQueue = liveRelayTaskQueue(live.taskQueue, workerId);
  const registry = new ConnectionRegistry();
  const regions = options.regions ?? { endpoints: {}, served: [DEFAULT_REGION] };
  await syncBootstrapKeys(options.db, options.apiKeys ?? []);
  const keys = createKeyDirectory(options.db, { cacheMs: options.keyCacheMs ?? 2_000 });
  // Sharing the API's server (npm start), the API has checked already.
  if (!options.httpServer) await refuseOpenPublicApi({ host: options.host, allowUnauthenticated: options.allowUnauthenticated ?? false, keys });
  const gateway = createLiveGateway({
    sessions: createLiveSessionsService({ live, db: options.db, temporal: options.temporal, searchAttributes: await ensureSearchAttributes(options.temporal, options.namespace) }),
    keys,
    regions: regions.served,
    registry,
    relayTaskQueue,
    maxSessions: live.maxSessionsPerWorker,
    maxMessageBytes: live.maxMessageBytes,
    maxBufferBytes: live.maxBufferBytes,
    pingIntervalMs: live.pingIntervalMs,
    idleTimeoutMs: live.idleTimeoutMs,
    claimTimeoutMs: Math.max(15_000, 4 * live.heartbeatTimeoutMs),
    logger,
    onRefused: (reason) => metrics?.liveSessionsRefused.inc({ reason }),
    recordings: options.recordings !== undefined,
  });
  metrics?.countLiveSessionsWith(() => registry.open);
  const openUpstreamIn = (apiUrls: string[]) => createFailoverLiveClient({
    apiUrls,
    apiKey: deepgram.apiKey,
    failureThreshold: deepgram.failureThreshold ?? 3,
    cooldownMs: deepgram.cooldownMs ?? 30_000,
    connectTimeoutSeconds: live.upstreamConnectTimeoutSeconds,
    pingIntervalMs: live.pingIntervalMs,
    onConnect: (endpoint, outcome, error) => {
      metrics?.deepgramCalls.inc({ kind: 'live', endpoint, outcome });
      if (error) logger.warn({ endpoint, outcome, err: error.message }, 'live: Deepgram Live endpoint did not open the socket');
      else logger.info({ endpoint }, 'live: Deepgram Live socket opened');
    },
  });
  const openUpstream = openUpstreamIn(deepgram.apiUrls);
  // Pinned regions' sessions open their Deepgram sockets only on that region's endpoints.
  const regional = new Map(Object.entries(regions.endpoints).filter(([region]) => regions.served.includes(region)).map(([region, urls]) => [region, counted(openUpstreamIn(urls), metrics)]));
  const activities = createLiveActivities({
    db: options.db,
    links: registry,
    openUpstream: counted(openUpstream, metrics),
    openUpstreamIn: (region) => (region === null ? undefined : regional.get(region)),
    temporal: options.temporal,
    settings: {
      keepAliveIntervalMs: live.keepAliveIntervalMs,
      maxBufferBytes: live.maxBufferBytes,
      upstreamBufferSeconds: live.upstreamBufferSeconds,
      backpressureTimeoutMs: live.backpressureTimeoutMs,
      persistIntervalMs: live.persistIntervalMs,
      reconnect: { retries: live.upstreamReconnectAttempts, firstDelayMs: 250, maxDelayMs: 5_000 },
      closeTimeoutMs: 10_000,
    },
    // As often as the heartbeats can leave anyway (see maxHeartbeatThrottleInterval below).
    heartbeatIntervalMs: Math.max(200, Math.floor(live.heartbeatTimeoutMs / 3)),
    logger,
    metrics,
    ...(options.recordings ? { recordings: options.recordings } : {}),
    ...(options.openSource ? { openSource: options.openSource } : {}),
    ...(options.sourceReconnect ? { sourceReconnect: options.sourceReconnect } : {}),
  });

  const connection = await connectWorkerToTemporal(options.temporalAddress, options.temporalSecurity);
  const common = { connection, namespace: options.namespace, dataConverter: encryptedDataConverter(options.payloadKeys), identity: `streaming@${workerId}`, activities };
  const workflows = await Worker.create({
    ...common,
    taskQueue: live.taskQueue,
    ...workflowWorkerOptions(options.workflowBundle, options.tracing),
    // No workflow cache: a session has a handful of workflow tasks in its life (start, relay ended, resume, close),
    // so replaying its short history is cheap, while a cached one costs ~130 KiB per session, and without stickiness
    // a dead worker's sessions are picked up by the others at once.
    maxCachedWorkflows: 0,
  });
  const relays = await Worker.create({
    ...common,
    taskQueue: relayTaskQueue,
    maxConcurrentActivityTaskExecutions: live.maxSessionsPerWorker + 8,
    // Heartbeats reach the server every third of the timeout (the SDK's default is 80 %), so a busy event loop
    // can stall for most of the timeout before a live relay is wrongly declared dead.
    maxHeartbeatThrottleInterval: Math.max(200, Math.floor(live.heartbeatTimeoutMs / 3)),
    // Relays end when their clients are told to reconnect elsewhere; give them time to flush.
    shutdownGraceTime: 15_000,
    ...activityWorkerOptions(options.tracing),
  });
  const done = Promise.all([workflows.run(), relays.run()]).then(() => undefined).finally(() => connection.close());

  let stopping: Promise<void> | undefined;
  // A WebSocket-aware balancer sends new sessions only to workers that answer /ready: not draining, not full.
  const status = statusRoutes({
    metrics,
    shuttingDown: () => stopping !== undefined,
    readiness: async () => ({
      checks: {
        temporal_workers: workflows.getState() === 'RUNNING' && relays.getState() === 'RUNNING',
        database: await isDatabaseReachable(options.db),
        capacity: registry.open < live.maxSessionsPerWorker,
      },
      details: { open_sessions: registry.open, max_sessions: live.maxSessionsPerWorker },
    }),
  });
  const own = options.httpServer
    ? undefined
    : createServer(async (req, res) => {
        if (await status(req, res)) return;
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'This is a streaming worker: connect a WebSocket to /v1/listen' } }));
      });
  if (own) await new Promise<void>((resolve) => own.listen(live.port, options.host, resolve));
  const server = options.httpServer ?? own!;
  gateway.attachTo(server);
  const port = (server.address() as AddressInfo).port;
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;

  return {
    worker: relays,
    done,
    url: `ws://${host}:${port}`,
    workerId,
    relayTaskQueue,
    openSessions: () => registry.open,
    deepgramHealth: () => openUpstream.health(),
    stop: () =>
      (stopping ??= (async () => {
        gateway.closeAll(1012, (sessionId) => `Streaming worker restarting; reconnect with session_id=${sessionId}`);
        if (workflows.getState() === 'RUNNING') workflows.shutdown();
        if (relays.getState() === 'RUNNING') relays.shutdown();
        await done.catch(() => undefined);
        if (own) await new Promise<void>((resolve) => own.close(() => resolve()));
      })()),
  };
}

/** Keeps `deepgram_active_connections{kind="live"}` equal to the Deepgram Live sockets open from this process. */
function counted(open: OpenLiveUpstream, metrics: Metrics | undefined): OpenLiveUpstream {
  if (!metrics) return open;
  const gauge = metrics.deepgramActiveConnections.labels({ kind: 'live' });
  return async (options, handlers) => {
    const upstream = await open(options, {
      message: handlers.message,
      closed: (info) => {
        gauge.dec();
        handlers.closed(info);
      },
    });
    gauge.inc();
    return upstream;
  };
}
