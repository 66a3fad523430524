import { ActivityCancellationType, ApplicationFailure, CancellationScope, CancelledFailure, isCancellation, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { LiveActivities } from '../activities/live.js';
import { jobSearchAttributes } from '../src/domain/job-search-attributes.js';
import type { StreamJobInput, StreamPullResult } from '../src/domain/stream-job.js';
import type { JobStatus } from '../src/domain/transcription.js';
import { jobStatusQuery, streamProgressSignal, type TranscriptionProgress } from './definitions.js';
import { startWebhookDelivery } from './start-webhook-delivery.js';

const bookkeeping = proxyLocalActivities<LiveActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 200 },
});

/**
 * A stream job: a URL that is a live audio stream, transcribed as it plays. One long-running, heartbeating pull runs
 * on any streaming worker (the queue they all poll); when its worker dies it stops heartbeating and Temporal runs it
 * again on another one, which continues after the last stored final. Ends when the stream ends, at the deadline, or
 * on cancel; the finals then become the job's transcript.
 */
export async function streamTranscription(input: StreamJobInput): Promise<{ status: JobStatus }> {
  const progress: TranscriptionProgress = {
    status: 'processing',
    mode: null,
    durationSeconds: null,
    deepgramRequestId: input.jobId,
    error: null,
    waitingForDeepgram: false,
    phase: 'transcribing',
    phaseStartedAt: Date.now(),
    version: 1,
  };
  setHandler(jobStatusQuery, () => progress);
  setHandler(streamProgressSignal, (update) => {
    progress.stream = update;
    progress.durationSeconds = update.audioSeconds;
    progress.version = (progress.version ?? 0) + 1;
  });
  const setStatus = (status: JobStatus) => {
    progress.status = status;
    progress.version = (progress.version ?? 0) + 1;
    if (input.searchAttributes) upsertSearchAttributes(jobSearchAttributes(status, input.owner.tenantName, null));
  };

  const pull = proxyActivities<LiveActivities>({
    startToCloseTimeout: Math.max(60_000, input.deadlineMs - Date.now() + 120_000),
    heartbeatTimeout: input.heartbeatTimeoutMs,
    // A worker lost mid-stream: the pull starts again elsewhere, at once and as often as it takes (until the deadline).
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: ['StreamJobMissing'] },
    // A canceled pull first stores its last finals.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

  let result: StreamPullResult | undefined;
  let cancellation: unknown;
  try {
    result = await pull.pullLiveStream({ jobId: input.jobId, deadlineMs: input.deadlineMs });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancellation = err;
  }
  // A canceled pull may still return (it stored its last finals first): the job was canceled all the same.
  if (CancellationScope.current().consideredCancelled) cancellation ??= new CancelledFailure('the stream job was canceled');
  const outcome = cancellation ? 'canceled' : result!.outcome;
  const { status } = await CancellationScope.nonCancellable(() => bookkeeping.finishStreamJob({ jobId: input.jobId, outcome, message: result?.message ?? null }));
  if (cancellation) {
    setStatus('canceled');
    throw cancellation;
  }
  progress.phase = 'delivering';
  setStatus(status);
  if (input.webhook && (status === 'completed' || status === 'failed')) {
    await startWebhookDelivery(
      { jobId: input.jobId, status, url: input.webhook.url, kind: 'event', retry: input.webhook.retry },
      { taskQueue: input.webhookTaskQueue, ...(input.searchAttributes ? { tenantName: input.owner.tenantName } : {}) },
    );
  }
  if (status === 'failed') throw ApplicationFailure.nonRetryable(result?.message ?? `the stream ended with ${outcome}`, 'StreamFailed');
  return { status };
}
