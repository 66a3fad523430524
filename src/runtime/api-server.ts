import { syncRetentionSchedule } from '../temporal/retention-schedule.js';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from '../live-gateway/refuse-upgrade.js';
import { refuseOpenPublicApi } from './exposure.js';
import { outboundHttpFor } from '../adapters/outbound/index.js';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import { isDatabaseReachable, type Db } from '../db/database.js';
import { createRateLimitStore } from '../adapters/rate-limits/index.js';
import { createApp } from '../http/app.js';
import type { Logger } from '../observability/logger.js';
import type { Tracing } from '../observability/tracing.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createEndpointHealth } from '../adapters/deepgram/endpoint-health.js';
import { createLiveSessionsService } from '../services/live-sessions.service.js';
import { createKeyDirectory, syncBootstrapKeys } from '../services/api-keys.js';
import { createTenantsService } from '../services/tenants.service.js';
import { seedWebhookSecrets } from '../db/repositories/tenants.repository.js';
import { createLiveRecordings } from '../services/live-recordings.service.js';
import { createTranscriptionService } from '../services/transcriptions.service.js';
import { isTemporalReachable } from '../temporal/client.js';
import { EncryptionCodec } from '../temporal/encryption-codec.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { createBlobStore } from '../adapters/blob-store/index.js';
import { createResumableUploads } from '../adapters/resumable-uploads/tus-uploads.js';
import { UPLOADS_PATH } from '../http/routes/uploads.js';
import { createResumableUploadsService } from '../services/resumable-uploads.service.js';
import { transcriptionSettings } from './service-settings.js';

export interface ApiServer {
  url: string;
  port: number;
  /** The Node HTTP server, so other transports (the live WebSocket endpoint) can share the port. */
  httpServer: ServerType;
  /** With `awaitsLiveEndpoint`: the live endpoint is attached to `httpServer`; /ready may now answer 200. */
  liveEndpointAttached(): void;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  config: Config;
  db: Db;
  temporal: Client;
  /** `temporal` shares a worker's connection in this process, so sync starts may be eager (npm start). */
  eagerWorkflowStart?: boolean;
  logger: Logger;
  /** Base URL of the Temporal Web UI for deep links, when one is known. */
  temporalUiUrl?: string;
  /** Deepgram endpoints whose reachability gates sync requests and /ready (the launcher may substitute the emulator). */
  deepgramUrls?: string[];
  /** Shared with a worker in the same process (npm start), so /metrics shows both. */
  metrics?: Metrics;
  /** OpenTelemetry: HTTP server spans. `temporal` should then carry `tracing.clientInterceptors` to continue them. */
  tracing?: Tracing;
  /**
   * The live endpoint will share this server (npm start): until `liveEndpointAttached()`, /ready says `live: false`
   * and a WebSocket upgrade is answered 503 (starting), not mistaken for a plain request.
   */
  awaitsLiveEndpoint?: boolean;
}

/** The Temporal UI's origin, which calls the codec endpoint from the browser; on loopback under either name. */
function uiOrigins(uiUrl: string): string[] {
  const origin = new URL(uiUrl).origin;
  const twin = origin.includes('//127.0.0.1') ? origin.replace('//127.0.0.1', '//localhost') : origin.includes('//localhost') ? origin.replace('//localhost', '//127.0.0.1') : undefined;
  return twin ? [origin, twin] : [origin];
}

