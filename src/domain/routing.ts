import type { RequestedMode, ResolvedMode, RoutingThresholds, TranscriptionInput } from './transcription.js';

/**
 * Decides sync or async for a request. `auto` follows the duration rule:
 * known duration below `syncMaxSeconds` → sync; above `asyncMinSeconds` → async;
 * in between or unknown → sync (a short wait is cheaper than a queue round trip, and the API
 * turns a sync request that outlives SYNC_WAIT_MS into a 202 anyway).
 */
export function resolveMode(
  requested: RequestedMode,
  durationSeconds: number | null | undefined,
  thresholds: RoutingThresholds,
): ResolvedMode {
  if (requested !== 'auto') return requested;
  if (durationSeconds == null || !Number.isFinite(durationSeconds)) return 'sync';
  if (durationSeconds < thresholds.syncMaxSeconds) return 'sync';
  if (durationSeconds > thresholds.asyncMinSeconds) return 'async';
  return 'sync';
}

/** Whether `auto` routing can decide from a known duration alone, without probing the audio. */
export function needsProbe(requested: RequestedMode, durationHint: number | undefined): boolean {
  return requested === 'auto' && durationHint === undefined;
}

/** The route a job takes when its request decides it (an explicit mode, or a duration to route by); null when the audio must be probed. */
export function routeAtSubmission(input: Pick<TranscriptionInput, 'mode' | 'durationHint' | 'routing'>): ResolvedMode | null {
  return needsProbe(input.mode, input.durationHint) ? null : resolveMode(input.mode, input.durationHint, input.routing);
}
