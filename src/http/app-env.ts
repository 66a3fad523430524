import type { Tracer } from '@opentelemetry/api';
import type { RateLimitStore } from '../adapters/rate-limits/index.js';
import type { ApiKey, Config } from '../config.js';
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
  callbackSecret?: string;
  config: Config;
  /** Per-client budgets on /v1 (RATE_LIMIT_PER_MINUTE); none when it is 0. */
  rateLimits?: RateLimitStore;
  maxJsonBytes: number;
  /** True once the process is draining: /ready turns 503 and responses close their connections. */
  isShuttingDown: () => boolean;
  /** With tracing on: a server span per request, the parent of the Temporal and Deepgram spans it causes. */
  tracer?: Tracer;
}

/** `apiKey`: the caller's key, once authenticated (only when API_KEYS is set). */
export type AppEnv = { Variables: { requestId: string; apiKey?: ApiKey } };
