import { CircuitBreaker, type EndpointCircuit } from './circuit-breaker.js';
import { isUnreachable } from './errors.js';
import { classifyHandshakeError, createLiveClient, LiveConnectError, type LiveUpstream, type LiveUpstreamHandlers, type OpenLiveUpstream } from './live-client.js';
import type { LiveOptions } from '../../domain/live.js';

export interface FailoverLiveOptions {
  /** Endpoints in priority order (DEEPGRAM_API_URL, comma-separated). */
  apiUrls: string[];
  apiKey?: string;
  failureThreshold: number;
  cooldownMs: number;
  /** Per handshake attempt (the SDK's connection timeout); 10 s when unset. */
  connectTimeoutSeconds?: number;
  /** WebSocket pings on every open socket (LIVE_PING_INTERVAL_MS); none when unset. */
  pingIntervalMs?: number;
  /**
   * Told about every handshake attempt: the endpoint, and `101` (the socket opened), the HTTP status Deepgram
   * refused it with, or `network` (no HTTP answer: refused, reset, DNS, timeout). `error` is set when it failed.
   */
  onConnect?: (endpoint: string, outcome: string, error?: LiveConnectError) => void;
}

export type FailoverLiveClient = OpenLiveUpstream & { health(): EndpointCircuit[] };

/**
 * Opens Deepgram Live sockets over several endpoints (regions, self-hosted), with the prerecorded failover's rules:
 * each open goes to the first endpoint in priority order whose circuit breaker admits it. An unreachable endpoint
 * trips its breaker and the next one is tried at once, within the same open; a 5xx/429 refusal moves on to the next
 * one too (the endpoint answered, so it counts as up); a permanent refusal (400, 401, 402, ...) is thrown as it is,
 * since another endpoint would refuse the same request. If nothing could be opened the error is transient, so the
 * relay keeps retrying with backoff.
 *
 * A socket that drops mid-stream is not judged here: the relay reconnects by calling open again, and that attempt
 * finds out whether its endpoint died (and then lands on the next healthy one). A session stays on the endpoint it
 * reached; only new sockets go back to a recovered endpoint of higher priority.
 *
 * When every breaker refuses (all endpoints failed recently) each endpoint is still tried once, in order: a live
 * session cannot wait out a cooldown the way a queued job can, and a refused connection costs milliseconds, so one
 * endpoint (the usual set-up) behaves exactly as without breakers and a recovered endpoint is found at once.
 */
export function createFailoverLiveClient(options: FailoverLiveOptions): FailoverLiveClient {
  if (options.apiUrls.length === 0) throw new Error('createFailoverLiveClient needs at least one Deepgram endpoint');
  const endpoints = options.apiUrls.map((apiUrl) => ({
    apiUrl,
    open: createLiveClient({ apiUrl, apiKey: options.apiKey, connectTimeoutSeconds: options.connectTimeoutSeconds, pingIntervalMs: options.pingIntervalMs }),
    breaker: new CircuitBreaker(options.failureThreshold, options.cooldownMs),
  }));
  type Endpoint = (typeof endpoints)[number];

  /** One handshake; settles the endpoint's breaker either way. Returns the failure rather than throwing it. */
  async function attempt(endpoint: Endpoint, liveOptions: LiveOptions, handlers: LiveUpstreamHandlers): Promise<LiveUpstream | LiveConnectError> {
    try {
      const upstream = await endpoint.open(liveOptions, handlers);
      endpoint.breaker.succeeded();
      options.onConnect?.(endpoint.apiUrl, '101');
      return upstream;
    } catch (err) {
      const failure = err instanceof LiveConnectError ? err : classifyHandshakeError(err);
      if (isUnreachable(failure)) endpoint.breaker.failed();
      else endpoint.breaker.succeeded();
      options.onConnect?.(endpoint.apiUrl, failure.status !== undefined ? String(failure.status) : 'network', failure);
      return failure;
    }
  }

  const open: OpenLiveUpstream = async (liveOptions, handlers) => {
    const failures: string[] = [];
    let admitted = 0;
    const tryIn = async (candidates: Endpoint[], viaBreaker: boolean): Promise<LiveUpstream | undefined> => {
      for (const endpoint of candidates) {
        if (viaBreaker && !endpoint.breaker.tryAcquire()) continue;
        admitted++;
        const result = await attempt(endpoint, liveOptions, handlers);
        if (!(result instanceof LiveConnectError)) return result;
        // The request itself was refused (parameters, credentials, credits): no other endpoint would differ.
        if (result.kind === 'permanent') throw result;
        failures.push(`${endpoint.apiUrl}: ${result.message}`);
      }
      return undefined;
    };
    const upstream = (await tryIn(endpoints, true)) ?? (admitted === 0 ? await tryIn(endpoints, false) : undefined);
    if (upstream) return upstream;
    throw new LiveConnectError('transient', `No Deepgram Live endpoint could be opened (${failures.join('; ')})`, undefined);
  };

  return Object.assign(open, {
    health: (): EndpointCircuit[] => endpoints.map((e) => ({ endpoint: e.apiUrl, state: e.breaker.state })),
  });
}
