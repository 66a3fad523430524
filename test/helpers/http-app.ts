import { outboundHttpFor } from '../../src/adapters/outbound/index.js';
import { Client, Connection } from '@temporalio/client';
import { createBlobStore } from '../../src/adapters/blob-store/index.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { EncryptionCodec, encryptedDataConverter } from '../../src/temporal/encryption-codec.js';
import { TEST_PAYLOAD_KEYS_ENV } from './payload-keys.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createKeyDirectory } from '../../src/services/api-keys.js';
import { createLiveSessionsService } from '../../src/services/live-sessions.service.js';
import { createTenantsService } from '../../src/services/tenants.service.js';
import { createTranscriptionService } from '../../src/services/transcriptions.service.js';
import { transcriptionSettings } from '../../src/runtime/service-settings.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface HttpApp {
  /** `app.request(path, init)`: the whole HTTP layer (routing, validation, auth, error envelopes) in process, no socket. */
  request(path: string, init?: RequestInit): Promise<Response>;
  database: TestDatabase;
  tenants: ReturnType<typeof createTenantsService>;
  close(): Promise<void>;
}

/**
 * The API's Hono app built from the real services over a fresh PostgreSQL database, with a Temporal client whose
 * connection never opens (nothing listens there): for what the HTTP layer decides on its own, tested in milliseconds.
 * A request that gets as far as starting a workflow finds Temporal unreachable, as in an outage.
 */
export async function createHttpApp(env: Record<string, string> = {}): Promise<HttpApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: '127.0.0.1:1', LOG_LEVEL: 'silent', ALLOW_PRIVATE_URLS: 'true', KEY_CACHE_MS: '0', PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_ENV, ...env });
  const temporal = new Client({
    connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }),
    namespace: config.temporal.namespace,
    dataConverter: encryptedDataConverter(config.temporal.payloadKeys),
  });
  const db = database.db;
  const tenants = createTenantsService({ db, regions: Object.keys(config.regions.endpoints) });
  const app = createApp({
    service: createTranscriptionService({ settings: transcriptionSettings(config), db, temporal, blobs: createBlobStore(db, { store: 'postgres', dir: '' }), searchAttributes: false, outbound: outboundHttpFor(config.urls) }),
    liveSessions: createLiveSessionsService({ live: config.live, db, temporal }),
    keys: createKeyDirectory(db, { cacheMs: 0 }),
    tenants,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    region: 'test',
    readiness: async () => ({ checks: { database: true, temporal: false } }),
    config,
    maxJsonBytes: 1024 * 1024,
    payloadCodec: new EncryptionCodec(config.temporal.payloadKeys),
    codecOrigins: ['http://127.0.0.1:8233'],
    isShuttingDown: () => false,
  });
  return {
    request: async (path, init) => app.request(path, init),
    database,
    tenants,
    close: () => database.drop(),
  };
}
