import { createJobActivities } from './job.activities.js';
import { createTranscriptionActivities, type TranscriptionActivityDeps } from './transcription.activities.js';

export type ActivityDeps = TranscriptionActivityDeps;

/** Every batch activity, built from the worker's dependencies. Workflows proxy `Activities` by type only. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createTranscriptionActivities(deps),
    ...createJobActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
