import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { fileJobSearchAttributes, jobSearchAttributes, TENANT_KEY } from '../src/domain/job-search-attributes.js';
import { needsProbe, resolveMode } from '../src/domain/routing.js';
import { shouldChunk, timecode, type ChunkPlan, type ChunkSpan } from '../src/domain/chunking.js';
import type { DeepgramCallbackNotice, JobError, JobPhase, JobStatus, ResolvedMode, TranscriptionInput, TranscriptionOutcome, TranscriptSummary } from '../src/domain/transcription.js';
import type { WebhookDeliveryRequest } from '../src/domain/webhooks.js';
import { deepgramCallbackSignal, jobStatusQuery, routingUpdate, type TranscriptionProgress } from './definitions.js';
import { startWebhookDelivery } from './start-webhook-delivery.js';
import { TRANSCRIPTION_CHUNK_WORKFLOW, type transcriptionChunk } from './transcription-chunk.workflow.js';
import { throughOutages as waitOutOutages } from './outages.js';

/**
 * Activities that only touch our own database. Local activities: they run inside the workflow task on
 * the same worker, saving a server round trip each (this is most of a sync request's overhead).
 * Retried patiently; they fail only if PostgreSQL stays down for a day.
 */
const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  // As long as a job may wait out any outage (DEEPGRAM_OUTAGE_MAX_WAIT_MS' default): a day without PostgreSQL.
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1 minute' },
});


/** `patched()` id of the change that keeps a job `queued` until its Deepgram call starts (tenancy, 2026-12). */
const QUEUED_UNTIL_DEEPGRAM = 'queued-until-deepgram';
/**
 * `patched()` id of the change that passes activities the job id alone, which read the source and options from the
 * job row (hardening, 2026-12): no Temporal payload repeats a (possibly presigned) source URL.
 */
const ACTIVITIES_BY_JOB_ID = 'activities-by-job-id';
/**
 * `patched()` id of the shorter job path (throughput, 2026-12): no bookkeeping step the job row does not need. The API
 * writes the route with the job and sets the search attributes in the start request, and the Deepgram call marks
 * the job processing and completes it itself, so a job is one workflow task, one activity, one workflow task.
 */
const LEAN_JOB_PATH = 'lean-job-path';
const LEGACY_OWNER = { tenantId: 'default', tenantName: 'default', apiKeyId: null } as const;

/**
 * One transcription job: route sync/async, call Deepgram through retryable activities,
 * store the result, mark the job, hand notifications to their own workflows. Completes with the
 * outcome; fails (visibly, in the Temporal UI) when the job fails, after recording why. Its status in the Temporal UI
 * is the workflow's own (no JobStatus search attribute), and it takes the lean path without a `patched()` marker:
 * one history event and one visibility write fewer per job than the `transcription` type it replaces.
 */
export async function transcriptionJob(input: TranscriptionInput): Promise<TranscriptionOutcome> {
  return runTranscription(input, { lean: () => true, keepsJobStatus: false });
}

/**
 * The job workflow's type before 2026-12-05, for the runs it started: the same job, its path decided by `patched()`
 * markers (in the order its histories recorded them) and a JobStatus search attribute kept up to date.
 */
export async function transcription(input: TranscriptionInput): Promise<TranscriptionOutcome> {
  return runTranscription(input, { lean: () => patched(LEAN_JOB_PATH), keepsJobStatus: true });
}

interface JobWorkflowVersion {
  /** Whether this run takes the lean job path; called where the `transcription` type always decided it. */
  lean: () => boolean;
  /** Whether the run keeps the JobStatus search attribute up to date (only the `transcription` type does). */
  keepsJobStatus: boolean;
}

