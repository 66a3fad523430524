import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { WebhookDeliveryInput } from '../src/domain/webhooks.js';

export { WEBHOOK_DELIVERY_WORKFLOW } from './definitions.js';

/**
 * Delivers one event with backoff until the receiver takes it, says 410 Gone, or the delivery window
 * (a day by default) closes. Its own workflow, so a slow receiver never holds up the transcription.
 */
export async function webhookDelivery(input: WebhookDeliveryInput): Promise<void> {
  const { deliverWebhook } = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    // An attempt lost with its worker (a crash, a deploy) is tried again within seconds, not after the minute.
    heartbeatTimeout: '10 seconds',
    scheduleToCloseTimeout: input.retry.maxDurationMs,
    retry: {
      initialInterval: input.retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: input.retry.maximumIntervalMs,
      nonRetryableErrorTypes: ['WebhookGone', 'WebhookMisconfigured', 'JobMissing'],
    },
  });
  await deliverWebhook({ jobId: input.jobId, eventId: input.eventId, url: input.url, kind: input.kind });
}
