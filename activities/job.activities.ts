import type { Db } from '../src/db/database.js';
import { markJobCompleted, markJobFailed, markJobProcessing } from '../src/db/repositories/jobs.repository.js';
import type { JobError, ResolvedMode, TranscriptSummary } from '../src/domain/transcription.js';

/** Job status bookkeeping. Each write is safe to repeat: status never moves backwards. */
export function createJobActivities(deps: { db: Db }) {
  return {
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
