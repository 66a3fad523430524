import { liveApiOf, type LiveOptions, type LiveRelayOutcome } from '../domain/live.js';

export interface ClientClose {
  code: number;
  reason: string;
}

/**
 * How the client's socket is closed when the relay ends for a reason of ours, and whether Metadata comes first (never
 * on Flux, which has no Metadata message).
 */
export function clientCloseFor(outcome: LiveRelayOutcome, detail: { sessionId: string; maxSessionSeconds: number; options: LiveOptions }): { client: ClientClose | null; metadata: boolean } {
  const close = v1CloseFor(outcome, detail);
  return liveApiOf(detail.options) === 'v2' ? { ...close, metadata: false } : close;
}

function v1CloseFor(outcome: LiveRelayOutcome, detail: { sessionId: string; maxSessionSeconds: number }): { client: ClientClose | null; metadata: boolean } {
  switch (outcome) {
    case 'client_closed':
      return { client: { code: 1000, reason: '' }, metadata: true };
    case 'closed_by_request':
      return { client: { code: 1000, reason: 'Session closed through the API' }, metadata: true };
    case 'max_duration':
      return { client: { code: 1008, reason: `Maximum session length of ${detail.maxSessionSeconds} s reached` }, metadata: true };
    case 'superseded':
      return { client: { code: 1008, reason: 'Session taken over by a newer connection (resumed or takeover=true)' }, metadata: false };
    case 'budget_exhausted':
      return { client: { code: 1008, reason: 'BUDGET_EXCEEDED: the API key\'s monthly audio budget is used up' }, metadata: true };
    case 'key_revoked':
      return { client: { code: 1008, reason: 'INVALID_AUTH: the API key was revoked' }, metadata: true };
    case 'worker_shutdown':
      // 1012 "service restart": reconnect, with session_id to continue.
      return { client: { code: 1012, reason: `Streaming worker restarting; reconnect with session_id=${detail.sessionId}` }, metadata: false };
    case 'upstream_failed':
      return { client: { code: 1011, reason: 'Deepgram Live failed' }, metadata: false };
    case 'client_disconnected':
    case 'client_missing':
      return { client: null, metadata: false };
  }
}
