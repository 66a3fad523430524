import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { BlobStore } from '../adapters/blob-store/index.js';
import { isPrerecordedResponse, transcriptText } from '../adapters/deepgram/response.js';
import type { TranscriptionSettings } from './transcription-settings.js';
import type { Db } from '../db/database.js';
import { findJob, findJobByIdempotencyKey, insertJob, markJobFailed, NOT_STARTED, queuePosition, requeueNotStartedJob } from '../db/repositories/jobs.repository.js';
import type { Caller } from '../domain/tenancy.js';
import { budgetRefusal, checkRequestUrls, idempotencyConflict, remainingBudgetSeconds, requireWebhookSecret } from './submission-checks.js';
import type { JobWithTranscript, SubmitResult, SubmitTranscription } from './submission.js';
import { findTranscript, saveTranscript } from '../db/repositories/transcripts.repository.js';
import { listLiveSegments } from '../db/repositories/live-segments.repository.js';
import { findLiveSession } from '../db/repositories/live-sessions.repository.js';
import { AppError } from '../domain/errors.js';
import { resolveMode, routeAtSubmission } from '../domain/routing.js';
import { FINAL_STATUSES, type AudioSource, type DeepgramOptions, type Job, type ResolvedMode } from '../domain/transcription.js';
import { deepgramCallbackSignal } from '../../workflows/definitions.js';
import { transcriptionWorkflowId } from '../temporal/task-queues.js';
import { submissionFingerprint } from './fingerprint.js';
import { isUnstorableText } from './failures.js';
import { ingestUpload } from './uploads.js';
import { ingestResumableUpload } from './resumable-upload-intake.js';
import type { ResumableUploads } from '../adapters/resumable-uploads/tus-uploads.js';
import type { OutboundHttp } from '../adapters/outbound/index.js';
import { verifyCallbackToken } from '../adapters/callback-token.js';
import type { EndpointHealth } from '../adapters/deepgram/endpoint-health.js';
import { createJobLifecycle } from './job-lifecycle.js';
import { createJobEvents } from './job-events.js';
import { createBatchSubmission } from './batch-submission.js';
import { createStreamSubmission } from './stream-submission.js';
import { buildTranscriptionInput, workflowTaskQueue } from './transcription-input.js';
import { createWorkflowStarter, type StartResult } from './workflow-starter.js';

export type { JobWithTranscript, SubmitResult, SubmitTranscription } from './submission.js';

export interface ServiceDeps {
  settings: TranscriptionSettings;
  db: Db;
  temporal: Client;
  /** `temporal` shares a worker's connection in this process: a sync job's first workflow task comes back in its start. */
  eagerStart?: boolean;
  blobs: BlobStore;
  /** Whether the namespace has our search attributes (checked at start-up). */
  searchAttributes: boolean;
  /** Reachability of the Deepgram endpoints; sync work is refused while none answers. */
  deepgramHealth?: EndpointHealth;
  /** Vets user-supplied URLs (public addresses only unless ALLOW_PRIVATE_URLS). */
  outbound: Pick<OutboundHttp, 'checkUrl'>;
  /** Resumable uploads (`/v1/uploads`), whose finished files jobs may name by `upload_id`. */
  resumableUploads?: ResumableUploads;
}

export type TranscriptionService = ReturnType<typeof createTranscriptionService>;

/** The request a Deepgram callback answers: `metadata.request_id` of a result, `request_id` of an error body. */
function callbackRequestId(body: unknown): string | undefined {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { request_id?: unknown; metadata?: { request_id?: unknown } };
  const id = b.metadata?.request_id ?? b.request_id;
  return typeof id === 'string' ? id : undefined;
}

/** The route the workflow took, known to the API before the job row records it. */
function withMode(loaded: JobWithTranscript, mode: ResolvedMode | null): JobWithTranscript {
  return loaded.job.mode || !mode ? loaded : { ...loaded, job: { ...loaded.job, mode } };
}

