import { Hono } from 'hono';
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
      if (deps.isShuttingDown()) return c.json({ status: 'shutting_down', checks: {} }, 503);
      const { checks, details } = await deps.readiness();
      const ready = Object.values(checks).every(Boolean);
      return c.json({ status: ready ? 'ready' : 'not_ready', checks, ...details }, ready ? 200 : 503);
    });
}
