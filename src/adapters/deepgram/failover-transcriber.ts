import type { Tracer } from '@opentelemetry/api';
import { CircuitBreaker, type EndpointCircuit } from './circuit-breaker.js';
import { DeepgramCallError, DeepgramCallTimeout, isUnreachable } from './errors.js';
import { createDeepgramTranscriber, type TranscribeRequest, type Transcriber } from './transcriber.js';

/** Thrown when every endpoint is failing or cooling down; `retryInMs` says when one may be tried again. */
export class AllEndpointsDownError extends Error {
  override name = 'AllEndpointsDownError';
  constructor(
    readonly retryInMs: number,
    readonly lastError?: DeepgramCallError,
  ) {
    super(`Every Deepgram endpoint is failing; the next one may be tried in ${Math.ceil(retryInMs / 1000)} s${lastError ? ` (last error: ${lastError.message})` : ''}`);
  }
}

export interface FailoverOptions {
  /** Endpoints in priority order (DEEPGRAM_API_URL, comma-separated). */
  apiUrls: string[];
  apiKey?: string;
  timeoutSeconds: number;
  failureThreshold: number;
  cooldownMs: number;
  /** Told about every call: which endpoint, and the HTTP status (or 'network'/'timeout'). */
  onCall?: (endpoint: string, outcome: string) => void;
  /** With tracing on: a span per call to each endpoint. */
  tracer?: Tracer;
}

/**
 * Transcriber over several Deepgram endpoints (regions, self-hosted): calls go to the first healthy one in
 * priority order; an endpoint that fails with a network error or 5xx is skipped for a cooldown and the next is
 * tried at once. Request errors (4xx) are returned as they are: another endpoint would refuse them too. A call
 * that times out on our side is returned as it is too (see DeepgramCallTimeout).
 */
export function createFailoverTranscriber(options: FailoverOptions): Transcriber & { health(): EndpointCircuit[] } {
  const endpoints = options.apiUrls.map((apiUrl) => ({
    apiUrl,
    transcriber: createDeepgramTranscriber({ apiUrl, apiKey: options.apiKey, timeoutSeconds: options.timeoutSeconds, tracer: options.tracer }),
    breaker: new CircuitBreaker(options.failureThreshold, options.cooldownMs),
  }));

  async function withFailover<T>(call: (t: Transcriber) => Promise<T>): Promise<T> {
    let lastError: DeepgramCallError | undefined;
    for (const endpoint of endpoints) {
      if (!endpoint.breaker.tryAcquire()) continue;
      try {
        const result = await call(endpoint.transcriber);
        endpoint.breaker.succeeded();
        options.onCall?.(endpoint.apiUrl, '200');
        return result;
      } catch (err) {
        if (!(err instanceof DeepgramCallError)) {
          // Cancelled, or failed on our side: no news of the endpoint, but a half-open trial must not stay taken.
          endpoint.breaker.released();
          throw err;
        }
        if (err instanceof DeepgramCallTimeout) {
          // Unknown outcome: the endpoint may still be transcribing. Another endpoint now would bill twice; Temporal
          // retries this one after a backoff instead, and its circuit hears neither good nor bad news.
          options.onCall?.(endpoint.apiUrl, 'timeout');
          endpoint.breaker.released();
          throw err;
        }
        options.onCall?.(endpoint.apiUrl, err.status !== undefined ? String(err.status) : 'network');
        lastError = err;
        if (isUnreachable(err)) {
          endpoint.breaker.failed();
          continue;
        }
        // The endpoint answered, so it is up. A 4xx is about the request: no other endpoint would differ.
        // A 5xx may be local to this endpoint: try the next one, and otherwise let Temporal retry.
        endpoint.breaker.succeeded();
        if (err.kind === 'permanent' || err.status === 429) throw err;
      }
    }
    // Only an outage of every endpoint is waited out by the workflow; anything else is an ordinary retry.
    if (endpoints.every((e) => e.breaker.state !== 'closed')) {
      throw new AllEndpointsDownError(Math.max(1_000, Math.min(...endpoints.map((e) => e.breaker.retryInMs()))), lastError);
    }
    throw lastError ?? new DeepgramCallError('transient', 'No Deepgram endpoint could be tried', undefined, undefined, undefined, undefined);
  }

  return {
    endpoint: options.apiUrls.join(','),
    transcribe: (request: TranscribeRequest) => withFailover((t) => t.transcribe(request)),
    submitWithCallback: (request: TranscribeRequest, callbackUrl: string) => withFailover((t) => t.submitWithCallback(request, callbackUrl)),
    health: () => endpoints.map((e) => ({ endpoint: e.apiUrl, state: e.breaker.state })),
  };
}
