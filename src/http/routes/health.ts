import { Hono } from 'hono';
import { readinessAnswer } from '../../observability/readiness.js';
import type { AppDeps, AppEnv } from '../app-env.js';

export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/health', (c) => c.json({ status: 'ok' }, 200))
    .get('/metrics', async (c) => {
      await deps.beforeMetricsScrape?.();
      c.header('Content-Type', deps.metrics.registry.contentType);
      return c.body(await deps.metrics.registry.metrics(), 200);
    })
    .get('/ready', async (c) => {
      const { status, body } = await readinessAnswer(deps.isShuttingDown(), deps.readiness);
      return c.json(body, status);
    });
}
