import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { TENANT_NAME } from './domain/tenancy.js';

/** Deepgram's public API; the SDK derives the WebSocket URL from the same base. */
export const DEEPGRAM_PUBLIC_API_URL = 'https://api.deepgram.com';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const httpUrl = z.url({ protocol: /^https?$/ });
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
/** Bytes of a secret: a Standard Webhooks `whsec_<base64>` secret is its decoded bytes, anything else its UTF-8. */
export function secretBytes(secret: string): number {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64').length : Buffer.byteLength(secret, 'utf8');
}
const MIN_SECRET_BYTES = 32;
/** A signing or encryption secret: at least 32 bytes, so it cannot be guessed (`openssl rand -base64 32` makes one). */
const optionalSecret = optionalString.refine((v) => v === undefined || secretBytes(v) >= MIN_SECRET_BYTES, {
  message: `must be at least ${MIN_SECRET_BYTES} bytes (\`openssl rand -base64 32\` makes one)`,
});
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every environment variable the project reads. Nothing else touches `process.env`. */
/** One client credential: who it is (logs, metrics, budgets), its secret, and its own budget if not the default. */
export interface ApiKey {
  name: string;
  secret: string;
  rateLimitPerMinute?: number;
}

/** What an API key's name may hold: each API_KEYS name is also its tenant's name (logs, metrics, the Temporal UI). */
export const API_KEY_NAME = TENANT_NAME;

/** API_KEYS: `name:secret[:requests per minute]`, comma-separated. Returns a problem (never quoting a secret) or the keys. */
function parseApiKeys(raw: string | undefined): ApiKey[] | string {
  if (raw === undefined) return [];
  const keys: ApiKey[] = [];
  for (const [index, entry] of raw.split(',').map((e) => e.trim()).filter(Boolean).entries()) {
    const [name, secret, limit, ...rest] = entry.split(':');
    const where = `entry ${index + 1}${name ? ` (${name})` : ''}`;
    if (!name || !API_KEY_NAME.test(name) || rest.length > 0) return `${where} must be name:secret or name:secret:requests-per-minute, the name made of letters, digits, '.', '_' or '-'`;
    if (!secret || secret.length < 16) return `${where} needs a secret of at least 16 characters`;
    if (limit !== undefined && !/^\d+$/.test(limit)) return `${where}: the requests per minute must be a whole number`;
    if (keys.some((k) => k.name === name)) return `${where}: the name is used twice`;
    if (keys.some((k) => k.secret === secret)) return `${where}: the secret is used twice`;
    keys.push({ name, secret, ...(limit !== undefined ? { rateLimitPerMinute: Number(limit) } : {}) });
  }
  return keys;
}

/** Files (PEM) for a TLS connection to Temporal; none = the system's CAs, no client certificate. */
export interface TemporalTls {
  caFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  /** The name the server's certificate must carry, when it differs from the address's host. */
  serverName?: string;
}

/** One AES-256-GCM key for Temporal payloads and the id written next to every payload it encrypts. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** AES-256 takes exactly 32 bytes: the floor every secret of the project meets. */
export const PAYLOAD_KEY_BYTES = MIN_SECRET_BYTES;

/** PAYLOAD_ENCRYPTION_KEYS: `keyId:base64-of-32-bytes`, comma-separated, the first encrypting. Returns a problem (never quoting a key) or the keys. */
export function parsePayloadKeys(raw: string | undefined): PayloadKey[] | string {
  if (raw === undefined) return [];
  const keys: PayloadKey[] = [];
  for (const [index, entry] of raw.split(',').map((e) => e.trim()).filter(Boolean).entries()) {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const where = `entry ${index + 1}${id ? ` (${id})` : ''}`;
    if (!API_KEY_NAME.test(id)) return `${where} must be keyId:base64-key, the id made of letters, digits, '.', '_' or '-'`;
    const material = entry.slice(at + 1);
    const key = Buffer.from(material, 'base64');
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(material) || key.length !== PAYLOAD_KEY_BYTES) {
      return `${where} must be the base64 of exactly ${PAYLOAD_KEY_BYTES} bytes (\`openssl rand -base64 ${PAYLOAD_KEY_BYTES}\` makes one)`;
    }
    if (keys.some((k) => k.id === id)) return `${where}: the key id is used twice`;
    keys.push({ id, key });
  }
  return keys;
}

