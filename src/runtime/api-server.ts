import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { createApp } from '../http/app.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { createLiveSessionsService } from '../services/live-sessions.service.js';
import { createTranscriptionService } from '../services/transcriptions.service.js';
import { isTemporalReachable } from '../temporal/client.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { createBlobStore } from '../adapters/blob-store/index.js';

export interface ApiServer {
  url: string;
  port: number;
  /** The Node HTTP server, so other transports (the live WebSocket endpoint) can share the port. */
  httpServer: ServerType;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  config: Config;
  db: Db;
  temporal: Client;
  logger: Logger;
  /** Base URL of the Temporal Web UI for deep links, when one is known. */
  temporalUiUrl?: string;
}

/** Builds the Hono app from its dependencies and serves it; `port: 0` picks a free port (tests). */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { config, db, temporal, logger } = options;
  const blobs = createBlobStore(db, { kind: config.uploads.store, dir: config.uploads.dir });
  const searchAttributes = await ensureSearchAttributes(temporal, config.temporal.namespace);
  if (!searchAttributes) logger.warn('Temporal search attributes JobStatus/JobMode are missing and could not be registered; jobs will not be filterable in the Temporal UI');
  const service = createTranscriptionService({ config, db, temporal, blobs, searchAttributes });
  const uiUrl = options.temporalUiUrl;
  const app = createApp({
    service,
    liveSessions: createLiveSessionsService({ live: config.live, db, temporal }),
    logger,
    metrics: createMetrics(),
    region: config.deepgram.apiUrls[0] ? new URL(config.deepgram.apiUrls[0]).host : 'api.deepgram.com',
    maxJsonBytes: 1024 * 1024,
    callbackSecret: config.callbacks.secret,
    config,
    temporalUiLink: uiUrl ? (id) => `${uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(id)}` : undefined,
    readiness: async () => {
      const [database, temporalOk] = await Promise.all([
        sql`select 1`.execute(db).then(() => true, () => false),
        isTemporalReachable(temporal),
      ]);
      return { database, temporal: temporalOk };
    },
  });

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  return {
    url: `http://${host}:${port}`,
    port,
    httpServer: server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
