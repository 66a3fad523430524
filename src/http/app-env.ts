import type { LiveRecordings } from '../services/live-recordings.service.js';
import type { ResumableUploadsService } from '../services/resumable-uploads.service.js';
import type { Tracer } from '@opentelemetry/api';
import type { PayloadCodec } from '@temporalio/common';
import type { RateLimitStore } from '../domain/rate-limits.js';
import type { Config } from '../config.js';
import type { Caller } from '../domain/tenancy.js';
import type { KeyDirectory } from '../services/api-keys.js';
import type { TenantsService } from '../services/tenants.service.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Readiness } from '../observability/readiness.js';
import type { LiveSessionsService } from '../services/live-sessions.service.js';
import type { TranscriptionService } from '../services/transcriptions.service.js';

export interface AppDeps {
  service: TranscriptionService;
  /** Live sessions: `GET /v1/streams[/:id]`, `POST /v1/streams/:id/close`. */
  liveSessions: LiveSessionsService;
  logger: Logger;
  metrics: Metrics;
  /** Label for transcription metrics: which Deepgram deployment serves this process. */
  region: string;
  /** Each dependency's reachability, for /ready, with optional detail (e.g. per Deepgram endpoint). */
  readiness: () => Promise<Readiness>;
  /** Refreshes gauges that are read from elsewhere (queue depth from the database). */
  beforeMetricsScrape?: () => Promise<void>;
  /** Builds the Temporal Web UI link for a workflow, when a UI is known. */
  temporalUiLink?: (workflowId: string) => string;
  config: Config;
  /** Resolves API keys to their tenant (PostgreSQL, briefly cached). */
  keys: KeyDirectory;
  /** Tenants, keys and usage: the admin API and `GET /v1/usage`. */
  tenants: TenantsService;
  /** Per-client budgets on /v1 (RATE_LIMIT_PER_MINUTE); none when it is 0. */
  rateLimits?: RateLimitStore;
  maxJsonBytes: number;
  /** Temporal's payload codec (PAYLOAD_ENCRYPTION_KEYS), served to the Temporal UI and CLI at /v1/admin/codec. */
  payloadCodec: PayloadCodec;
  /** Browser origins (the Temporal UI's) allowed to call the codec endpoint. */
  codecOrigins: readonly string[];
  /** True once the process is draining: /ready turns 503 and responses close their connections. */
  isShuttingDown: () => boolean;
  /** With tracing on: a server span per request, the parent of the Temporal and Deepgram spans it causes. */
  tracer?: Tracer;
  /** Resumable uploads (tus) at /v1/uploads. */
  resumableUploads?: ResumableUploadsService;
  /** Live sessions' recordings and re-passes: `GET /v1/streams/:id/recording`, `POST /v1/streams/:id/transcribe`. */
  liveRecordings?: LiveRecordings;
}

/** `caller`: who is asking (its tenant and key); the implicit tenant when the API is open. Unset on admin routes. */
export type AppEnv = { Variables: { requestId: string; caller: Caller } };