async function runTranscription(input: TranscriptionInput, version: JobWorkflowVersion): Promise<TranscriptionOutcome> {
  // Workflows started before tenancy carry no owner: they are the implicit tenant's.
  const owner = input.owner ?? LEGACY_OWNER;
  const progress: TranscriptionProgress = {
    status: 'queued',
    mode: null,
    durationSeconds: input.durationHint ?? null,
    deepgramRequestId: null,
    error: null,
    waitingForDeepgram: false,
    phase: 'queued',
    phaseStartedAt: Date.now(),
    version: 1,
  };
  // Progress is workflow state only: no command, so workflows already running replay unchanged.
  const enterPhase = (phase: JobPhase) => {
    progress.phase = phase;
    progress.phaseStartedAt = Date.now();
    progress.version = (progress.version ?? 0) + 1;
  };
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
  /** Which of Tenant and JobMode the run carries already (written by the start request, or by this run). */
  const written = { tenant: false, mode: false };
  const setStatus = (status: JobStatus, mode: ResolvedMode | null = progress.mode) => {
    if (status !== progress.status) progress.version = (progress.version ?? 0) + 1;
    progress.status = status;
    progress.mode = mode;
    if (!input.searchAttributes) return;
    if (version.keepsJobStatus) upsertSearchAttributes(jobSearchAttributes(status, owner.tenantName, mode));
    else if (!written.tenant || (mode && !written.mode)) upsertSearchAttributes(fileJobSearchAttributes(owner.tenantName, mode));
    written.tenant = true;
    written.mode ||= mode !== null;
  };

  const deepgramRetry = {
    initialInterval: input.retry.initialIntervalMs,
    backoffCoefficient: input.retry.backoffCoefficient,
    maximumAttempts: input.retry.maximumAttempts,
    maximumInterval: input.retry.maximumIntervalMs,
    nonRetryableErrorTypes: ['DeepgramRejected', 'DeepgramEndpointsDown', 'StorageUnavailable'],
  };
  const deepgram = proxyActivities<Activities>({
    taskQueue: input.deepgramTaskQueue,
    // Temporal's priority and fairness: while Deepgram's capacity is saturated, tenants share it fairly (the
    // fairness key) and a tenant's own jobs go by their priority.
    priority: { priorityKey: input.priority, fairnessKey: owner.tenantId },
    startToCloseTimeout: input.timeouts.deepgramCallMs + 60_000,
    heartbeatTimeout: input.timeouts.heartbeatMs,
    retry: deepgramRetry,
  });
  /**
   * Runs a Deepgram call, waiting out outages of every Deepgram endpoint or of our database (durable timers, no
   * retry attempts spent), up to DEEPGRAM_OUTAGE_MAX_WAIT_MS.
   */
  const outageDeadline = Date.now() + input.outageMaxWaitMs;
  const throughOutages = <T>(call: () => Promise<T>): Promise<T> => waitOutOutages(call, outageDeadline, (waiting) => (progress.waitingForDeepgram = waiting));
  const probe = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 2 } });
  // Cutting a long file: a download and two decoding passes (a minute or so for hours of audio), heartbeating.
  const chunker = proxyActivities<Activities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: input.timeouts.heartbeatMs,
    retry: { initialInterval: '5 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['DeepgramRejected', 'StorageUnavailable'] },
  });

  try {
    const lean = version.lean();
    // Jobs the API started have their row already; those started straight through Temporal (src/client) do not.
    if (!lean || input.source) await bookkeeping.recordJob(input);
    // Running workflows from before this change replay the old commands (no early upsert, `processing` at routing).
    // The lean path implies the two changes before it: one patch marker per job instead of three.
    const queuedUntilDeepgram = lean || patched(QUEUED_UNTIL_DEEPGRAM);
    const attributesSet = lean && input.searchAttributesAtStart === true;
    // The start request wrote Tenant, and JobMode when the request decided the route.
    written.tenant = attributesSet;
    written.mode = attributesSet && !needsProbe(input.mode, input.durationHint);
    if (queuedUntilDeepgram && !attributesSet) setStatus('queued');
    const byJobId = lean || patched(ACTIVITIES_BY_JOB_ID);
    // A remote file is measured only to route it (mode auto): an extra step for every job would cost throughput, so
    // a URL with an explicit mode and no duration_hint is transcribed whole, however long.
    const probed = needsProbe(input.mode, input.durationHint);
    const duration = probed
      ? await (byJobId ? probe.probeJobAudioDuration(input.jobId) : probe.probeAudioDuration(input.source!)).catch(() => null)
      : (input.durationHint ?? null);
    progress.durationSeconds = duration;
    if (lean && !probed) {
      // The request decided the route, and the job row and search attributes were written with it.
      progress.mode = resolveMode(input.mode, duration, input.routing);
      if (!attributesSet) setStatus('queued', progress.mode);
    } else if (queuedUntilDeepgram) {
      // Routed, but still queued: the job turns `processing` when a Deepgram call takes it (the activity marks it).
      setStatus('queued', resolveMode(input.mode, duration, input.routing));
      await bookkeeping.markJobRouted(input.jobId, progress.mode!, duration);
    } else {
      setStatus('processing', resolveMode(input.mode, duration, input.routing));
      await bookkeeping.markJobProcessing(input.jobId, progress.mode!, duration);
    }

    const request = byJobId ? { jobId: input.jobId } : { jobId: input.jobId, source: input.source!, options: input.options! };
    let summary: TranscriptSummary | undefined;
    let completedByCall = false;
    if (input.chunking && shouldChunk(duration, input.chunking)) {
      enterPhase('fetching');
      const plan = await throughOutages(() => chunker.splitJobAudio({ jobId: input.jobId, chunkSeconds: input.chunking!.chunkSeconds }));
      if (plan.chunked) {
        progress.status = 'processing';
        progress.durationSeconds = plan.durationSeconds;
        summary = await transcribeInChunks(input, plan, progress, throughOutages, enterPhase);
        completedByCall = true;
      }
    }
    if (!summary) enterPhase('transcribing');
    if (!summary && progress.mode === 'async' && input.useCallback) {
      const accepted = await throughOutages(() => deepgram.submitToDeepgramWithCallback(request));
      progress.deepgramRequestId = accepted.deepgramRequestId;
      if (await condition(() => callbackNotice !== undefined, input.callbackTimeoutMs)) {
        if (!callbackNotice!.ok) throw ApplicationFailure.nonRetryable(callbackNotice!.error?.message ?? 'Deepgram reported a failure', 'DeepgramRejected', callbackNotice!.error);
        summary = await bookkeeping.loadStoredTranscript(input.jobId);
      }
      // No callback in time (lost by Deepgram or by us): fall through and transcribe directly.
    }
    if (!summary && lean && (progress.mode === 'sync' || input.callsDeepgramHereWhenFree === true)) {
      // Call Deepgram right here if a place under the cap is free (null if not: queue as usual), with the same retries
      // and outage waits as on the queue: no dispatch through the Deepgram queue and no second workflow task. A free
      // place means nobody waits on the queue, so no job is passed over.
      const here = proxyLocalActivities<Activities>({ startToCloseTimeout: input.timeouts.deepgramCallMs + 60_000, retry: deepgramRetry });
      summary = (await throughOutages(() => here.transcribeSyncJobHere(input.jobId))) ?? undefined;
      completedByCall = summary !== undefined;
    }
    if (!summary) {
      summary = await throughOutages(() => deepgram.transcribeAudio(lean ? { ...request, completeJob: true } : request));
      completedByCall = lean;
    }

    progress.deepgramRequestId = summary.deepgramRequestId;
    progress.durationSeconds = summary.durationSeconds ?? progress.durationSeconds;
    if (!completedByCall) {
      enterPhase('storing');
      await bookkeeping.markJobCompleted(input.jobId, summary);
    }
    enterPhase('delivering');
    setStatus('completed');
    await notify(input, 'completed');
    return { status: 'completed', jobId: input.jobId, mode: progress.mode!, ...summary };
  } catch (err) {
    if (isCancellation(err)) {
      // Record the cancel even though this scope is cancelled, then end as cancelled.
      await CancellationScope.nonCancellable(async () => {
        await bookkeeping.markJobCanceled(input.jobId);
        setStatus('canceled');
      });
      throw err;
    }
    const error = jobErrorOf(err);
    progress.error = error;
    await bookkeeping.markJobFailed(input.jobId, error, progress.mode);
    setStatus('failed');
    await notify(input, 'failed');
    throw ApplicationFailure.nonRetryable(error.message, error.code, error);
  }
}

