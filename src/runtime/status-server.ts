import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../observability/metrics.js';
import { readinessAnswer, type Readiness } from '../observability/readiness.js';

export interface StatusOptions {
  metrics?: Metrics;
  readiness: () => Promise<Readiness>;
  shuttingDown: () => boolean;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/**
 * `/health`, `/ready` and `/metrics` for processes without an HTTP API of their own (workers), answering as the API
 * does. Resolves false for any other path, leaving the request to the caller.
 */
export function statusRoutes(options: StatusOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://status').pathname;
    if (path === '/health') {
      json(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/ready') {
      const { status, body } = await readinessAnswer(options.shuttingDown(), options.readiness);
      json(res, status, body);
      return true;
    }
    if (path === '/metrics' && options.metrics) {
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(await options.metrics.registry.metrics());
      return true;
    }
    return false;
  };
}

/** A server with only the status routes (the batch worker's, on METRICS_PORT). */
export async function startStatusServer(options: StatusOptions & { port: number; host?: string }): Promise<{ url: string; close(): Promise<void> }> {
  const routes = statusRoutes(options);
  const server = createServer(async (req, res) => {
    if (!(await routes(req, res))) json(res, 404, { error: { code: 'not_found', message: 'This is a worker: /health, /ready and /metrics are served here' } });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
