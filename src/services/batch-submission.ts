import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { OutboundHttp } from '../adapters/outbound/index.js';
import type { Db } from '../db/database.js';
import { findJobsByIdempotencyKeys, insertJobs, markJobsNotStarted, NOT_STARTED, requeueNotStartedJobs, type NewJob } from '../db/repositories/jobs.repository.js';
import { batchJob, type BatchJob, type TranscriptionBatchInput } from '../domain/batch.js';
import { routeAtSubmission } from '../domain/routing.js';
import { AppError } from '../domain/errors.js';
import type { Caller } from '../domain/tenancy.js';
import { fileJobMode, type Job } from '../domain/transcription.js';
import { startBatchDispatcher } from './batch-dispatcher.js';
import { submissionFingerprint } from './fingerprint.js';
import { budgetRefusal, checkRequestUrls, idempotencyConflict, remainingBudgetSeconds, requireWebhookSecret } from './submission-checks.js';
import type { SubmitTranscription } from './submission.js';
import { commonJobInput, workflowTaskQueue } from './transcription-input.js';
import type { TranscriptionSettings } from './transcription-settings.js';

/** URL checks (DNS lookups) in flight at once for one batch. */
const URL_CHECKS_AT_ONCE = 16;

/** One item of a batch as the transport validated it: a request, or why it was refused. */
export type BatchItem = SubmitTranscription | AppError;

/** What became of one item: a new job, an earlier job its Idempotency-Key named, or a refusal. */
export type BatchItemResult = { outcome: 'accepted' | 'replayed'; job: Job } | { outcome: 'refused'; error: AppError };

export interface BatchResult {
  batchId: string;
  items: BatchItemResult[];
}

export interface BatchSubmissionDeps {
  settings: TranscriptionSettings;
  db: Db;
  temporal: Client;
  searchAttributes: boolean;
  outbound: Pick<OutboundHttp, 'checkUrl'>;
}

/**
 * Many jobs in one request, each answered on its own. The accepted ones are written in one insert and handed to
 * Temporal in one workflow start (the batch's dispatcher, which starts each job's own workflow), so a thousand jobs
 * are accepted durably in about the time one is. Each item gets what the same request alone would have got: its
 * Idempotency-Key replays or conflicts, its URLs are vetted, the key's budget is spent in item order.
 */
