import type { Db } from '../src/db/database.js';
import { insertJob, markJobCanceled, markJobCompleted, markJobFailed, markJobProcessing, markJobRouted, runningJob, type FinishingJob } from '../src/db/repositories/jobs.repository.js';
import { modelLabel } from '../src/domain/model-label.js';
import { DEFAULT_TENANT_ID } from '../src/domain/tenancy.js';
import { recordJobUsage } from '../src/db/repositories/usage.repository.js';
import type { JobError, ResolvedMode, TranscriptionInput, TranscriptSummary } from '../src/domain/transcription.js';
import type { Metrics } from '../src/observability/metrics.js';

/** Job status bookkeeping. Each write is safe to repeat: status never moves backwards, usage is metered once. */
export interface JobActivityDeps {
  db: Db;
  metrics?: Metrics;
  /** The `region` label of this worker's job metrics: the host of its first Deepgram endpoint, as the API labels it. */
  metricsRegion?: string;
}

export function createJobActivities(deps: JobActivityDeps) {
  /** Once per job, by the call that finished it: its outcome, and for a transcript the time from submission. */
  const countFinished = (job: FinishingJob | undefined, status: 'completed' | 'failed' | 'canceled') => {
    if (!job || !deps.metrics) return;
    const model = modelLabel(job.model);
    deps.metrics.transcriptionRequests.inc({ status, model, region: deps.metricsRegion ?? 'default' });
    if (status === 'completed') deps.metrics.transcriptionLatency.observe({ model, mode: job.mode ?? 'sync' }, (Date.now() - job.createdAt.getTime()) / 1000);
  };
  return {
    /** Creates the job row for workflows started straight through Temporal; the API writes its jobs' rows itself. */
    async recordJob(input: TranscriptionInput): Promise<void> {
      if (!input.source) return;
      await insertJob(deps.db, {
        id: input.jobId,
        // Inputs from before tenancy have no owner: the implicit tenant's.
        tenantId: input.owner?.tenantId ?? DEFAULT_TENANT_ID,
        apiKeyId: input.owner?.apiKeyId ?? null,
        priority: input.priority,
        region: input.region,
        requestedMode: input.mode,
        source: input.source,
        options: input.options ?? {},
        durationSeconds: input.durationHint,
        webhookUrl: input.webhook?.url,
        deepgramCallbackUrl: input.deepgramCallbackUrl,
      });
    },
    async markJobCanceled(jobId: string): Promise<void> {
      const finishing = await runningJob(deps.db, jobId);
      if (await markJobCanceled(deps.db, jobId)) countFinished(finishing, 'canceled');
    },
    /** The route is chosen; the job stays queued until its Deepgram call starts. */
    async markJobRouted(jobId: string, mode: ResolvedMode, durationSeconds: number | null): Promise<void> {
      await markJobRouted(deps.db, jobId, { mode, durationSeconds });
    },
    /** Workflows started before tenancy: route and mark processing in one (kept so their histories replay). */
    async markJobProcessing(jobId: string, mode: ResolvedMode, durationSeconds: number | null): Promise<void> {
      await markJobRouted(deps.db, jobId, { mode, durationSeconds });
      await markJobProcessing(deps.db, jobId);
    },
    /** Completes the job and meters its audio for its tenant: once, however often this runs. */
    async markJobCompleted(jobId: string, summary: TranscriptSummary): Promise<void> {
      countFinished(await markJobCompleted(deps.db, jobId, { deepgramRequestId: summary.deepgramRequestId, durationSeconds: summary.durationSeconds }), 'completed');
      const metered = await recordJobUsage(deps.db, jobId);
      if (metered) deps.metrics?.tenantAudioSeconds.inc({ tenant: metered.tenantName, mode: 'prerecorded' }, metered.audioSeconds);
    },
    async markJobFailed(jobId: string, error: JobError, mode: ResolvedMode | null): Promise<void> {
      countFinished(await markJobFailed(deps.db, jobId, error, mode), 'failed');
    },
  };
}
