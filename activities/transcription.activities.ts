import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../src/db/database.js';
import type { Transcriber } from '../src/adapters/deepgram/transcriber.js';
import { audioDuration, transcriptText } from '../src/adapters/deepgram/response.js';
import { callbackUrl } from '../src/adapters/callback-token.js';
import { probeUrlDuration } from '../src/audio/probe.js';
import type { BlobStore } from '../src/adapters/blob-store/index.js';
import { UrlNotAllowedError, type OutboundHttp } from '../src/adapters/outbound/index.js';
import { audioInputFor } from './audio-input.js';
import type { Metrics } from '../src/observability/metrics.js';
import type { Logger } from '../src/observability/logger.js';
import { findTranscript, saveTranscript } from '../src/db/repositories/transcripts.repository.js';
import { storeTranscriptAndCompleteJob } from '../src/db/repositories/job-completion.repository.js';
import { findJobAudio, markJobProcessing, recordDeepgramSubmission, takeJobForDeepgram, type JobForDeepgram } from '../src/db/repositories/jobs.repository.js';
import { createJobCompletion } from './job-completion.js';
import type { AudioSource, DeepgramOptions, TranscriptSummary } from '../src/domain/transcription.js';
import { deepgramFailure } from './deepgram-failures.js';
import { isDatabaseUnavailable } from '../src/db/connection-errors.js';
import { whileHeartbeating } from './heartbeat.js';

export interface TranscriptionActivityDeps {
  db: Db;
  transcriber: Transcriber;
  callbacks: { publicBaseUrl?: string; secret?: string };
  blobs: BlobStore;
  /** Every request to a user-supplied URL goes through the outbound guard. */
  outbound: OutboundHttp;
  metrics?: Metrics;
  /** The `region` label of job metrics (see JobCompletionDeps). */
  metricsRegion?: string;
  /**
   * Places under the global Deepgram cap for calls made outside the Deepgram queue (sync jobs' local activities);
   * absent when such calls must not be made (a Deepgram rate cap, which only the queue enforces).
   */
  localDeepgramPlaces?: { tryTake(): Promise<string | null>; giveBack(leaseId: string): void };
  logger?: Logger;
}

/**
 * Which job to send to Deepgram. Workflows started before `activities-by-job-id` also pass its source and options;
 * newer ones pass the id alone and the activity reads both from the job row.
 */
export interface DeepgramJobRequest {
  jobId: string;
  source?: AudioSource;
  options?: DeepgramOptions;
  /**
   * The call completes the job itself (status, usage, metrics) once the transcript is stored, saving the workflow a
   * bookkeeping step (workflows from `lean-job-path` on). Older workflows complete it with their own activity.
   */
  completeJob?: boolean;
}