/**
 * A long file's chunks, each transcribed by its own child workflow, all at once (the Deepgram queue's caps and the
 * tenant's fair share pace them), then stitched into one answer that completes the job. Every chunk runs to its end
 * even when another fails, so the chunks that can be answered are; a chunk that kept failing then fails the job
 * with its error and its place in the file.
 */
async function transcribeInChunks(
  input: TranscriptionInput,
  plan: Extract<ChunkPlan, { chunked: true }>,
  progress: TranscriptionProgress,
  throughOutages: <T>(call: () => Promise<T>) => Promise<T>,
  enterPhase: (phase: JobPhase) => void,
): Promise<TranscriptSummary> {
  const owner = input.owner ?? LEGACY_OWNER;
  const { workflowId } = workflowInfo();
  progress.chunks = { total: plan.chunks.length, completed: 0 };
  enterPhase('transcribing');
  const outcomes = await Promise.allSettled(
    plan.chunks.map(async (chunk) => {
      const done = await executeChild<typeof transcriptionChunk>(TRANSCRIPTION_CHUNK_WORKFLOW, {
        workflowId: `${workflowId}-chunk-${chunk.index}`,
        ...(input.searchAttributes ? { typedSearchAttributes: [{ key: TENANT_KEY, value: owner.tenantName }] } : {}),
        args: [
          {
            jobId: input.jobId,
            index: chunk.index,
            tenantId: owner.tenantId,
            priority: input.priority,
            deepgramTaskQueue: input.deepgramTaskQueue,
            retry: input.retry,
            timeouts: input.timeouts,
            outageMaxWaitMs: input.outageMaxWaitMs,
          },
        ],
      });
      progress.chunks!.completed += 1;
      progress.version = (progress.version ?? 0) + 1;
      return done;
    }),
  );
  const cancelled = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected' && isCancellation(o.reason));
  if (cancelled) throw cancelled.reason;
  const failures = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ chunk: plan.chunks[i]!, error: jobErrorOf(o.reason) }] : []));
  for (const { chunk, error } of failures) await bookkeeping.recordChunkFailure(input.jobId, chunk.index, error);
  if (failures.length > 0) throw chunkFailure(failures[0]!.chunk, failures[0]!.error, plan.chunks.length, failures.length);
  enterPhase('storing');
  return throughOutages(() => stitcher(input.timeouts.heartbeatMs).stitchChunkedTranscript({ jobId: input.jobId, durationSeconds: plan.durationSeconds }));
}

