import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus instruments, one registry per process (no globals, so tests can build several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let openLiveSessions: (() => number) | undefined;
  return {
    registry,
    transcriptionRequests: new Counter({
      name: 'transcription_requests_total',
      help: 'Transcription jobs: status="accepted" when the API takes one (sync or async), then completed, failed or canceled once when it finishes',
      labelNames: ['status', 'model', 'region'] as const,
      registers: [registry],
    }),
    transcriptionLatency: new Histogram({
      name: 'transcription_latency_seconds',
      help: 'Time from submission to stored transcript, once for every completed job, sync and async',
      labelNames: ['model', 'mode'] as const,
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    transcriptionQueueDepth: new Gauge({
      name: 'transcription_queue_depth',
      help: 'Jobs accepted but not finished (queued or processing), read from the database at scrape time',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    deepgramActiveConnections: new Gauge({
      name: 'deepgram_active_connections',
      help: 'Deepgram requests and live connections open from this process',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    liveSessionsOpen: new Gauge({
      name: 'live_sessions_open',
      help: 'Client live sessions connected to this streaming worker',
      registers: [registry],
      collect() {
        if (openLiveSessions) this.set(openLiveSessions());
      },
    }),
    /** The streaming worker says how to count its open sessions; read at scrape time. */
    countLiveSessionsWith(source: () => number): void {
      openLiveSessions = source;
    },
    liveSessionsRefused: new Counter({
      name: 'live_sessions_refused_total',
      help: 'Live connections closed with 1013 for capacity: worker_full (LIVE_MAX_SESSIONS_PER_WORKER) or global_limit (DEEPGRAM_MAX_LIVE_SESSIONS)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    liveSessionsEnded: new Counter({
      name: 'live_sessions_ended_total',
      help: 'Live sessions ended, by close reason (client_closed, upstream_failed, client_disconnected, max_duration, ...)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    deepgramCalls: new Counter({
      name: 'deepgram_calls_total',
      // Prerecorded calls carry no kind label (as before); live handshakes have kind="live" and outcome 101 when the socket opened.
      help: 'Deepgram prerecorded calls and live handshakes (kind="live") by endpoint and outcome (HTTP status, 101 for an opened live socket, or network)',
      labelNames: ['kind', 'endpoint', 'outcome'] as const,
      registers: [registry],
    }),
    deepgramRetries: new Counter({
      name: 'deepgram_retries_total',
      help: 'Deepgram activity attempts after the first (retries owned by Temporal)',
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    audioSecondsProcessed: new Counter({
      name: 'audio_seconds_processed_total',
      help: 'Seconds of audio transcribed, by mode',
      labelNames: ['mode'] as const,
      registers: [registry],
    }),
    tenantAudioSeconds: new Counter({
      name: 'tenant_audio_seconds_total',
      help: 'Billable audio seconds metered per tenant (once per job or live session), by mode',
      labelNames: ['tenant', 'mode'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