/** Variables whose values never appear in a configuration error. */
const SECRET_VARIABLES = new Set(['S3_SECRET_ACCESS_KEY', 'API_KEYS', 'ADMIN_API_KEY', 'DEEPGRAM_API_KEY', 'CALLBACK_SECRET', 'WEBHOOK_SECRET', 'OTEL_EXPORTER_OTLP_HEADERS', 'PAYLOAD_ENCRYPTION_KEYS', 'TEMPORAL_API_KEY']);

const EnvVariables = z.object({
  PORT: port(3000),
  // Loopback unless told otherwise: a fresh `npm start` is not an open API on every interface.
  HOST: z.string().min(1).default('127.0.0.1'),
  ALLOW_UNAUTHENTICATED: flag(false),
  PUBLIC_BASE_URL: z.preprocess((v) => (v === '' ? undefined : v), httpUrl.optional()),
  SYNC_WAIT_MS: positiveInt(30_000),
  DATA_DIR: z.string().default('.data'),
  DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  ),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(2_000),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(4_000),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('transcription'),
  TEMPORAL_CLI_PATH: optionalString,
  // An external Temporal cluster over TLS: server-verified (TEMPORAL_TLS=true, the CA file for a private CA) and
  // mutual (a client certificate and key), or Temporal Cloud's API keys.
  TEMPORAL_TLS: flag(false),
  TEMPORAL_TLS_CA_FILE: optionalString,
  TEMPORAL_TLS_CERT_FILE: optionalString,
  TEMPORAL_TLS_KEY_FILE: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_UI_URL: z.preprocess((v) => (v === '' ? undefined : v), httpUrl.optional()),
  WORKFLOW_BUNDLE_PATH: optionalString,
  DEEPGRAM_API_KEY: optionalString,
  DEEPGRAM_API_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .optional()
      .refine(
        (v) => v === undefined || v.split(',').every((u) => httpUrl.safeParse(u.trim()).success),
        'must be an http(s) URL, or several separated by commas',
      ),
  ),
  DEEPGRAM_TIMEOUT_SECONDS: positiveInt(600),
  DEEPGRAM_HEARTBEAT_TIMEOUT_MS: positiveInt(30_000),
  DEEPGRAM_MAX_CONCURRENT: positiveInt(100),
  DEEPGRAM_MAX_LIVE_SESSIONS: positiveInt(50),
  // Deepgram's documented limits are on concurrency (DEEPGRAM_MAX_CONCURRENT), not request rate: no rate cap unless set.
  DEEPGRAM_MAX_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  DEEPGRAM_CIRCUIT_FAILURES: positiveInt(3),
  DEEPGRAM_CIRCUIT_COOLDOWN_MS: positiveInt(30_000),
  DEEPGRAM_OUTAGE_MAX_WAIT_MS: positiveInt(86_400_000),
  DEEPGRAM_HEALTH_INTERVAL_MS: positiveInt(5_000),
  // 200 requests/s with bursts as large: a batch of a thousand submissions and their polls fits without tuning.
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(12_000),
  RATE_LIMIT_STORE: z.enum(['postgres', 'memory']).default('postgres'),
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
  API_KEYS: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()).transform((raw, ctx) => {
    const keys = parseApiKeys(raw);
    if (typeof keys === 'string') {
      ctx.addIssue({ code: 'custom', message: keys });
      return z.NEVER;
    }
    return keys;
  }),
  // Unset: `npm start` keeps a generated key in DATA_DIR; the separate entry points refuse to start without one.
  PAYLOAD_ENCRYPTION_KEYS: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()).transform((raw, ctx) => {
    const keys = parsePayloadKeys(raw);
    if (typeof keys === 'string') {
      ctx.addIssue({ code: 'custom', message: keys });
      return z.NEVER;
    }
    return keys;
  }),
  ADMIN_API_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional()),
  KEY_CACHE_MS: z.coerce.number().int().min(0).max(5_000).default(2_000),
  WORKER_REGIONS: optionalString,
  SHUTDOWN_GRACE_MS: positiveInt(30_000),
  METRICS_PORT: port(9464),
  TEMPORAL_SDK_METRICS_PORT: port(9465),
  DEEPGRAM_RETRY_INITIAL_INTERVAL_MS: positiveInt(5_000),
  DEEPGRAM_RETRY_BACKOFF: z.coerce.number().min(1).default(2),
  DEEPGRAM_RETRY_MAX_ATTEMPTS: positiveInt(3),
  DEEPGRAM_RETRY_MAX_INTERVAL_MS: positiveInt(120_000),
  CALLBACK_SECRET: optionalSecret,
  CALLBACK_TIMEOUT_MS: positiveInt(3_600_000),
  ROUTING_SYNC_MAX_SECONDS: z.coerce.number().positive().default(60),
  ROUTING_ASYNC_MIN_SECONDS: z.coerce.number().positive().default(300),
  CHUNK_THRESHOLD_SECONDS: z.coerce.number().min(0).default(600),
  CHUNK_SECONDS: z.coerce.number().min(5).default(300),
  AUDIO_TOOLS_PYTHON: optionalString,
  EMULATOR_PORT: port(4010),
  EMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  EMULATOR_API_KEY: z.string().min(1).default('emulator-key'),
  EMULATOR_ENGINE: z.enum(['auto', 'whisper', 'synthetic']).default('auto'),
  EMULATOR_ENGINE_PYTHON: optionalString,
  EMULATOR_ENGINE_MODEL: z.enum(['whisper-base', 'whisper-tiny']).default('whisper-base'),
  EMULATOR_ENGINE_WORKERS: positiveInt(availableParallelism()),
  EMULATOR_ENGINE_THREADS: positiveInt(availableParallelism()),
  EMULATOR_ENGINE_PARTIAL_INTERVAL_MS: positiveInt(1_000),
  LOCAL_ENGINE_PORT: port(4020),
  LOCAL_ENGINE_HOST: z.string().min(1).default('127.0.0.1'),
  LOCAL_ENGINE_API_KEY: optionalString,
  LOCAL_ENGINE_FAULTS: flag(false),
  BLOB_STORE: z.enum(['postgres', 'filesystem', 's3']).default('postgres'),
  S3_BUCKET: optionalString,
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: optionalString,
  S3_FORCE_PATH_STYLE: flag(false),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_PRESIGN_FOR_DEEPGRAM: flag(false),
  S3_PRESIGN_TTL_SECONDS: positiveInt(900),
  RESUMABLE_UPLOAD_DIR: optionalString,
  RESUMABLE_UPLOAD_EXPIRY_SECONDS: positiveInt(86_400),
  BLOB_DIR: optionalString,
  MAX_UPLOAD_BYTES: positiveInt(512 * 1024 * 1024),
  ALLOW_PRIVATE_URLS: flag(false),
  OUTBOUND_DNS_SERVERS: optionalString.refine(
    (v) => v === undefined || v.split(',').every((s) => /^(\[[0-9a-fA-F:.]+\]|[0-9.]+|[0-9a-fA-F:]+)(:\d+)?$/.test(s.trim())),
    'must be DNS server addresses (ip or ip:port) separated by commas',
  ),
  WEBHOOK_SECRET: optionalSecret,
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  WEBHOOK_RETRY_INITIAL_INTERVAL_MS: positiveInt(5_000),
  WEBHOOK_RETRY_MAX_INTERVAL_MS: positiveInt(3_600_000),
  WEBHOOK_MAX_DURATION_MS: positiveInt(86_400_000),
  RETENTION_DAYS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().positive().optional()),
  RETENTION_INTERVAL_MINUTES: positiveInt(60),
  STREAMING_PORT: port(3010),
  LIVE_TASK_QUEUE: z.string().min(1).default('live-sessions'),
  LIVE_MAX_SESSIONS_PER_WORKER: positiveInt(200),
  LIVE_MAX_SESSION_SECONDS: positiveInt(4 * 3600),
  LIVE_MAX_MESSAGE_BYTES: positiveInt(1024 * 1024),
  LIVE_MAX_BUFFER_BYTES: positiveInt(8 * 1024 * 1024),
  LIVE_KEEPALIVE_INTERVAL_MS: positiveInt(4_000),
  LIVE_HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(10_000),
  LIVE_RESUME_WINDOW_MS: positiveInt(30_000),
  LIVE_PERSIST_INTERVAL_MS: positiveInt(1_000),
  LIVE_UPSTREAM_RECONNECT_ATTEMPTS: z.coerce.number().int().min(0).default(5),
  LIVE_UPSTREAM_CONNECT_TIMEOUT_SECONDS: positiveInt(10),
  LIVE_PING_INTERVAL_MS: positiveInt(15_000),
  LIVE_IDLE_TIMEOUT_MS: positiveInt(30_000),
  LIVE_UPSTREAM_BUFFER_SECONDS: z.coerce.number().positive().default(10),
  LIVE_BACKPRESSURE_TIMEOUT_MS: positiveInt(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), httpUrl.optional()),
  OTEL_EXPORTER_OTLP_HEADERS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .optional()
      .refine((v) => v === undefined || v.split(',').every((pair) => /^[^=]+=/.test(pair.trim())), 'must be key=value pairs separated by commas'),
  ),
  OTEL_SERVICE_NAME: optionalString,
});

