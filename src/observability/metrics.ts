import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
