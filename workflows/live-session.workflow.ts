import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { LiveActivities } from '../activities/live.js';
import { isTerminalOutcome, type ClientAttachment, type LiveCloseReason, type LiveSessionInput } from '../src/domain/live.js';
import { attachClientSignal, closeLiveSessionSignal, liveSessionStateQuery, type LiveSessionState, type LiveSessionSummary } from './live-session.definitions.js';

/** Writes to our own database, on the workflow's worker; retried patiently. */
// A session's end is recorded soon after PostgreSQL is back (a client waiting on GET /v1/streams/:id sees it): retries
// stay at most 5 s apart, for as long as before (about ten minutes).
const bookkeeping = proxyLocalActivities<LiveActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 120 },
});

/** Recordings: joining a long recording reads and writes all of it, so it gets minutes, and patient retries. */
const recordings = proxyLocalActivities<LiveActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 100 },
});

/**
 * One live session. Each client connection gets one long-running relay activity, scheduled on the task queue of
 * the streaming worker that holds that client's socket. When the client goes away (or its worker dies: the relay
 * stops heartbeating), the session waits `resumeWindowMs` for the client to reconnect to any streaming worker with
 * `session_id`, then relays from there. Ends on the client's CloseStream, a close request, the length limit, or
 * when nobody comes back.
 */
export async function liveSession(input: LiveSessionInput): Promise<LiveSessionSummary> {
  const state: LiveSessionState = {
    status: 'relaying',
    closeRequested: false,
    connectionId: input.attach.connectionId,
    taskQueue: input.attach.taskQueue,
    resumes: 0,
    closeReason: null,
  };
  let pending: ClientAttachment | null = input.attach;
  let running: CancellationScope | undefined;
  // Handlers first, before any await, so an early signal is never missed.
  setHandler(attachClientSignal, (attach) => {
    pending = attach;
    state.connectionId = attach.connectionId;
    state.taskQueue = attach.taskQueue;
    running?.cancel(); // the old relay hands over: its client is gone, or superseded by this one
  });
  setHandler(closeLiveSessionSignal, () => {
    state.closeRequested = true;
    running?.cancel();
  });
  setHandler(liveSessionStateQuery, () => state);

  const deadline = Date.now() + input.limits.maxSessionMs;
  let reason: LiveCloseReason = 'client_missing';
  let message: string | undefined;
  let first = true;
  while (true) {
    if (state.closeRequested) {
      reason = 'closed_by_request';
      break;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      reason = 'max_duration';
      break;
    }
    if (!pending) {
      state.status = 'waiting_for_client';
      if (!(await condition(() => pending !== null || state.closeRequested, Math.min(input.limits.resumeWindowMs, remaining)))) break;
      continue;
    }
    const attach: ClientAttachment = pending;
    pending = null;
    if (!first) state.resumes += 1;
    first = false;
    state.status = 'relaying';
    running = new CancellationScope();
    const ended = await running.run(() => relay(input, attach, deadline)).catch((err: unknown) => relayFailure(err, state.closeRequested));
    running = undefined;
    reason = ended.reason;
    message = ended.message;
    if (ended.terminal) break;
  }
  state.status = 'ended';
  state.closeReason = reason;
  await bookkeeping.markLiveSessionEnded(input.sessionId, reason, message ?? null);
  if (input.record) {
    await recordings.finishLiveRecording(input.sessionId);
    if (input.repass) await recordings.startLiveRepass(input.sessionId);
  }
  return { sessionId: input.sessionId, closeReason: reason, resumes: state.resumes };
}

interface RelayEnd {
  reason: LiveCloseReason;
  terminal: boolean;
  message?: string;
}

async function relay(input: LiveSessionInput, attach: ClientAttachment, deadline: number): Promise<RelayEnd> {
  const { heartbeatTimeoutMs } = input.limits;
  const activities = proxyActivities<LiveActivities>({
    taskQueue: attach.taskQueue,
    // Only that worker polls its queue; if it does not pick the relay up soon, it is gone.
    scheduleToStartTimeout: Math.max(15_000, 3 * heartbeatTimeoutMs),
    startToCloseTimeout: Math.max(1_000, deadline - Date.now()) + 60_000,
    heartbeatTimeout: heartbeatTimeoutMs,
    // Never retried by Temporal: a retry would wait on the same, possibly dead, worker's queue. The session instead
    // waits for the client to reconnect to any worker and starts a new relay there.
    retry: { maximumAttempts: 1 },
    // A cancelled relay first flushes Deepgram and stores its finals; the next relay must start after that.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const result = await activities.relayLiveSession({
    sessionId: input.sessionId,
    connectionId: attach.connectionId,
    options: input.options,
    deadlineMs: deadline,
    maxSessionSeconds: Math.round(input.limits.maxSessionMs / 1000),
  });
  return { reason: result.outcome, terminal: isTerminalOutcome(result.outcome), ...(result.message ? { message: result.message } : {}) };
}

/** A relay that did not return: cancelled by us, lost with its worker, or failed. */
function relayFailure(err: unknown, closeRequested: boolean): RelayEnd {
  if (isCancellation(err)) return closeRequested ? { reason: 'closed_by_request', terminal: true } : { reason: 'superseded', terminal: false };
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) return { reason: 'worker_lost', terminal: false, message: `relay timed out (${cause.timeoutType})` };
  return { reason: 'internal_error', terminal: false, message: cause instanceof Error ? cause.message : String(cause) };
}
