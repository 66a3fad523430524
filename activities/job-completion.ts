import type { Db } from '../src/db/database.js';
import { markJobCompleted, type FinishingJob } from '../src/db/repositories/jobs.repository.js';
import { recordJobUsage } from '../src/db/repositories/usage.repository.js';
import type { TranscriptCompletion } from '../src/db/repositories/job-completion.repository.js';
import { modelLabel } from '../src/domain/model-label.js';
import type { TranscriptSummary } from '../src/domain/transcription.js';
import type { Metrics } from '../src/observability/metrics.js';

export interface JobCompletionDeps {
  db: Db;
  metrics?: Metrics;
  /** The `region` label of this worker's job metrics: the host of its first Deepgram endpoint, as the API labels it. */
  metricsRegion?: string;
}

/**
 * Finishing a job, shared by the bookkeeping activity and the Deepgram call that completes its job itself. Counted
 * once per job, by the call whose write finished it: its outcome, and for a transcript the time from submission.
 */
export function createJobCompletion(deps: JobCompletionDeps) {
  const countFinished = (job: FinishingJob | undefined, status: 'completed' | 'failed' | 'canceled') => {
    if (!job || !deps.metrics) return;
    const model = modelLabel(job.model);
    deps.metrics.transcriptionRequests.inc({ status, model, region: deps.metricsRegion ?? 'default' });
    if (status === 'completed') deps.metrics.transcriptionLatency.observe({ model, mode: job.mode ?? 'sync' }, (Date.now() - job.createdAt.getTime()) / 1000);
  };
  const countMetered = (metered: { tenantName: string; audioSeconds: number } | null) => {
    if (metered) deps.metrics?.tenantAudioSeconds.inc({ tenant: metered.tenantName, mode: 'prerecorded' }, metered.audioSeconds);
  };
  return {
    countFinished,
    /** Completes the job and meters its audio for its tenant: once, however often this runs. */
    async completeJob(jobId: string, summary: TranscriptSummary): Promise<void> {
      countFinished(await markJobCompleted(deps.db, jobId, { deepgramRequestId: summary.deepgramRequestId, durationSeconds: summary.durationSeconds }), 'completed');
      countMetered(await recordJobUsage(deps.db, jobId));
    },
    /** Counts what storeTranscriptAndCompleteJob did (the job finished and metered by that call, if it was). */
    counted(completion: TranscriptCompletion): void {
      countFinished(completion.finishing, 'completed');
      countMetered(completion.metered ?? null);
    },
  };
}
