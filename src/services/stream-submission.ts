import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { OutboundHttp } from '../adapters/outbound/index.js';
import type { Db } from '../db/database.js';
import { findJob, findJobByIdempotencyKey, insertJob, markJobFailed, NOT_STARTED } from '../db/repositories/jobs.repository.js';
import { admitLiveSession, markLiveSessionEnded } from '../db/repositories/live-sessions.repository.js';
import { AppError } from '../domain/errors.js';
import { jobSearchAttributes } from '../domain/job-search-attributes.js';
import { parseLiveQuery } from '../domain/live-query.js';
import { liveOptionsFromBatch, type StreamJobInput } from '../domain/stream-job.js';
import type { Caller } from '../domain/tenancy.js';
import type { DeepgramOptions } from '../domain/transcription.js';
import { STREAM_TRANSCRIPTION_WORKFLOW } from '../../workflows/definitions.js';
import type { streamTranscription } from '../../workflows/stream-transcription.workflow.js';
import { submissionFingerprint } from './fingerprint.js';
import { budgetRefusal, checkRequestUrls, idempotencyConflict, remainingBudgetSeconds, requireWebhookSecret } from './submission-checks.js';
import type { SubmitResult } from './submission.js';
import { ownerOf, workflowTaskQueue } from './transcription-input.js';
import type { TranscriptionSettings } from './transcription-settings.js';

/** `POST /v1/transcriptions` with `mode: "stream"`: a URL that is itself a live audio stream. */
export interface SubmitStream {
  url: string;
  /** Validated options; those Deepgram Live does not take are refused. */
  options: DeepgramOptions;
  /** Stop after this long (at most, and by default, LIVE_MAX_SESSION_SECONDS). */
  maxDurationSeconds?: number;
  webhookUrl?: string;
  priority: number;
  idempotencyKey?: string;
}

/**
 * Stream jobs: the job row and a live session with the job's id (its finals are the session's segments), admitted
 * under the live caps like any live session, and a `streamTranscription` workflow on the streaming workers' queue.
 */
export function createStreamSubmission(deps: { settings: TranscriptionSettings; db: Db; temporal: Client; outbound: Pick<OutboundHttp, 'checkUrl'>; searchAttributes: boolean }) {
  const { settings, db, temporal } = deps;

  return async function submitStream(caller: Caller, request: SubmitStream): Promise<SubmitResult> {
    const liveOptions = liveOptionsFromBatch(request.options);
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(liveOptions)) for (const one of Array.isArray(value) ? value : [value]) query.append(key, one);
    const live = parseLiveQuery(query);
    if (!live.ok) throw new AppError(400, 'invalid_option', `mode "stream" is transcribed by Deepgram Live: ${live.error.message}`);
    const maxSeconds = request.maxDurationSeconds ?? settings.stream.maxSeconds;
    if (maxSeconds > settings.stream.maxSeconds) {
      throw new AppError(400, 'invalid_request', `Field "max_duration_seconds" may be at most ${settings.stream.maxSeconds} (LIVE_MAX_SESSION_SECONDS)`);
    }
    const source = { kind: 'url' as const, url: request.url };
    if (request.webhookUrl) await requireWebhookSecret(db, caller.tenantId);
    await checkRequestUrls(deps.outbound, { source, ...(request.webhookUrl ? { webhookUrl: request.webhookUrl } : {}) });
    const fingerprint = submissionFingerprint({ source, mode: 'async', options: { ...request.options, stream_max_seconds: maxSeconds }, priority: request.priority, ...(request.webhookUrl ? { webhookUrl: request.webhookUrl } : {}) });
    const earlier = request.idempotencyKey ? await findJobByIdempotencyKey(db, caller.tenantId, request.idempotencyKey) : undefined;
    if (earlier) {
      if (earlier.requestFingerprint !== fingerprint) throw idempotencyConflict(request.idempotencyKey!);
      return { job: earlier, finished: false, replayed: true };
    }
    const refusal = budgetRefusal(caller, await remainingBudgetSeconds(db, caller), undefined);
    if (refusal) throw refusal;

    const jobId = randomUUID();
    const inserted = await insertJob(db, {
      id: jobId,
      tenantId: caller.tenantId,
      apiKeyId: caller.keyId,
      priority: request.priority,
      region: caller.region,
      requestedMode: 'stream',
      mode: null,
      source,
      options: request.options,
      idempotencyKey: request.idempotencyKey,
      requestFingerprint: fingerprint,
      webhookUrl: request.webhookUrl,
    }).catch(() => {
      throw new AppError(503, 'service_unavailable', 'The database is unreachable, so nothing was started. Retry shortly.', undefined, 5);
    });
    if (!inserted) {
      const existing = await findJobByIdempotencyKey(db, caller.tenantId, request.idempotencyKey!);
      if (!existing || existing.requestFingerprint !== fingerprint) throw idempotencyConflict(request.idempotencyKey!);
      return { job: existing, finished: false, replayed: true };
    }
    const refuse = async (error: AppError) => {
      await markJobFailed(db, jobId, { code: error.status === 429 ? error.code : NOT_STARTED, message: error.message }, null).catch(() => undefined);
      return error;
    };
    const admission = await admitLiveSession(
      db,
      { id: jobId, options: live.options, tenantId: caller.tenantId, apiKeyId: caller.keyId, region: caller.region },
      { maxOpen: settings.stream.maxOpenSessions, maxOpenForKey: caller.maxLiveSessions, staleAfterSeconds: settings.stream.staleAfterSeconds },
    );
    if (!admission.admitted) {
      const open = 'open' in admission ? admission.open : 0;
      throw await refuse(new AppError(429, 'too_many_live_sessions', `${open} live sessions are open, the limit; a stream takes one. Try again later`, undefined, 5));
    }
    const input: StreamJobInput = {
      jobId,
      owner: ownerOf(caller),
      deadlineMs: Date.now() + maxSeconds * 1000,
      heartbeatTimeoutMs: settings.stream.heartbeatTimeoutMs,
      searchAttributes: deps.searchAttributes,
      ...(request.webhookUrl ? { webhook: { url: request.webhookUrl, retry: settings.workflow.webhookRetry } } : {}),
      webhookTaskQueue: workflowTaskQueue(settings, caller),
    };
    try {
      await temporal.workflow.start<typeof streamTranscription>(STREAM_TRANSCRIPTION_WORKFLOW, {
        taskQueue: settings.stream.taskQueue,
        workflowId: jobId,
        args: [input],
        ...(deps.searchAttributes ? { typedSearchAttributes: jobSearchAttributes('queued', caller.tenantName, null) } : {}),
      });
    } catch {
      await markLiveSessionEnded(db, jobId, { reason: 'internal_error', message: 'the workflow engine did not accept the stream' }).catch(() => undefined);
      throw await refuse(new AppError(503, 'service_unavailable', 'The workflow engine is unreachable, so nothing was started. Retry shortly.', undefined, 5));
    }
    const job = await findJob(db, jobId);
    return { job: job!, finished: false, replayed: false };
  };
}
