import { createJobActivities, type JobActivityDeps } from './job.activities.js';
import { createTranscriptionActivities, type TranscriptionActivityDeps } from './transcription.activities.js';
import { createWebhookActivities, type WebhookActivityDeps } from './webhook.activities.js';
import { createRetentionActivities, type RetentionActivityDeps } from './retention.activities.js';
import { createChunkingActivities, type ChunkingActivityDeps } from './chunking.activities.js';

export type ActivityDeps = TranscriptionActivityDeps & WebhookActivityDeps & JobActivityDeps & RetentionActivityDeps & ChunkingActivityDeps;

/** Every batch activity, built from the worker's dependencies. Workflows proxy `Activities` by type only. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createTranscriptionActivities(deps),
    ...createJobActivities(deps),
    ...createWebhookActivities(deps),
    ...createRetentionActivities(deps),
    ...createChunkingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
