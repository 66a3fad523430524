export { transcription } from './transcription.workflow.js';
export { webhookDelivery } from './webhook-delivery.workflow.js';