/**
 * Stitching reads every chunk's answer from PostgreSQL and writes the whole one: an ordinary activity, retried
 * patiently. It heartbeats, so a stitch lost with its worker is taken up again within the heartbeat timeout rather
 * than after the ten minutes an attempt may run.
 */
const stitcher = (heartbeatMs: number) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: heartbeatMs,
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['StorageUnavailable'] },
  });

/** The job's error for a chunk that kept failing: the chunk's own error, with where it lies in the file. */
function chunkFailure(chunk: ChunkSpan, error: JobError, total: number, failed: number): ApplicationFailure {
  const others = failed > 1 ? ` (${failed - 1} more chunk${failed > 2 ? 's' : ''} failed too)` : '';
  const message = `Chunk ${chunk.index + 1} of ${total} (${timecode(chunk.startSeconds)}–${timecode(chunk.endSeconds)}) failed: ${error.message}${others}`;
  const detail: JobError = { ...error, message, chunk: { index: chunk.index, start: chunk.startSeconds, end: chunk.endSeconds } };
  return ApplicationFailure.nonRetryable(message, detail.code, detail);
}

/** Starts the job's notifications as independent workflows that outlive this one (webhooks retry for a day). */
async function notify(input: TranscriptionInput, status: 'completed' | 'failed'): Promise<void> {
  const targets: Array<{ kind: WebhookDeliveryRequest['kind']; url: string }> = [];
  if (input.webhook) targets.push({ kind: 'event', url: input.webhook.url });
  if (input.deepgramCallbackUrl) targets.push({ kind: 'deepgram-callback', url: input.deepgramCallbackUrl });
  for (const target of targets) {
    await startWebhookDelivery(
      { jobId: input.jobId, status, url: target.url, kind: target.kind, retry: input.webhook?.retry ?? DEFAULT_DELIVERY_RETRY },
      input.searchAttributes ? { tenantName: (input.owner ?? LEGACY_OWNER).tenantName } : {},
    );
  }
}

const DEFAULT_DELIVERY_RETRY = { initialIntervalMs: 5_000, maximumIntervalMs: 3_600_000, maxDurationMs: 86_400_000 };

/** The job-facing error for whatever ended the run; Deepgram's details travel in the failure's details. */
function jobErrorOf(err: unknown): JobError {
  // A chunk's workflow failed because its Deepgram call did: the call's failure is the one to report.
  const unwrapped = err instanceof ChildWorkflowFailure ? (err.cause instanceof ApplicationFailure && err.cause.cause ? err.cause.cause : err.cause) : err;
  const cause = unwrapped instanceof ActivityFailure ? unwrapped.cause : unwrapped;
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as JobError | undefined;
    if (detail && typeof detail.code === 'string') return detail;
    // The outage outlasted DEEPGRAM_OUTAGE_MAX_WAIT_MS: Deepgram was unavailable, whatever the last error said.
    if (cause.type === 'DeepgramEndpointsDown') return { code: 'deepgram_unavailable', message: `No Deepgram endpoint came back in time: ${cause.message}` };
    return { code: 'transcription_failed', message: cause.message };
  }
  if (cause instanceof TimeoutFailure) return { code: 'deepgram_unavailable', message: `Deepgram call timed out (${cause.timeoutType})` };
  return { code: 'transcription_failed', message: cause instanceof Error ? cause.message : String(cause) };
}