export const ENV_VARIABLE_NAMES: readonly string[] = Object.keys(EnvVariables.shape);

export const EnvSchema = EnvVariables.superRefine((env, ctx) => {
  if (env.ROUTING_ASYNC_MIN_SECONDS < env.ROUTING_SYNC_MAX_SECONDS) {
    ctx.addIssue({ code: 'custom', path: ['ROUTING_ASYNC_MIN_SECONDS'], message: 'must be >= ROUTING_SYNC_MAX_SECONDS' });
  }
  if (env.BLOB_STORE === 's3' && !env.S3_BUCKET) {
    ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when BLOB_STORE=s3' });
  }
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    ctx.addIssue({ code: 'custom', path: ['S3_SECRET_ACCESS_KEY'], message: 'and S3_ACCESS_KEY_ID are set together (or neither, for the AWS SDK credential chain)' });
  }
  if (Boolean(env.TEMPORAL_TLS_CERT_FILE) !== Boolean(env.TEMPORAL_TLS_KEY_FILE)) {
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY_FILE'], message: 'and TEMPORAL_TLS_CERT_FILE are set together (mutual TLS needs both)' });
  }
  if (env.PUBLIC_BASE_URL && !env.CALLBACK_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['CALLBACK_SECRET'], message: 'is required when PUBLIC_BASE_URL is set (it signs Deepgram callback URLs)' });
  }
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  http: {
    port: number;
    host: string;
    publicBaseUrl?: string;
    syncWaitMs: number;
    /** Requests per minute per client (IP); 0 turns the limit off. */
    rateLimitPerMinute: number;
    /** Where budgets live: `postgres` is shared by every API replica, `memory` is per process. */
    rateLimitStore: 'postgres' | 'memory';
    /** Load balancers of our own in front of the API: the client address is read from X-Forwarded-For past them. */
    trustedProxyHops: number;
    shutdownGraceMs: number;
  };
  /**
   * Client credentials from API_KEYS (synced into the database at start-up, each name its tenant); the admin key
   * guards /v1/admin; key lookups are cached for `keyCacheMs` (how soon a revoked key stops working everywhere).
   */
  auth: {
    keys: readonly ApiKey[];
    adminKey?: string;
    keyCacheMs: number;
    /** ALLOW_UNAUTHENTICATED: serve with no key on a non-loopback address (refused at start-up otherwise). */
    allowUnauthenticated: boolean;
  };
  /**
   * Data residency: Deepgram endpoints per region (`DEEPGRAM_API_URL_<REGION>`), and the regions this process's
   * workers serve (`WORKER_REGIONS`; default: every region, including `default`, the one of unpinned keys).
   */
  regions: { endpoints: Record<string, string[]>; served: string[] };
  /** Port of the worker processes' own /metrics (the API serves /metrics on its own port). */
  metrics: { port: number; temporalSdkPort: number };
  dataDir: string;
  /** timeouts: PostgreSQL connect and query timeouts, so a database that stops answering fails requests fast (503). */
  db: { url?: string; timeouts: { connectMs: number; queryMs: number } };
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    cliPath?: string;
    devServerPort: number;
    uiPort: number;
    uiUrl?: string;
    /** A workflow bundle built ahead (`npm run build:workflows`): workers load it instead of bundling at start. */
    workflowBundlePath?: string;
    /** How every connection to an external cluster is secured; absent = plain gRPC (the dev server, a private network). */
    tls?: TemporalTls;
    /** Temporal Cloud's API-key authentication (sent as a bearer token; implies TLS). */
    apiKey?: string;
    /**
     * Every payload Temporal stores is AES-256-GCM encrypted: the first key encrypts, all of them decrypt (rotation).
     * Empty when PAYLOAD_ENCRYPTION_KEYS is unset (`npm start` then uses its local key; the other entry points refuse).
     */
    payloadKeys: readonly PayloadKey[];
  };
  deepgram: {
    apiKey?: string;
    /** Endpoints in priority order; empty means "not configured" (the launcher may start the emulator). */
    apiUrls: string[];
    timeoutSeconds: number;
    heartbeatTimeoutMs: number;
    /** Global caps across all batch workers, enforced by Temporal (task-queue rate limit, per-worker slots). */
    limits: { maxConcurrent: number; maxRequestsPerMinute: number };
    circuit: { failureThreshold: number; cooldownMs: number; outageMaxWaitMs: number };
    healthIntervalMs: number;
    retry: { initialIntervalMs: number; backoffCoefficient: number; maximumAttempts: number; maximumIntervalMs: number };
  };
  callbacks: { secret?: string; timeoutMs: number };
  routing: { syncMaxSeconds: number; asyncMinSeconds: number };
  /** Long files cut at pauses into chunks transcribed in parallel; thresholdSeconds 0 = never. python: one with PyAV. */
  chunking: { thresholdSeconds: number; chunkSeconds: number; python?: string };
  /** engine: how the emulator transcribes unregistered audio; auto = Whisper when installed, else synthetic. */
  emulator: {
    port: number;
    host: string;
    apiKey: string;
    engine: 'auto' | 'whisper' | 'synthetic';
    enginePython?: string;
    /** The local model for requests that name no local one; worker processes; live interim re-decode interval. */
    engineModel: 'whisper-base' | 'whisper-tiny';
    engineWorkers: number;
    engineThreads: number;
    enginePartialIntervalMs: number;
  };
  /**
   * `npm run local-engine`: the Deepgram protocol answered by the local Whisper engine alone. apiKey unset = any
   * key is accepted (it then sits behind DEEPGRAM_API_URL on a private address); faults = the admin API is served.
   */
  localEngine: { port: number; host: string; apiKey?: string; faults: boolean };
  /** Where uploaded audio lives; `s3` with its bucket settings (credentials unset = the AWS SDK's own chain). */
  uploads: {
    store: 'postgres' | 'filesystem' | 's3';
    dir: string;
    maxBytes: number;
    /** Resumable uploads (tus at /v1/uploads): kept in `dir` (or the S3 bucket with BLOB_STORE=s3), unfinished ones removed after expiryMs. */
    resumable: { dir: string; expiryMs: number };
    s3?: {
      bucket: string;
      region: string;
      endpoint?: string;
      forcePathStyle: boolean;
      credentials?: { accessKeyId: string; secretAccessKey: string };
      /** Seconds a presigned GET handed to Deepgram stays valid; undefined = no presigning (S3_PRESIGN_FOR_DEEPGRAM off). */
      presignForDeepgramSeconds?: number;
    };
  };
  /**
   * Server-side request forgery guard for audio, webhook and callback URLs: only public addresses, checked when
   * each connection is made. dnsServers: resolve those hosts with these servers instead of the system resolver.
   */
  urls: { allowPrivate: boolean; dnsServers?: string[] };
  webhooks: { secret?: string; timeoutMs: number; retry: { initialIntervalMs: number; maximumIntervalMs: number; maxDurationMs: number } };
  /** RETENTION_DAYS: jobs, transcripts, uploads, delivery logs and live sessions older than this are deleted (a Temporal Schedule every intervalMs); unset keeps them. */
  retention: { days?: number; intervalMs: number };
  live: LiveConfig;
  log: { level: Env['LOG_LEVEL'] };
  /** OpenTelemetry tracing, exported over OTLP/HTTP; off (nothing installed) without an endpoint. */
  tracing: { endpoint?: string; headers: Record<string, string>; serviceName?: string };
}

