/**
 * For other services: start and await transcriptions straight through Temporal (no HTTP hop), and verify
 * our webhooks. Import from `durable-transcription/client` (or this file) in a service that has its own
 * Temporal `Client`.
 */
export { verifyWebhookSignature, signWebhook, SIGNATURE_HEADER, EVENT_ID_HEADER } from '../adapters/webhook-signature.js';
