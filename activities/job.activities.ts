import type { Db } from '../src/db/database.js';
import { insertJob, markJobCanceled, markJobCompleted, markJobFailed, markJobProcessing } from '../src/db/repositories/jobs.repository.js';
import type { JobError, ResolvedMode, TranscriptionInput, TranscriptSummary } from '../src/domain/transcription.js';

/** Job status bookkeeping. Each write is safe to repeat: status never moves backwards. */
export function createJobActivities(deps: { db: Db }) {
  return {
    /** Creates the job row for workflows started straight through Temporal; a no-op when the API already did. */
    async recordJob(input: TranscriptionInput): Promise<void> {
      await insertJob(deps.db, {
        id: input.jobId,
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
    async markJobProcessing(jobId: string, mode: ResolvedMode, durationSeconds: number | null): Promise<void> {
      await markJobProcessing(deps.db, jobId, { mode, durationSeconds });
    },
    async markJobCompleted(jobId: string, summary: TranscriptSummary): Promise<void> {
      await markJobCompleted(deps.db, jobId, { deepgramRequestId: summary.deepgramRequestId, durationSeconds: summary.durationSeconds });
    },
    async markJobFailed(jobId: string, error: JobError, mode: ResolvedMode | null): Promise<void> {
      await markJobFailed(deps.db, jobId, error, mode);
    },
  };
}