/** Live streaming: the streaming worker's port, task queue and every per-session limit. */
export interface LiveConfig {
  /** Port of a standalone streaming worker (`npm run streaming-worker`); `npm start` serves live on PORT. */
  port: number;
  /** Workflow task queue of `liveSession`; each streaming worker also polls `<taskQueue>.<worker id>` for its relays. */
  taskQueue: string;
  /** Open live sessions across every streaming worker (Deepgram's project-wide streaming concurrency). */
  maxSessions: number;
  maxSessionsPerWorker: number;
  maxSessionSeconds: number;
  maxMessageBytes: number;
  /** Audio kept per session: what arrived before the relay started, and what is not yet covered by a final result. */
  maxBufferBytes: number;
  keepAliveIntervalMs: number;
  heartbeatTimeoutMs: number;
  resumeWindowMs: number;
  persistIntervalMs: number;
  upstreamReconnectAttempts: number;
  /** One Deepgram Live handshake; past it the next endpoint is tried (an endpoint that drops packets answers nothing). */
  upstreamConnectTimeoutSeconds: number;
  /** WebSocket pings to the client and to Deepgram; a side that has not answered the previous one is cut off. */
  pingIntervalMs: number;
  /** A client that sends nothing (no audio, no KeepAlive) for this long is closed (Deepgram's NET-0001 rule). */
  idleTimeoutMs: number;
  /**
   * Backpressure: at most this much audio waits in the socket to Deepgram; beyond it the client's socket is not read
   * (TCP slows the client down), and if it stays beyond for `backpressureTimeoutMs` the session ends with 1008.
   */
  upstreamBufferSeconds: number;
  backpressureTimeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once. Throws a ConfigError whose message is one line naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const got = env[name];
      const shown = got !== undefined && !SECRET_VARIABLES.has(name) ? ` (got ${JSON.stringify(got)})` : '';
      return `${name} ${issue.message.replace(/^Invalid input: /, '')}${shown}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const regions = parseRegions(env, e.WORKER_REGIONS);
  return Object.freeze({
    http: {
      port: e.PORT,
      host: e.HOST,
      publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/$/, ''),
      syncWaitMs: e.SYNC_WAIT_MS,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      rateLimitStore: e.RATE_LIMIT_STORE,
      trustedProxyHops: e.TRUSTED_PROXY_HOPS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
    auth: { keys: e.API_KEYS, adminKey: e.ADMIN_API_KEY, keyCacheMs: e.KEY_CACHE_MS, allowUnauthenticated: e.ALLOW_UNAUTHENTICATED },
    regions,
    metrics: { port: e.METRICS_PORT, temporalSdkPort: e.TEMPORAL_SDK_METRICS_PORT },
    dataDir: e.DATA_DIR,
    db: { url: e.DATABASE_URL, timeouts: { connectMs: e.DATABASE_CONNECT_TIMEOUT_MS, queryMs: e.DATABASE_QUERY_TIMEOUT_MS } },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      devServerPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL?.replace(/\/$/, ''),
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
      tls:
        e.TEMPORAL_TLS || e.TEMPORAL_TLS_CA_FILE || e.TEMPORAL_TLS_CERT_FILE || e.TEMPORAL_API_KEY
          ? {
              caFile: e.TEMPORAL_TLS_CA_FILE,
              clientCertFile: e.TEMPORAL_TLS_CERT_FILE,
              clientKeyFile: e.TEMPORAL_TLS_KEY_FILE,
              serverName: e.TEMPORAL_TLS_SERVER_NAME,
            }
          : undefined,
      apiKey: e.TEMPORAL_API_KEY,
      payloadKeys: e.PAYLOAD_ENCRYPTION_KEYS,
    },
    deepgram: {
      apiKey: e.DEEPGRAM_API_KEY,
      apiUrls: e.DEEPGRAM_API_URL ? e.DEEPGRAM_API_URL.split(',').map((u) => u.trim().replace(/\/$/, '')) : [],
      timeoutSeconds: e.DEEPGRAM_TIMEOUT_SECONDS,
      heartbeatTimeoutMs: e.DEEPGRAM_HEARTBEAT_TIMEOUT_MS,
      limits: { maxConcurrent: e.DEEPGRAM_MAX_CONCURRENT, maxRequestsPerMinute: e.DEEPGRAM_MAX_REQUESTS_PER_MINUTE },
      circuit: { failureThreshold: e.DEEPGRAM_CIRCUIT_FAILURES, cooldownMs: e.DEEPGRAM_CIRCUIT_COOLDOWN_MS, outageMaxWaitMs: e.DEEPGRAM_OUTAGE_MAX_WAIT_MS },
      healthIntervalMs: e.DEEPGRAM_HEALTH_INTERVAL_MS,
      retry: {
        initialIntervalMs: e.DEEPGRAM_RETRY_INITIAL_INTERVAL_MS,
        backoffCoefficient: e.DEEPGRAM_RETRY_BACKOFF,
        maximumAttempts: e.DEEPGRAM_RETRY_MAX_ATTEMPTS,
        maximumIntervalMs: e.DEEPGRAM_RETRY_MAX_INTERVAL_MS,
      },
    },
    callbacks: { secret: e.CALLBACK_SECRET, timeoutMs: e.CALLBACK_TIMEOUT_MS },
    routing: { syncMaxSeconds: e.ROUTING_SYNC_MAX_SECONDS, asyncMinSeconds: e.ROUTING_ASYNC_MIN_SECONDS },
    chunking: { thresholdSeconds: e.CHUNK_THRESHOLD_SECONDS, chunkSeconds: e.CHUNK_SECONDS, ...(e.AUDIO_TOOLS_PYTHON ? { python: e.AUDIO_TOOLS_PYTHON } : {}) },
    emulator: {
      port: e.EMULATOR_PORT,
      host: e.EMULATOR_HOST,
      apiKey: e.EMULATOR_API_KEY,
      engine: e.EMULATOR_ENGINE,
      enginePython: e.EMULATOR_ENGINE_PYTHON,
      engineModel: e.EMULATOR_ENGINE_MODEL,
      engineWorkers: e.EMULATOR_ENGINE_WORKERS,
      engineThreads: e.EMULATOR_ENGINE_THREADS,
      enginePartialIntervalMs: e.EMULATOR_ENGINE_PARTIAL_INTERVAL_MS,
    },
    localEngine: { port: e.LOCAL_ENGINE_PORT, host: e.LOCAL_ENGINE_HOST, apiKey: e.LOCAL_ENGINE_API_KEY, faults: e.LOCAL_ENGINE_FAULTS },
    uploads: {
      store: e.BLOB_STORE,
      dir: e.BLOB_DIR ?? `${e.DATA_DIR}/uploads`,
      maxBytes: e.MAX_UPLOAD_BYTES,
      resumable: { dir: e.RESUMABLE_UPLOAD_DIR ?? `${e.DATA_DIR}/resumable-uploads`, expiryMs: e.RESUMABLE_UPLOAD_EXPIRY_SECONDS * 1000 },
      ...(e.S3_BUCKET
        ? {
            s3: {
              bucket: e.S3_BUCKET,
              region: e.S3_REGION,
              endpoint: e.S3_ENDPOINT,
              forcePathStyle: e.S3_FORCE_PATH_STYLE,
              ...(e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? { credentials: { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } } : {}),
              presignForDeepgramSeconds: e.S3_PRESIGN_FOR_DEEPGRAM ? e.S3_PRESIGN_TTL_SECONDS : undefined,
            },
          }
        : {}),
    },
    urls: { allowPrivate: e.ALLOW_PRIVATE_URLS, ...(e.OUTBOUND_DNS_SERVERS ? { dnsServers: e.OUTBOUND_DNS_SERVERS.split(',').map((s) => s.trim()) } : {}) },
    retention: { ...(e.RETENTION_DAYS !== undefined ? { days: e.RETENTION_DAYS } : {}), intervalMs: e.RETENTION_INTERVAL_MINUTES * 60_000 },
    webhooks: {
      secret: e.WEBHOOK_SECRET,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retry: {
        initialIntervalMs: e.WEBHOOK_RETRY_INITIAL_INTERVAL_MS,
        maximumIntervalMs: e.WEBHOOK_RETRY_MAX_INTERVAL_MS,
        maxDurationMs: e.WEBHOOK_MAX_DURATION_MS,
      },
    },
    live: {
      port: e.STREAMING_PORT,
      taskQueue: e.LIVE_TASK_QUEUE,
      maxSessions: e.DEEPGRAM_MAX_LIVE_SESSIONS,
      maxSessionsPerWorker: e.LIVE_MAX_SESSIONS_PER_WORKER,
      maxSessionSeconds: e.LIVE_MAX_SESSION_SECONDS,
      maxMessageBytes: e.LIVE_MAX_MESSAGE_BYTES,
      maxBufferBytes: e.LIVE_MAX_BUFFER_BYTES,
      keepAliveIntervalMs: e.LIVE_KEEPALIVE_INTERVAL_MS,
      heartbeatTimeoutMs: e.LIVE_HEARTBEAT_TIMEOUT_MS,
      resumeWindowMs: e.LIVE_RESUME_WINDOW_MS,
      persistIntervalMs: e.LIVE_PERSIST_INTERVAL_MS,
      upstreamReconnectAttempts: e.LIVE_UPSTREAM_RECONNECT_ATTEMPTS,
      upstreamConnectTimeoutSeconds: e.LIVE_UPSTREAM_CONNECT_TIMEOUT_SECONDS,
      pingIntervalMs: e.LIVE_PING_INTERVAL_MS,
      idleTimeoutMs: e.LIVE_IDLE_TIMEOUT_MS,
      upstreamBufferSeconds: e.LIVE_UPSTREAM_BUFFER_SECONDS,
      backpressureTimeoutMs: e.LIVE_BACKPRESSURE_TIMEOUT_MS,
    },
    log: { level: e.LOG_LEVEL },
    tracing: {
      endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, ''),
      headers: parseOtlpHeaders(e.OTEL_EXPORTER_OTLP_HEADERS),
      serviceName: e.OTEL_SERVICE_NAME,
    },
  });
}

/** The region of keys that are not pinned to one: DEEPGRAM_API_URL and the base task queues. */
export const DEFAULT_REGION = 'default';

/**
 * `DEEPGRAM_API_URL_<REGION>=url[,url…]` for each region (EU → `eu`, US_WEST → `us-west`), and `WORKER_REGIONS`,
 * the regions this process works for (comma-separated; `default` is the unpinned one).
 */
function parseRegions(env: Record<string, string | undefined>, workerRegions: string | undefined): Config['regions'] {
  const endpoints: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(env)) {
    const match = /^DEEPGRAM_API_URL_([A-Z0-9_]+)$/.exec(name);
    if (!match || !value) continue;
    const region = match[1]!.toLowerCase().replace(/_/g, '-');
    const urls = value.split(',').map((u) => u.trim().replace(/\/$/, ''));
    if (!urls.every((u) => httpUrl.safeParse(u).success)) throw new ConfigError(`Invalid configuration: ${name} must be an http(s) URL, or several separated by commas (got ${JSON.stringify(value)})`);
    if (region === DEFAULT_REGION) throw new ConfigError(`Invalid configuration: ${name}: "default" is the region of DEEPGRAM_API_URL; name the region otherwise`);
    endpoints[region] = urls;
  }
  const all = [DEFAULT_REGION, ...Object.keys(endpoints).sort()];
  if (!workerRegions) return { endpoints, served: all };
  const served = [...new Set(workerRegions.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean))];
  const unknown = served.filter((r) => !all.includes(r));
  if (unknown.length > 0 || served.length === 0) {
    throw new ConfigError(`Invalid configuration: WORKER_REGIONS names ${unknown.join(', ') || 'nothing'}; regions configured: ${all.join(', ')} (add DEEPGRAM_API_URL_<REGION>)`);
  }
  return { endpoints, served };
}

/** `OTEL_EXPORTER_OTLP_HEADERS` as the OTel spec writes it: `key=value` pairs, comma-separated, values URL-encoded. */
function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  if (!value) return {};
  return Object.fromEntries(
    value.split(',').map((pair) => {
      const at = pair.indexOf('=');
      const raw = pair.slice(at + 1).trim();
      let decoded = raw;
      try {
        decoded = decodeURIComponent(raw);
      } catch {
        // Not URL-encoded after all: keep it as written.
      }
      return [pair.slice(0, at).trim(), decoded];
    }),
  );
}
