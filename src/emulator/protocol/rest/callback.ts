import { errorBody, faultError } from '../errors.js';
import { describeFault } from '../../faults/faults.js';
import type { Query } from '../params.js';
import type { EmulatorState } from '../../state.js';

/** Per-attempt timeout of a callback delivery. */
const DELIVERY_TIMEOUT_MS = 30_000;

export interface CallbackJob {
  requestId: string;
  url: string;
  method: 'POST' | 'PUT';
  query: Query;
  /** Produces the JSON to deliver (the full response, or an err_code/err_msg body on failure). */
  produce: () => Promise<unknown>;
}

/** Validates a callback URL: http or https only (Deepgram answers 400 "Invalid callback url." otherwise). */
export function parseCallbackUrl(raw: string): URL | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Delivers a callback in the background: applies a 'callback' fault if one is queued, then POSTs/PUTs the JSON,
 * retrying non-2xx answers and network failures up to callbackMaxAttempts times, callbackRetryDelayMs apart.
 * Every attempt is recorded as a RecordedRequest of kind 'callback'.
 */
export async function runCallbackJob(state: EmulatorState, job: CallbackJob): Promise<void> {
  const { logger, callbackMaxAttempts, callbackRetryDelayMs } = state.settings;
  let body: unknown;
  try {
    body = await job.produce();
  } catch (err) {
    body = errorBody('INTERNAL_SERVER_ERROR', `Transcription failed: ${(err as Error).message}`, job.requestId);
  }
  const fault = state.faults.take('callback');
  if (fault?.latencyMs && !(await state.sleep(fault.latencyMs))) return;
  if (fault?.status !== undefined) {
    const e = faultError(fault.status);
    body = errorBody(fault.errCode ?? e.errCode, fault.errMsg ?? e.errMsg, job.requestId);
  }
  const target = new URL(job.url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const pass = decodeURIComponent(target.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  const payload = JSON.stringify(body);
  for (let attempt = 1; attempt <= callbackMaxAttempts; attempt++) {
    const record = state.record({
      id: job.requestId,
      kind: 'callback',
      method: job.method,
      path: target.pathname,
      query: job.query,
      startedAt: Date.now(),
      callbackUrl: job.url,
      fault: fault ? describeFault(fault) : undefined,
    });
    if (fault?.drop) {
      record.endedAt = Date.now();
      logger.info({ requestId: job.requestId }, 'emulator: callback dropped by fault');
      return;
    }
    try {
      const response = await fetch(target, {
        method: job.method,
        headers,
        body: payload,
        signal: AbortSignal.any([state.shutdown.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      record.status = response.status;
      record.endedAt = Date.now();
      if (response.ok) return;
      logger.warn({ requestId: job.requestId, status: response.status, attempt }, 'emulator: callback receiver answered non-2xx');
    } catch (err) {
      record.endedAt = Date.now();
      if (state.shutdown.signal.aborted) return;
      logger.warn({ requestId: job.requestId, attempt, err: (err as Error).message }, 'emulator: callback delivery failed');
    }
    if (attempt < callbackMaxAttempts && !(await state.sleep(callbackRetryDelayMs))) return;
  }
}
