import type { OpenLiveUpstream } from '../src/adapters/deepgram/live-client.js';
import type { Db } from '../src/db/database.js';
import { markLiveSessionEnded } from '../src/db/repositories/live-sessions.repository.js';
import { recordLiveUsage } from '../src/db/repositories/usage.repository.js';
import type { LiveCloseReason } from '../src/domain/live.js';
import type { Metrics } from '../src/observability/metrics.js';

/**
 * The Deepgram Live endpoints a session may use: its pinned region's, else the worker's own. A region this worker
 * does not serve refuses at once (permanent: the session's audio must not go elsewhere).
 */
export function upstreamFor(deps: { openUpstream: OpenLiveUpstream; openUpstreamIn?: (region: string | null) => OpenLiveUpstream | undefined }, region: string | null): OpenLiveUpstream {
  if (!region) return deps.openUpstream;
  return (
    deps.openUpstreamIn?.(region) ??
    (() => Promise.reject(Object.assign(new Error(`this streaming worker serves no Deepgram endpoint of region ${region}`), { kind: 'permanent' })))
  );
}

/** Ends a session (the first recorded reason wins) and meters its audio: each counted once, however often this runs. */
export async function endLiveSession(deps: { db: Db; metrics?: Metrics }, sessionId: string, reason: LiveCloseReason, message: string | null): Promise<void> {
  const ended = await markLiveSessionEnded(deps.db, sessionId, { reason, ...(message ? { message } : {}) });
  if (ended) deps.metrics?.liveSessionsEnded.inc({ reason });
  // Metered once per session (unique on the session), even when this is retried after the row was ended.
  const metered = await recordLiveUsage(deps.db, sessionId);
  if (metered) deps.metrics?.tenantAudioSeconds.inc({ tenant: metered.tenantName, mode: 'live' }, metered.audioSeconds);
}
