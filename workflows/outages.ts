import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';

const OUTAGES = new Set(['DeepgramEndpointsDown', 'StorageUnavailable']);

/**
 * Runs a Deepgram call, waiting out outages of every Deepgram endpoint or of our storage (durable timers, no retry
 * attempts spent) until `deadline` (DEEPGRAM_OUTAGE_MAX_WAIT_MS after the job started). `waiting` is told while
 * the job waits for Deepgram to come back.
 */
export async function throughOutages<T>(call: () => Promise<T>, deadline: number, waiting?: (waitingForDeepgram: boolean) => void): Promise<T> {
  while (true) {
    try {
      return await call();
    } catch (err) {
      const outage = outageOf(err);
      if (outage === null || Date.now() + outage.retryInMs > deadline) throw err;
      if (outage.type === 'DeepgramEndpointsDown') waiting?.(true);
      await sleep(outage.retryInMs);
      waiting?.(false);
    }
  }
}

/** An outage to wait out (every Deepgram endpoint, or our database, is down) and for how long; null for any other failure. */
function outageOf(err: unknown): { type: string; retryInMs: number } | null {
  // An activity's failure comes wrapped in an ActivityFailure; a local activity's can come as the ApplicationFailure itself.
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || !OUTAGES.has(cause.type ?? '')) return null;
  const retryInMs = (cause.details?.[0] as { retryInMs?: number } | undefined)?.retryInMs;
  return { type: cause.type!, retryInMs: typeof retryInMs === 'number' && retryInMs > 0 ? retryInMs : 5_000 };
}
