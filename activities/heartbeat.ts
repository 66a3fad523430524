import type { Context } from '@temporalio/activity';

/**
 * How often an activity tells Temporal it is alive: a third of its heartbeat timeout, at most every 3 s. An attempt
 * that ends sooner sends no heartbeat at all (no Temporal write for the common, quick case; a worker that dies
 * mid-attempt is still found out by the heartbeat timeout). The SDK throttles the beats after the first to 80 % of
 * that timeout anyway.
 */
const heartbeatEveryMs = (ctx: Context) => Math.min(3_000, Math.max(100, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));

/** Runs `work`, heartbeating meanwhile, so an attempt lost with its worker is retried within the heartbeat timeout. */
export async function whileHeartbeating<T>(ctx: Context, details: () => unknown, work: (ctx: Context) => Promise<T>): Promise<T> {
  const beat = setInterval(() => ctx.heartbeat(details()), heartbeatEveryMs(ctx));
  try {
    return await work(ctx);
  } finally {
    clearInterval(beat);
  }
}