export function createTranscriptionActivities(deps: TranscriptionActivityDeps) {
  const completion = createJobCompletion(deps);

  /** Takes the job, calls Deepgram unless a transcript is already stored, stores it, and completes the job if asked. */
  async function transcribeJob(ctx: Context, request: DeepgramJobRequest): Promise<TranscriptSummary> {
    try {
      const job = await takeJob(request);
      let summary = job.stored;
      if (!summary) {
        if (ctx.info.attempt > 1) deps.metrics?.deepgramRetries.inc();
        const response = await deps.transcriber.transcribe({ audio: await audioInputFor(job.source, deps.blobs), options: job.options, signal: ctx.cancellationSignal });
        const text = transcriptText(response);
        const duration = audioDuration(response);
        const transcript = { jobId: request.jobId, deepgramRequestId: response.metadata.request_id, text, result: response };
        // Deepgram has answered (and billed): keep the answer and wait for the database rather than drop it. A call
        // that completes its job stores the transcript, completes and meters the job in one round trip.
        await saveWhileDatabaseReturns(ctx, deps.logger, request.jobId, async () => {
          if (request.completeJob) completion.counted(await storeTranscriptAndCompleteJob(deps.db, { ...transcript, durationSeconds: duration }));
          else await saveTranscript(deps.db, transcript);
        });
        deps.logger?.info(
          { jobId: request.jobId, workflowId: ctx.info.workflowExecution?.workflowId, deepgramRequestId: response.metadata.request_id, durationSeconds: duration, attempt: ctx.info.attempt },
          'transcript stored',
        );
        if (duration !== null) deps.metrics?.audioSecondsProcessed.inc({ mode: 'prerecorded' }, duration);
        summary = { deepgramRequestId: response.metadata.request_id, durationSeconds: duration };
      }
      const done = summary;
      // A transcript stored by an earlier attempt: the job may still need completing.
      if (request.completeJob && job.stored) await saveWhileDatabaseReturns(ctx, deps.logger, request.jobId, () => completion.completeJob(request.jobId, done));
      return summary;
    } catch (err) {
      throw deepgramFailure(err);
    }
  }

  /**
   * The job as its Deepgram call starts: marked processing, with its source, options and any transcript already
   * stored. Older workflows pass the source and options themselves; newer ones the id alone (one round trip).
   */
  async function takeJob(request: DeepgramJobRequest): Promise<JobForDeepgram> {
    if (request.source) {
      const stored = await findTranscript(deps.db, request.jobId);
      if (!stored) await markJobProcessing(deps.db, request.jobId);
      return { canceled: false, source: request.source, options: request.options ?? {}, ...(stored ? { stored: summaryOf(stored.deepgramRequestId, stored.result) } : {}) };
    }
    const job = await takeJobForDeepgram(deps.db, request.jobId);
    if (!job) throw ApplicationFailure.nonRetryable(`job ${request.jobId} no longer exists`, 'DeepgramRejected', { code: 'job_deleted', message: 'The job was deleted' });
    // Canceled before its workflow could be told (it had not started yet): Deepgram is not asked.
    if (job.canceled) throw ApplicationFailure.nonRetryable(`job ${request.jobId} was canceled`, 'DeepgramRejected', { code: 'job_canceled', message: 'The job was canceled' });
    return job;
  }

  /** Duration from the audio's header (ranged read); null when it cannot be told. */
  async function probeSourceDuration(source: AudioSource): Promise<number | null> {
    // Uploads were measured when they arrived; only remote files are probed.
    if (source.kind !== 'url') return null;
    await deps.outbound.checkUrl(source.url).catch((err: unknown) => {
      if (err instanceof UrlNotAllowedError) throw ApplicationFailure.nonRetryable('audio URL is not public', 'UrlNotAllowed');
      throw err;
    });
    return probeUrlDuration(source.url, deps.outbound, Context.current().cancellationSignal);
  }

  return {
    /** Probes the job's source, read from its row: the workflow passes only the id. */
    async probeJobAudioDuration(jobId: string): Promise<number | null> {
      const audio = await findJobAudio(deps.db, jobId);
      return audio ? probeSourceDuration(audio.source) : null;
    },

    /** Workflows started before `activities-by-job-id` pass the source itself. */
    async probeAudioDuration(source: AudioSource): Promise<number | null> {
      return probeSourceDuration(source);
    },

    /**
     * Calls Deepgram's prerecorded API and stores the full response keyed by job id.
     * Storing here (not in a second activity) keeps Deepgram's response, which can be megabytes,
     * out of Temporal payloads; only a summary travels. Idempotent: a retry after a successful
     * save returns the stored result without calling Deepgram again.
     */
    async transcribeAudio(request: DeepgramJobRequest): Promise<TranscriptSummary> {
      const ctx = Context.current();
      return whileHeartbeating(ctx, () => ({ waiting: 'deepgram' }), () => transcribeJob(ctx, request));
    },

    /**
     * A job's Deepgram call as a local activity, in the workflow's own task: no dispatch through the Deepgram queue and
     * no second workflow task, most of what a job would otherwise spend in Temporal. Only with a place under the global
     * cap free right now (taken like the Deepgram queue's own slots, renewed the same way); null without one, and the
     * job then queues on the Deepgram queue like any other. Completes the job itself. (Named for the sync jobs it was
     * first made for; async jobs started since 2026-12-06 use it too. The name is in recorded histories.)
     */
    async transcribeSyncJobHere(jobId: string): Promise<TranscriptSummary | null> {
      const places = deps.localDeepgramPlaces;
      if (!places) return null;
      const leaseId = await places.tryTake();
      if (!leaseId) return null;
      try {
        return await transcribeJob(Context.current(), { jobId, completeJob: true });
      } finally {
        places.giveBack(leaseId);
      }
    },

    /** Submits in Deepgram's callback mode; the result arrives later at our callback route. */
    async submitToDeepgramWithCallback(request: DeepgramJobRequest): Promise<{ deepgramRequestId: string }> {
      const { publicBaseUrl, secret } = deps.callbacks;
      if (!publicBaseUrl || !secret) throw new Error('callback mode needs PUBLIC_BASE_URL and CALLBACK_SECRET on the worker');
      try {
        const ctx = Context.current();
        const { source, options } = await takeJob(request);
        const accepted = await deps.transcriber.submitWithCallback(
          { audio: await audioInputFor(source, deps.blobs), options, signal: ctx.cancellationSignal },
          callbackUrl(publicBaseUrl, secret, request.jobId),
        );
        // Deepgram has accepted (and will bill) this submission: its id must be kept, or its callback would be refused.
        await saveWhileDatabaseReturns(ctx, deps.logger, request.jobId, () => recordDeepgramSubmission(deps.db, request.jobId, accepted.deepgramRequestId));
        return accepted;
      } catch (err) {
        throw deepgramFailure(err);
      }
    },

    /** Reads the transcript the callback route stored, as the summary the workflow records. */
    async loadStoredTranscript(jobId: string): Promise<TranscriptSummary> {
      const stored = await findTranscript(deps.db, jobId);
      if (!stored) throw new Error(`no stored transcript for job ${jobId} yet`);
      return summaryOf(stored.deepgramRequestId, stored.result);
    },
  };
}