/** The use cases behind the job API: start workflows, wait for sync ones, read jobs back, manage their lifecycle. */
export function createTranscriptionService(deps: ServiceDeps) {
  const { settings, db, temporal, blobs } = deps;
  const starter = createWorkflowStarter(temporal, settings.routing, { eager: deps.eagerStart ?? false });

  /** A job of the caller's tenant (another tenant's is as missing as an unknown id), with its transcript or queue place. */
  async function load(caller: Caller, id: string): Promise<JobWithTranscript | undefined> {
    const job = await findJob(db, id, caller.tenantId);
    return job ? withDetails(job) : undefined;
  }

  /** A job with what its answer shows beside the row: its transcript, its place in the queue, a stream's finals. */
  async function withDetails(job: Job): Promise<JobWithTranscript> {
    const id = job.id;
    const transcript = job.status === 'completed' ? await findTranscript(db, id) : undefined;
    const position = job.status === 'queued' && job.requestedMode !== 'stream' ? await queuePosition(db, job) : undefined;
    const stream = job.requestedMode === 'stream' && job.status !== 'deleted' ? await streamSoFar(id) : undefined;
    return { job, ...(transcript ? { transcript } : {}), ...(position !== undefined ? { queuePosition: position } : {}), ...(stream ? { stream } : {}) };
  }

  /** A stream job's finals so far, from its live session (which has the job's id). */
  async function streamSoFar(id: string): Promise<JobWithTranscript['stream']> {
    const [session, segments] = await Promise.all([findLiveSession(db, id), listLiveSegments(db, id)]);
    const spoken = segments.filter((s) => s.transcript.length > 0);
    return { text: spoken.map((s) => s.transcript).join(' '), finals: spoken.length, audioSeconds: session?.audioSeconds ?? 0 };
  }

  /** A key's monthly budget: refused (402) once spent, or when a job of known length would overrun it. */
  async function checkBudget(caller: Caller, knownSeconds: number | undefined): Promise<void> {
    const refusal = budgetRefusal(caller, await remainingBudgetSeconds(db, caller), knownSeconds);
    if (refusal) throw refusal;
  }

  /**
   * The submission's answer. A job nobody waits for is answered from `stored`, the row as the submission wrote it
   * (one read fewer per job); one waited for is read again, as it is now.
   */
  async function finish(caller: Caller, jobId: string, mode: ResolvedMode | null, waitMs: number, replayed: boolean, stored?: Job): Promise<SubmitResult> {
    const finished = mode === 'sync' && (await starter.waitBounded(jobId, waitMs));
    const loaded = stored && mode !== 'sync' ? await withDetails(stored) : await load(caller, jobId);
    if (!loaded) throw new Error(`job ${jobId} vanished after submit`);
    return { ...withMode(loaded, mode), finished: finished || (replayed && FINAL_STATUSES.includes(loaded.job.status)), replayed };
  }

  /** Refuses work we must not do before anything is stored or started. */
  async function checkTargets(caller: Caller, request: SubmitTranscription): Promise<void> {
    if (request.webhookUrl) await requireWebhookSecret(db, caller.tenantId);
    await checkRequestUrls(deps.outbound, request);
  }

  /** During an outage of every Deepgram endpoint a caller waiting for a result would only time out: say so now. */
  async function checkDeepgramForSync(request: SubmitTranscription): Promise<void> {
    const health = deps.deepgramHealth;
    if (!health || request.mode === 'async' || health.anyHealthy()) return;
    await health.checkAll();
    if (health.anyHealthy()) return;
    throw new AppError(503, 'deepgram_unavailable', 'No Deepgram endpoint is reachable right now; retry later, or submit with mode "async" and the job will wait for Deepgram', undefined, 30);
  }

  async function submit(caller: Caller, request: SubmitTranscription): Promise<SubmitResult> {
    try {
      await checkTargets(caller, request);
      await checkDeepgramForSync(request);
      // A replayed Idempotency-Key returns its job whatever the budget says now.
      const earlier = request.idempotencyKey ? await findJobByIdempotencyKey(db, caller.tenantId, request.idempotencyKey) : undefined;
      if (!earlier) await checkBudget(caller, request.durationHint);
    } catch (err) {
      if (request.source.kind === 'upload') await blobs.delete(request.source.blobId);
      throw err;
    }
    const startedAt = Date.now();
    const waitBudget = () => (request.syncWaitMs ?? settings.syncWaitMs) - (Date.now() - startedAt);
    // Always ours: a client's Idempotency-Key is looked up per tenant, never used as a job or workflow id.
    const jobId = randomUUID();
    const fingerprint = submissionFingerprint(request);

    let inserted: Job | undefined;
    try {
      inserted = await insertJob(db, {
        id: jobId,
        tenantId: caller.tenantId,
        apiKeyId: caller.keyId,
        priority: request.priority,
        region: caller.region,
        requestedMode: request.mode,
        // Known now unless routing must look at the audio first (the workflow then records it).
        mode: routeAtSubmission({ mode: request.mode, durationHint: request.durationHint, routing: settings.routing }),
        source: request.source,
        options: request.options,
        durationSeconds: request.durationHint,
        idempotencyKey: request.idempotencyKey,
        requestFingerprint: fingerprint,
        webhookUrl: request.webhookUrl,
        deepgramCallbackUrl: request.deepgramCallbackUrl,
      });
    } catch (err) {
      if (request.source.kind === 'upload') await blobs.delete(request.source.blobId).catch(() => undefined);
      // Text PostgreSQL cannot hold (a NUL) is the request's fault: answered 400 by the transport, not 503.
      if (isUnstorableText(err)) throw err;
      throw new AppError(503, 'service_unavailable', 'The database is unreachable, so nothing was started. Retry shortly.', undefined, 5);
    }

    if (!inserted) {
      // Same Idempotency-Key as an earlier request of this tenant: the same request gets the same job, a different one a 409.
      const existing = request.idempotencyKey ? await findJobByIdempotencyKey(db, caller.tenantId, request.idempotencyKey) : undefined;
      if (!existing) throw new Error(`job ${jobId} was neither inserted nor found by its Idempotency-Key`);
      if (request.source.kind === 'upload') await blobs.delete(request.source.blobId);
      if (existing.requestFingerprint !== fingerprint) {
        throw idempotencyConflict(request.idempotencyKey!);
      }
      const notStarted = existing.status === 'failed' && existing.error?.code === NOT_STARTED;
      // The earlier request was answered 503 ("nothing was started, retry"): this is that retry. The job is live
      // again, and started now unless the earlier start landed after all (then its workflow is already at work).
      if (notStarted) await requeueNotStartedJob(db, existing.id);
      if ((existing.status === 'queued' || notStarted) && !(await starter.exists(existing.id))) {
        // (A concurrent retry may start it first; starting twice is refused by the workflow id.)
        await startOrRefuse(caller, { ...request, jobId: existing.id, source: existing.source });
      }
      const mode = existing.mode ?? (request.mode === 'auto' ? null : request.mode);
      return finish(caller, existing.id, mode, waitBudget(), true);
    }

    const started = await startOrRefuse(caller, { ...request, jobId });
    const mode = started.started ? started.mode : resolveMode(request.mode, request.durationHint, settings.routing);
    return finish(caller, jobId, mode, waitBudget(), false, inserted);
  }

  /**
   * Starts a stored job's workflow. When Temporal cannot take it, the job is recorded as not started and the client
   * gets a 503: a retry with the same Idempotency-Key starts that same job (above), a client that gives up leaves
   * a failed job, not a queued one that never moves.
   */
  async function startOrRefuse(caller: Caller, request: Parameters<typeof buildTranscriptionInput>[2]): Promise<StartResult> {
    const refuse = async (why: string) => {
      await markJobFailed(db, request.jobId, { code: NOT_STARTED, message: `The workflow engine did not accept the job: ${why}` }, null).catch(() => undefined);
      return new AppError(503, 'service_unavailable', 'The workflow engine is unreachable, so nothing was started. Retry shortly.', undefined, 5);
    };
    const started = await starter.start(buildTranscriptionInput(settings, caller, request, deps.searchAttributes), workflowTaskQueue(settings, caller));
    if (!started.started && started.reason === 'unreachable') throw await refuse(started.error?.message ?? 'unreachable');
    return started;
  }

  return {
    submit,
    /** mode "stream": a URL that is a live audio stream, transcribed as it plays (README, Stream mode). */
    submitStream: createStreamSubmission({ settings, db, temporal, outbound: deps.outbound, searchAttributes: deps.searchAttributes }),
    get: load,
    ingestUpload: (caller: Caller, body: AsyncIterable<Uint8Array>, options: { contentType: string; deepgramOptions?: DeepgramOptions }) =>
      ingestUpload(blobs, body, { contentType: options.contentType, maxBytes: settings.maxUploadBytes, deepgramOptions: options.deepgramOptions ?? {}, tenantId: caller.tenantId }),
    /** A finished resumable upload of the caller's tenant, moved into the blob store as the job's audio. */
    ingestResumableUpload: (caller: Caller, uploadId: string, options: { deepgramOptions?: DeepgramOptions }) =>
      ingestResumableUpload(deps.resumableUploads, blobs, uploadId, { tenantId: caller.tenantId, maxBytes: settings.maxUploadBytes, deepgramOptions: options.deepgramOptions ?? {} }),
    /** Drops an upload whose request turned out to be invalid. */
    async discardUpload(source: AudioSource): Promise<void> {
      if (source.kind === 'upload') await blobs.delete(source.blobId);
    },
    ...createJobLifecycle({ settings, db, temporal, blobs, searchAttributes: deps.searchAttributes }),
    /** A job's progress events, from its workflow (GET /v1/transcriptions/:id/events). */
    watchJob: createJobEvents({ db, temporal }).watch,
    ...createBatchSubmission({ settings, db, temporal, searchAttributes: deps.searchAttributes, outbound: deps.outbound }),

    /** Whether a callback URL's token is the one we handed Deepgram for this job (CALLBACK_SECRET). */
    isCallbackTokenValid: (jobId: string, token: string | undefined): boolean =>
      settings.callbackSecret !== undefined && verifyCallbackToken(settings.callbackSecret, jobId, token),

    /**
     * Deepgram's callback for a job: store the body (idempotently, first wins) and wake the workflow. Only the
     * callback of the submission Deepgram accepted last is taken (its request id): a late callback of an earlier
     * submission, or one that names another request, is refused, so a job is never stored from two transcriptions.
     */
    async acceptDeepgramCallback(jobId: string, body: unknown): Promise<'accepted' | 'unknown_job' | 'request_mismatch' | 'not_recorded_yet'> {
      const job = await findJob(db, jobId);
      if (!job) return 'unknown_job';
      const named = callbackRequestId(body);
      if (!job.deepgramRequestId) return FINAL_STATUSES.includes(job.status) ? 'request_mismatch' : 'not_recorded_yet';
      if (named !== job.deepgramRequestId) return 'request_mismatch';
      const handle = temporal.workflow.getHandle(transcriptionWorkflowId(jobId));
      let notice;
      if (isPrerecordedResponse(body)) {
        await saveTranscript(db, { jobId, deepgramRequestId: body.metadata.request_id, text: transcriptText(body), result: body });
        notice = { deepgramRequestId: body.metadata.request_id, ok: true };
      } else {
        const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
        const message = typeof b.err_msg === 'string' ? b.err_msg : 'Deepgram reported a failure without details';
        const deepgramCode = typeof b.err_code === 'string' ? b.err_code : undefined;
        const deepgramRequestId = typeof b.request_id === 'string' ? b.request_id : '';
        notice = { deepgramRequestId, ok: false, error: { code: 'deepgram_rejected', message, ...(deepgramCode ? { deepgramCode } : {}) } };
      }
      try {
        await handle.signal(deepgramCallbackSignal, notice);
      } catch (err) {
        // A finished workflow no longer needs the news (a late or repeated callback).
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      return 'accepted';
    },
  };
}
