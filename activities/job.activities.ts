import type { Db } from '../src/db/database.js';
import { insertJob, markJobCanceled, markJobCompleted, markJobFailed, markJobProcessing, markJobRouted } from '../src/db/repositories/jobs.repository.js';
import { DEFAULT_TENANT_ID } from '../src/domain/tenancy.js';
import { recordJobUsage } from '../src/db/repositories/usage.repository.js';
import type { JobError, ResolvedMode, TranscriptionInput, TranscriptSummary } from '../src/domain/transcription.js';
import type { Metrics } from '../src/observability/metrics.js';

/** Job status bookkeeping. Each write is safe to repeat: status never moves backwards, usage is metered once. */
export function createJobActivities(deps: { db: Db; metrics?: Metrics }) {
  return {
    /** Creates the job row for workflows started straight through Temporal; a no-op when the API already did. */
    async recordJob(input: TranscriptionInput): Promise<void> {
      await insertJob(deps.db, {
        id: input.jobId,
        // Inputs from before tenancy have no owner: the implicit tenant's.
        tenantId: input.owner?.tenantId ?? DEFAULT_TENANT_ID,
        apiKeyId: input.owner?.apiKeyId ?? null,
        priority: input.priority,
        region: input.region,
        requestedMode: input.mode,
        source: input.source,
        options: input.options,
        durationSeconds: input.durationHint,
        webhookUrl: input.webhook?.url,
        deepgramCallbackUrl: input.deepgramCallbackUrl,
      });
    },
    async markJobCanceled(jobId: string): Promise<void> {
      await markJobCanceled(deps.db, jobId);
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
      await markJobCompleted(deps.db, jobId, { deepgramRequestId: summary.deepgramRequestId, durationSeconds: summary.durationSeconds });
      const metered = await recordJobUsage(deps.db, jobId);
      if (metered) deps.metrics?.tenantAudioSeconds.inc({ tenant: metered.tenantName, mode: 'prerecorded' }, metered.audioSeconds);
    },
    async markJobFailed(jobId: string, error: JobError, mode: ResolvedMode | null): Promise<void> {
      await markJobFailed(deps.db, jobId, error, mode);
    },
  };
}
