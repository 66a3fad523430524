export { transcription, transcriptionJob } from './transcription.workflow.js';
export { webhookDelivery } from './webhook-delivery.workflow.js';
export { liveSession } from './live-session.workflow.js';
export { dataRetention } from './retention.workflow.js';
export { transcriptionBatch } from './transcription-batch.workflow.js';
export { transcriptionChunk } from './transcription-chunk.workflow.js';
export { streamTranscription } from './stream-transcription.workflow.js';
