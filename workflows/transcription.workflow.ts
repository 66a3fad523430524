import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { needsProbe, resolveMode } from '../src/domain/routing.js';
import type { DeepgramCallbackNotice, JobError, TranscriptionInput, TranscriptionOutcome, TranscriptSummary } from '../src/domain/transcription.js';
import { deepgramCallbackSignal, jobStatusQuery, routingUpdate, type TranscriptionProgress } from './definitions.js';

/**
 * Activities that only touch our own database. Local activities: they run inside the workflow task on
 * the same worker, saving a server round trip each (this is most of a sync request's overhead).
 * Retried patiently; they fail only if PostgreSQL stays down.
 */
const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
});

/**
 * One transcription job: route sync/async, call Deepgram through retryable activities,
 * store the result, mark the job. Completes with the outcome; fails (visibly, in the Temporal UI)
 * when the job fails, after recording why in the jobs table.
 */
export async function transcription(input: TranscriptionInput): Promise<TranscriptionOutcome> {
  const progress: TranscriptionProgress = { status: 'queued', mode: null, durationSeconds: input.durationHint ?? null, deepgramRequestId: null, error: null };
  let callbackNotice: DeepgramCallbackNotice | undefined;
  setHandler(jobStatusQuery, () => progress);
  setHandler(routingUpdate, async () => {
    // A failure before routing leaves mode null; the caller then reads the job's status instead.
    await condition(() => progress.mode !== null || progress.status === 'failed');
    return progress.mode ?? 'sync';
  });
  setHandler(deepgramCallbackSignal, (notice) => {
    callbackNotice ??= notice;
  });

  const deepgramRetry = {
    initialInterval: input.retry.initialIntervalMs,
    backoffCoefficient: input.retry.backoffCoefficient,
    maximumAttempts: input.retry.maximumAttempts,
    maximumInterval: input.retry.maximumIntervalMs,
    nonRetryableErrorTypes: ['DeepgramRejected'],
  };
  const deepgram = proxyActivities<Activities>({
    startToCloseTimeout: input.timeouts.deepgramCallMs + 60_000,
    heartbeatTimeout: input.timeouts.heartbeatMs,
    retry: deepgramRetry,
  });
  const probe = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 2 } });

  try {
    const duration = needsProbe(input.mode, input.durationHint)
      ? await probe.probeAudioDuration(input.source).catch(() => null)
      : (input.durationHint ?? null);
    progress.mode = resolveMode(input.mode, duration, input.routing);
    progress.durationSeconds = duration;
    progress.status = 'processing';
    await bookkeeping.markJobProcessing(input.jobId, progress.mode, duration);

    const request = { jobId: input.jobId, source: input.source, options: input.options };
    let summary: TranscriptSummary | undefined;
    if (progress.mode === 'async' && input.useCallback) {
      const accepted = await deepgram.submitToDeepgramWithCallback(request);
      progress.deepgramRequestId = accepted.deepgramRequestId;
      if (await condition(() => callbackNotice !== undefined, input.callbackTimeoutMs)) {
        if (!callbackNotice!.ok) throw ApplicationFailure.nonRetryable(callbackNotice!.error?.message ?? 'Deepgram reported a failure', 'DeepgramRejected', callbackNotice!.error);
        summary = await bookkeeping.loadStoredTranscript(input.jobId);
      }
      // No callback in time (lost by Deepgram or by us): fall through and transcribe directly.
    }
    summary ??= await deepgram.transcribeAudio(request);

    progress.deepgramRequestId = summary.deepgramRequestId;
    progress.durationSeconds = summary.durationSeconds ?? progress.durationSeconds;
    await bookkeeping.markJobCompleted(input.jobId, summary);
    progress.status = 'completed';
    return { status: 'completed', jobId: input.jobId, mode: progress.mode, ...summary };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const error = jobErrorOf(err);
    progress.status = 'failed';
    progress.error = error;
    await bookkeeping.markJobFailed(input.jobId, error, progress.mode);
    throw ApplicationFailure.nonRetryable(error.message, error.code, error);
  }
}

/** The job-facing error for whatever ended the run; Deepgram's details travel in the failure's details. */
function jobErrorOf(err: unknown): JobError {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as JobError | undefined;
    if (detail && typeof detail.code === 'string') return detail;
    return { code: 'transcription_failed', message: cause.message };
  }
  if (cause instanceof TimeoutFailure) return { code: 'deepgram_unavailable', message: `Deepgram call timed out (${cause.timeoutType})` };
  return { code: 'transcription_failed', message: cause instanceof Error ? cause.message : String(cause) };
}
