/** One event to deliver. The event id is stable across retries and redeliveries so receivers can de-duplicate. */
export interface WebhookDeliveryRequest {
  jobId: string;
  eventId: string;
  url: string;
  /** `event`: our signed job event. `deepgram-callback`: Deepgram's raw response, for drop-in clients. */
  kind: 'event' | 'deepgram-callback';
}

export interface WebhookDeliveryInput extends WebhookDeliveryRequest {
  retry: { initialIntervalMs: number; maximumIntervalMs: number; maxDurationMs: number };
}

export function webhookEventId(jobId: string, status: string, kind: WebhookDeliveryRequest['kind']): string {
  return kind === 'event' ? `evt_${jobId}_${status}` : `cb_${jobId}_${status}`;
}
