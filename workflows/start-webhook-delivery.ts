import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { TENANT_KEY } from '../src/domain/job-search-attributes.js';
import { webhookEventId, type WebhookDeliveryInput } from '../src/domain/webhooks.js';
import { WEBHOOK_DELIVERY_WORKFLOW, type webhookDelivery } from './webhook-delivery.workflow.js';

/**
 * Starts the delivery of a job's final event as its own workflow, which outlives the job's (webhooks retry for a
 * day). Its id is the job's and the event's, so a repeated start is refused. `taskQueue`: where the delivery runs when
 * not on the caller's own queue (a stream job's runs where the delivery activities are, the batch workers').
 */
export async function startWebhookDelivery(
  target: Omit<WebhookDeliveryInput, 'eventId'> & { status: 'completed' | 'failed' },
  options: { tenantName?: string; taskQueue?: string },
): Promise<void> {
  const { jobId, status, url, kind, retry } = target;
  const eventId = webhookEventId(jobId, status, kind);
  await startChild<typeof webhookDelivery>(WEBHOOK_DELIVERY_WORKFLOW, {
    workflowId: `${jobId}-${eventId}`,
    ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    ...(options.tenantName ? { typedSearchAttributes: [{ key: TENANT_KEY, value: options.tenantName }] } : {}),
    args: [{ jobId, eventId, url, kind, retry }],
  });
}
