import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.js';
import { jobView } from '../job-view.js';

/** Cancel, delete, and the webhook delivery log of a job. */
export function transcriptionLifecycleRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post('/:id/cancel', async (c) => {
      const job = await deps.service.cancel(c.get('caller'), c.req.param('id'));
      deps.logger.info({ jobId: job.id, workflowId: job.id }, 'transcription canceled');
      return c.json(jobView({ job }, { self: `/v1/transcriptions/${job.id}` }), 200);
    })
    .delete('/:id', async (c) => {
      await deps.service.delete(c.get('caller'), c.req.param('id'));
      deps.logger.info({ jobId: c.req.param('id'), workflowId: c.req.param('id') }, 'transcription deleted');
      return c.body(null, 204);
    })
    .get('/:id/webhooks', async (c) => {
      const { job, deliveries } = await deps.service.webhookDeliveries(c.get('caller'), c.req.param('id'));
      return c.json(
        {
          webhook_url: job.webhookUrl,
          deliveries: deliveries.map((d) => ({
            event_id: d.eventId,
            attempt: d.attempt,
            status_code: d.statusCode,
            error: d.error,
            succeeded: d.succeeded,
            duration_ms: d.durationMs,
            created_at: d.createdAt.toISOString(),
          })),
        },
        200,
      );
    })
    .post('/:id/webhooks/redeliver', async (c) => {
      const { eventId } = await deps.service.redeliverWebhook(c.get('caller'), c.req.param('id'));
      return c.json({ event_id: eventId, status: 'scheduled' }, 202);
    });
}
