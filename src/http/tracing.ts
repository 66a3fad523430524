import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './app-env.js';

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/**
 * A server span per request (`POST /v1/transcriptions/:id/cancel`), continuing the caller's trace when it sends a
 * `traceparent`. The rest of the request runs inside it, so the Temporal client interceptor carries it into the
 * workflow's headers and the workflow, activity and Deepgram spans join the same trace.
 */
export function traceRequests(tracer: Tracer): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const url = new URL(c.req.url);
    const span = tracer.startSpan(
      c.req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path, 'url.scheme': url.protocol.replace(':', ''), 'server.address': url.hostname },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      // After `next` the route index points at the handler that answered; a `*` pattern means only middleware ran.
      const route = routePath(c);
      if (route && !route.includes('*')) {
        span.setAttribute('http.route', route);
        span.updateName(`${c.req.method} ${route}`);
      }
      const status = c.res.status;
      span.setAttribute('http.response.status_code', status);
      const requestId = c.get('requestId');
      if (requestId) span.setAttribute('http.request.id', requestId);
      if (status >= 500) {
        if (c.error) span.recordException(c.error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    }
  };
}
