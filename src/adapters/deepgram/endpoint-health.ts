export interface EndpointStatus {
  endpoint: string;
  healthy: boolean;
  checkedAt: Date | null;
  error?: string;
}

/**
 * Watches whether each Deepgram endpoint answers at all (any HTTP response counts: a 401 or 404 still means
 * the service is there). The API uses it to refuse sync work with a 503 during a full outage, and for /ready.
 */
export function createEndpointHealth(options: { apiUrls: string[]; intervalMs: number; timeoutMs?: number }) {
  const statuses = new Map<string, EndpointStatus>(options.apiUrls.map((endpoint) => [endpoint, { endpoint, healthy: true, checkedAt: null }]));
  let timer: NodeJS.Timeout | undefined;

  async function probe(endpoint: string): Promise<void> {
    try {
      const res = await fetch(`${endpoint}/`, { method: 'GET', signal: AbortSignal.timeout(options.timeoutMs ?? 2_000) });
      await res.arrayBuffer().catch(() => undefined);
      statuses.set(endpoint, { endpoint, healthy: true, checkedAt: new Date() });
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      statuses.set(endpoint, { endpoint, healthy: false, checkedAt: new Date(), error: cause });
    }
  }

  const checkAll = () => Promise.all(options.apiUrls.map(probe)).then(() => undefined);

  return {
    checkAll,
    start() {
      void checkAll();
      timer = setInterval(() => void checkAll(), options.intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
    anyHealthy: () => [...statuses.values()].some((s) => s.healthy),
    statuses: () => [...statuses.values()],
  };
}

export type EndpointHealth = ReturnType<typeof createEndpointHealth>;
