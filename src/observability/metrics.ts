import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus instruments, one registry per process (no globals, so tests can build several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    transcriptionRequests: new Counter({
      name: 'transcription_requests_total',
      help: 'Transcription requests accepted by the API, by outcome at response time',
      labelNames: ['status', 'model', 'region'] as const,
      registers: [registry],
    }),
    transcriptionLatency: new Histogram({
      name: 'transcription_latency_seconds',
      help: 'Time from request to transcript for jobs answered synchronously',
      labelNames: ['model'] as const,
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
    deepgramCalls: new Counter({
      name: 'deepgram_calls_total',
      help: 'Deepgram prerecorded calls by endpoint and outcome (HTTP status, or network)',
      labelNames: ['endpoint', 'outcome'] as const,
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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
