import { createLiveSessionActivities, type LiveActivityDeps } from './live-session.activities.js';
import { createStreamJobActivities } from './stream-job.activities.js';

export interface LiveActivitiesDeps extends LiveActivityDeps {
  /** Opens a stream job's URL through the SSRF-guarded client; without it this worker takes no stream jobs. */
  openSource?: (url: string, signal: AbortSignal) => Promise<Response>;
  sourceReconnect?: { firstDelayMs: number; maxDelayMs: number; giveUpAfterMs: number };
}

/** The streaming worker's activities. The liveSession and streamTranscription workflows proxy `LiveActivities` by type only. */
export function createLiveActivities(deps: LiveActivitiesDeps) {
  const openSource = deps.openSource ?? (() => Promise.reject(new Error('this streaming worker pulls no stream URLs (no outbound client configured)')));
  return { ...createLiveSessionActivities(deps), ...createStreamJobActivities({ ...deps, openSource }) };
}

export type LiveActivities = ReturnType<typeof createLiveActivities>;
export type { LiveActivityDeps };
