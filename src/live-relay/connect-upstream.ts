import { LiveConnectError, type LiveUpstream } from '../adapters/deepgram/live-client.js';

export interface ReconnectPolicy {
  /** Attempts after the first one. */
  retries: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens a Deepgram Live socket, retrying transient failures (network, 429, 5xx) with exponential backoff.
 * Resolves null when `cancelled()` turns true meanwhile; throws the last LiveConnectError when Deepgram refused
 * the request itself or the retries ran out.
 */
export async function connectUpstream(
  open: () => Promise<LiveUpstream>,
  policy: ReconnectPolicy,
  cancelled: () => boolean,
): Promise<LiveUpstream | null> {
  for (let attempt = 0; ; attempt++) {
    if (cancelled()) return null;
    try {
      return await open();
    } catch (err) {
      const failure = err instanceof LiveConnectError ? err : new LiveConnectError('transient', String((err as Error)?.message ?? err), undefined);
      if (failure.kind === 'permanent' || attempt >= policy.retries) throw failure;
      await sleep(Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** attempt));
    }
  }
}