/** Builds the Hono app from its dependencies and serves it; `port: 0` picks a free port (tests). */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { config, db, temporal, logger } = options;
  // API_KEYS become database keys (each name its tenant); WEBHOOK_SECRET signs for tenants that have no secret of their own.
  await syncBootstrapKeys(db, config.auth.keys);
  if (config.webhooks.secret) await seedWebhookSecrets(db, config.webhooks.secret);
  const keys = createKeyDirectory(db, { cacheMs: config.auth.keyCacheMs });
  await refuseOpenPublicApi({ host: config.http.host, allowUnauthenticated: config.auth.allowUnauthenticated, keys });
  const blobs = createBlobStore(db, config.uploads);
  const resumableUploads = createResumableUploads({
    path: UPLOADS_PATH,
    maxBytes: config.uploads.maxBytes,
    expiryMs: config.uploads.resumable.expiryMs,
    store: config.uploads.store === 's3' && config.uploads.s3 ? { kind: 's3', ...config.uploads.s3 } : { kind: 'directory', directory: config.uploads.resumable.dir },
  });
  // Unfinished uploads past their expiry are removed now and then (each API replica sweeps; removing twice is harmless).
  const uploadSweep = setInterval(
    () => void resumableUploads.removeExpired().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'expired resumable uploads not removed')),
    Math.min(config.uploads.resumable.expiryMs, 10 * 60_000),
  );
  uploadSweep.unref();
  const searchAttributes = await ensureSearchAttributes(temporal, config.temporal.namespace);
  await syncRetentionSchedule(temporal, { taskQueue: config.temporal.taskQueue, days: config.retention.days, intervalMs: config.retention.intervalMs }).catch((err: unknown) =>
    logger.warn({ err: (err as Error).message }, 'could not set up the data retention Schedule; expired data is kept until the next start'),
  );
  if (!searchAttributes) logger.warn('Temporal search attributes JobStatus/JobMode are missing and could not be registered; jobs will not be filterable in the Temporal UI');
  const deepgramUrls = options.deepgramUrls ?? config.deepgram.apiUrls;
  const deepgramHealth = createEndpointHealth({ apiUrls: deepgramUrls, intervalMs: config.deepgram.healthIntervalMs });
  deepgramHealth.start();
  const service = createTranscriptionService({
    settings: transcriptionSettings(config),
    db,
    temporal,
    eagerStart: options.eagerWorkflowStart ?? false,
    blobs,
    searchAttributes,
    deepgramHealth,
    outbound: outboundHttpFor(config.urls),
    resumableUploads,
  });
  const tenants = createTenantsService({ db, regions: Object.keys(config.regions.endpoints) });
  const metrics = options.metrics ?? createMetrics();
  let shuttingDown = false;
  // Always there: keys created at run time may carry a limit of their own even when the default is off.
  const rateLimits = createRateLimitStore(config.http.rateLimitStore, db, logger);
  const uiUrl = options.temporalUiUrl;
  const app = createApp({
    service,
    liveSessions: createLiveSessionsService({ live: config.live, db, temporal, searchAttributes, blobs }),
    liveRecordings: createLiveRecordings({ db, blobs, submit: service.submit }),
    keys,
    tenants,
    logger,
    metrics,
    region: deepgramUrls[0] ? new URL(deepgramUrls[0]).host : 'api.deepgram.com',
    isShuttingDown: () => shuttingDown,
    beforeMetricsScrape: async () => {
      const depth = await queueDepth(db).catch(() => null);
      if (depth) for (const [status, n] of Object.entries(depth)) metrics.transcriptionQueueDepth.set({ status }, n);
    },
    maxJsonBytes: 1024 * 1024,
    payloadCodec: new EncryptionCodec(config.temporal.payloadKeys),
    codecOrigins: uiUrl ? uiOrigins(uiUrl) : [],
    rateLimits,
    tracer: options.tracing?.tracer,
    resumableUploads: createResumableUploadsService(resumableUploads),
    config,
    temporalUiLink: uiUrl ? (id) => `${uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(id)}` : undefined,
    readiness: async () => {
      const [database, temporalOk] = await Promise.all([
        isDatabaseReachable(db),
        isTemporalReachable(temporal),
        deepgramUrls.length && !deepgramHealth.anyHealthy() ? deepgramHealth.checkAll() : undefined,
      ]);
      return {
        checks: { database, temporal: temporalOk, ...(deepgramUrls.length ? { deepgram: deepgramHealth.anyHealthy() } : {}), ...(options.awaitsLiveEndpoint ? { live: liveAttached } : {}) },
        details: { deepgram_endpoints: deepgramHealth.statuses().map((s) => ({ endpoint: s.endpoint, healthy: s.healthy, error: s.error })) },
      };
    },
  });

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, () => resolve(s));
  });
  let liveAttached = false;
  const upgradeWhileStarting = (_req: unknown, socket: Duplex) => {
    // Once the live endpoint listens too, the upgrade is its to answer.
    if (server.listenerCount('upgrade') > 1) return;
    refuseUpgrade(socket, 503, 'service_unavailable', 'The live endpoint is starting; retry in a moment');
  };
  if (options.awaitsLiveEndpoint) server.on('upgrade', upgradeWhileStarting);
  const port = (server.address() as AddressInfo).port;
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  return {
    url: `http://${host}:${port}`,
    port,
    httpServer: server,
    liveEndpointAttached() {
      liveAttached = true;
      server.off('upgrade', upgradeWhileStarting);
    },
    /**
     * Graceful: stop accepting connections, let in-flight requests finish (up to the grace period),
     * close idle keep-alive sockets so the close does not wait on them.
     */
    close: () =>
      new Promise<void>((resolve) => {
        shuttingDown = true;
        deepgramHealth.stop();
        rateLimits.close();
        const force = setTimeout(() => (server as HttpServer).closeAllConnections?.(), config.http.shutdownGraceMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        (server as HttpServer).closeIdleConnections?.();
      }),
  };
}

/** Jobs accepted but not finished, by status, for transcription_queue_depth. */
async function queueDepth(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('status', 'in', ['queued', 'processing'])
    .groupBy('status')
    .execute();
  const depth: Record<string, number> = { queued: 0, processing: 0 };
  for (const r of rows) depth[r.status] = Number(r.n);
  return depth;
}
