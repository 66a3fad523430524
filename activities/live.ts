import { createLiveSessionActivities, type LiveActivityDeps } from './live-session.activities.js';

/** The streaming worker's activities. The liveSession workflow proxies `LiveActivities` by type only. */
export function createLiveActivities(deps: LiveActivityDeps) {
  return createLiveSessionActivities(deps);
}

export type LiveActivities = ReturnType<typeof createLiveActivities>;
export type { LiveActivityDeps };