export function createBatchSubmission(deps: BatchSubmissionDeps) {
  const { db, settings } = deps;

  async function vetUrls(items: BatchItem[], results: Array<BatchItemResult | undefined>): Promise<void> {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < items.length; i = next++) {
        const item = items[i]!;
        if (results[i] || item instanceof AppError) continue;
        try {
          await checkRequestUrls(deps.outbound, item);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          results[i] = { outcome: 'refused', error: err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(URL_CHECKS_AT_ONCE, items.length) }, worker));
  }

  return {
    async submitBatch(caller: Caller, items: BatchItem[]): Promise<BatchResult> {
      const results: Array<BatchItemResult | undefined> = items.map((item) => (item instanceof AppError ? { outcome: 'refused', error: item } : undefined));
      const pending = () => items.flatMap((item, index) => (results[index] || item instanceof AppError ? [] : [{ item, index }]));

      if (pending().some(({ item }) => item.webhookUrl)) {
        const missing = await requireWebhookSecret(db, caller.tenantId).then(
          () => undefined,
          (err: unknown) => err,
        );
        if (missing instanceof AppError) for (const { item, index } of pending()) if (item.webhookUrl) results[index] = { outcome: 'refused', error: missing };
        else if (missing) throw missing;
      }
      await vetUrls(items, results);

      const fingerprints = new Map<number, string>();
      for (const { item, index } of pending()) fingerprints.set(index, submissionFingerprint(item));
      const keyed = pending().filter(({ item }) => item.idempotencyKey);
      const earlier = await findJobsByIdempotencyKeys(db, caller.tenantId, [...new Set(keyed.map(({ item }) => item.idempotencyKey!))]);
      /** An Idempotency-Key's first claim in this batch: later items with the same key replay it or conflict. */
      const claimedBy = new Map<string, number>();
      const replayOf = new Map<number, number>();
      const revive: Job[] = [];
      for (const { item, index } of keyed) {
        const key = item.idempotencyKey!;
        const existing = earlier.get(key);
        const conflict = () => idempotencyConflict(key);
        if (existing) {
          if (existing.requestFingerprint !== fingerprints.get(index)) results[index] = { outcome: 'refused', error: conflict() };
          else {
            results[index] = { outcome: 'replayed', job: existing };
            if (existing.status === 'failed' && existing.error?.code === NOT_STARTED && !revive.includes(existing)) revive.push(existing);
          }
        } else if (claimedBy.has(key)) {
          if (fingerprints.get(claimedBy.get(key)!) !== fingerprints.get(index)) results[index] = { outcome: 'refused', error: conflict() };
          else replayOf.set(index, claimedBy.get(key)!);
        } else {
          claimedBy.set(key, index);
        }
      }

      let remaining = await remainingBudgetSeconds(db, caller);
      const fresh: Array<{ index: number; row: NewJob }> = [];
      for (const { item, index } of pending()) {
        if (replayOf.has(index)) continue;
        const refusal = budgetRefusal(caller, remaining, item.durationHint);
        if (refusal) {
          results[index] = { outcome: 'refused', error: refusal };
          continue;
        }
        if (remaining !== null && item.durationHint !== undefined) remaining -= item.durationHint;
        const common = { mode: item.mode, durationHint: item.durationHint, routing: settings.routing };
        fresh.push({
          index,
          row: {
            id: randomUUID(),
            tenantId: caller.tenantId,
            apiKeyId: caller.keyId,
            priority: item.priority,
            region: caller.region,
            requestedMode: item.mode,
            mode: routeAtSubmission(common),
            source: item.source,
            options: item.options,
            durationSeconds: item.durationHint,
            idempotencyKey: item.idempotencyKey,
            requestFingerprint: fingerprints.get(index),
            webhookUrl: item.webhookUrl,
          },
        });
      }

      let inserted: Map<string, Date>;
      try {
        inserted = await insertJobs(
          db,
          fresh.map((f) => f.row),
        );
      } catch (err) {
        throw new AppError(503, 'service_unavailable', `The database is unreachable, so nothing was started. Retry shortly. (${(err as Error).message})`, undefined, 5);
      }
      const accepted = fresh.filter((f) => inserted.has(f.row.id));
      // An Idempotency-Key another request took between our look-up and our insert: that request's job answers.
      const raced = fresh.filter((f) => !inserted.has(f.row.id));
      if (raced.length > 0) {
        const now = await findJobsByIdempotencyKeys(db, caller.tenantId, raced.map((f) => f.row.idempotencyKey!).filter(Boolean));
        for (const { index, row } of raced) {
          const existing = row.idempotencyKey ? now.get(row.idempotencyKey) : undefined;
          if (!existing) throw new Error(`job ${row.id} was neither inserted nor found by its Idempotency-Key`);
          results[index] =
            existing.requestFingerprint === row.requestFingerprint
              ? { outcome: 'replayed', job: existing }
              : { outcome: 'refused', error: idempotencyConflict(row.idempotencyKey!) };
        }
      }

      const revived = new Set(await requeueNotStartedJobs(db, revive.map((j) => j.id)));
      const batchId = randomUUID();
      const jobs: BatchJob[] = [
        ...accepted.map(({ row }) => batchJob(row.id, row.priority ?? 3, fileJobMode(row.requestedMode), row.durationSeconds, row.webhookUrl)),
        ...revive.filter((j) => revived.has(j.id)).map((j) => batchJob(j.id, j.priority, fileJobMode(j.requestedMode), j.durationSeconds ?? undefined, j.webhookUrl ?? undefined)),
      ];
      if (jobs.length > 0) {
        const input: TranscriptionBatchInput = {
          batchId,
          taskQueue: workflowTaskQueue(settings, caller),
          common: commonJobInput(settings, caller, deps.searchAttributes),
          webhookRetry: settings.workflow.webhookRetry,
          jobs,
        };
        if (!(await startBatchDispatcher(deps.temporal, input))) {
          // As for a single submission: the jobs are recorded as not started, and a retry with the same keys starts them.
          await markJobsNotStarted(
            db,
            jobs.map((j) => j.jobId),
            'The workflow engine did not accept the batch',
          ).catch(() => undefined);
          throw new AppError(503, 'service_unavailable', 'The workflow engine is unreachable, so nothing was started. Retry shortly (with Idempotency-Keys, the same items keep their jobs).', undefined, 5);
        }
      }

      for (const { index, row } of accepted) results[index] = { outcome: 'accepted', job: queuedJob(row, inserted.get(row.id)!) };
      for (const [index, first] of replayOf) {
        const claimed = results[first];
        results[index] = claimed && claimed.outcome !== 'refused' ? { outcome: 'replayed', job: claimed.job } : claimed!;
      }
      for (const result of results) if (result?.outcome === 'replayed' && revived.has(result.job.id)) Object.assign(result, { job: { ...result.job, status: 'queued', error: null, completedAt: null } });
      return { batchId, items: results.map((r) => r!) };
    },
  };
}

/** A job just inserted, as its row now reads (without a second query). */
function queuedJob(row: NewJob, createdAt: Date): Job {
  return {
    id: row.id,
    tenantId: row.tenantId,
    priority: row.priority ?? 3,
    region: row.region ?? null,
    status: 'queued',
    requestedMode: row.requestedMode,
    mode: row.mode ?? null,
    source: row.source,
    options: row.options,
    deepgramRequestId: null,
    durationSeconds: row.durationSeconds ?? null,
    error: null,
    createdAt,
    updatedAt: createdAt,
    completedAt: null,
    webhookUrl: row.webhookUrl ?? null,
    idempotencyKey: row.idempotencyKey ?? null,
    deletedAt: null,
    chunks: null,
  };
}