const SAVE_RETRY_FIRST_MS = 250;
const SAVE_RETRY_MAX_MS = 5_000;
/** Left of the attempt's own deadline when the save stops waiting (so the failure is reported, not timed out). */
const SAVE_DEADLINE_MARGIN_MS = 10_000;

/**
 * Retries `save` while PostgreSQL is unreachable, for as long as this attempt may run (its start-to-close timeout,
 * DEEPGRAM_TIMEOUT_SECONDS + 60 s): the heartbeat goes on meanwhile, so Temporal knows the worker is alive. Only a
 * database outage longer than that (or a cancellation) drops the answer, and then Deepgram is asked again.
 */
async function saveWhileDatabaseReturns(ctx: Context, logger: Logger | undefined, jobId: string, save: () => Promise<unknown>): Promise<void> {
  const deadline = ctx.info.startToCloseTimeoutMs ? ctx.info.currentAttemptScheduledTimestampMs + ctx.info.startToCloseTimeoutMs - SAVE_DEADLINE_MARGIN_MS : Infinity;
  for (let waitMs = SAVE_RETRY_FIRST_MS, tries = 1; ; tries++, waitMs = Math.min(SAVE_RETRY_MAX_MS, waitMs * 2)) {
    try {
      await save();
      if (tries > 1) logger?.info({ jobId, tries }, 'transcript stored once the database was back (Deepgram was not asked again)');
      return;
    } catch (err) {
      if (!isDatabaseUnavailable(err) || ctx.cancellationSignal.aborted || Date.now() + waitMs > deadline) throw err;
      if (tries === 1) logger?.warn({ jobId }, 'database unreachable with Deepgram’s answer in hand: holding it and retrying the save');
      await ctx.sleep(waitMs).catch(() => undefined);
    }
  }
}

function summaryOf(deepgramRequestId: string, result: unknown): TranscriptSummary {
  const duration = (result as { metadata?: { duration?: unknown } })?.metadata?.duration;
  return { deepgramRequestId, durationSeconds: typeof duration === 'number' ? duration : null };
}
