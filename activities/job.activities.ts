import { insertJob, markJobCanceled, markJobFailed, markJobProcessing, markJobRouted, runningJob } from '../src/db/repositories/jobs.repository.js';
import { routeAtSubmission } from '../src/domain/routing.js';
import { createJobCompletion, type JobCompletionDeps } from './job-completion.js';
import { DEFAULT_TENANT_ID } from '../src/domain/tenancy.js';
import type { JobError, ResolvedMode, TranscriptionInput } from '../src/domain/transcription.js';

/** Job status bookkeeping. Each write is safe to repeat: status never moves backwards, usage is metered once. */
export type JobActivityDeps = JobCompletionDeps;

export function createJobActivities(deps: JobActivityDeps) {
  const { countFinished, completeJob } = createJobCompletion(deps);
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
        // The route, where the request alone decides it (the workflow then records no route of its own).
        mode: routeAtSubmission(input),
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
    markJobCompleted: completeJob,
    async markJobFailed(jobId: string, error: JobError, mode: ResolvedMode | null): Promise<void> {
      countFinished(await markJobFailed(deps.db, jobId, error, mode), 'failed');
    },
  };
}
