import { ParentClosePolicy, patched, startChild, TemporalFailure } from '@temporalio/workflow';
import { batchJobInput, type TranscriptionBatchInput } from '../src/domain/batch.js';
import { fileJobSearchAttributes, jobSearchAttributes } from '../src/domain/job-search-attributes.js';
import { routeAtSubmission } from '../src/domain/routing.js';
import { LEGACY_TRANSCRIPTION_WORKFLOW, TRANSCRIPTION_WORKFLOW } from './definitions.js';
import type { transcriptionJob } from './transcription.workflow.js';

/** Child starts per workflow task: a thousand-job batch is ten tasks, none of them large. */
const STARTS_PER_TASK = 100;

/** `patched()` id of the change that starts jobs as `transcriptionJob` workflows (throughput, 2026-12-05). */
const JOB_WORKFLOW_TYPE = 'job-workflow-type';


/**
 * A batch's dispatcher: starts one transcription workflow per job, each exactly as a single submission would (same
 * workflow id = job id, same input, same priority and fairness key, same search attributes), abandoned so each job
 * lives on its own. The API answers the batch once this workflow has started, so accepting a batch is one insert and
 * one start however many jobs it holds, and durable from then on. A job whose workflow already exists (a retried
 * batch) is counted and left alone: REJECT_DUPLICATE means a finished job is never transcribed again.
 */
export async function transcriptionBatch(batch: TranscriptionBatchInput): Promise<{ started: number; alreadyStarted: number }> {
  let started = 0;
  let alreadyStarted = 0;
  // Dispatchers started before the change go on starting the type their histories recorded.
  const current = patched(JOB_WORKFLOW_TYPE);
  for (let i = 0; i < batch.jobs.length; i += STARTS_PER_TASK) {
    await Promise.all(
      batch.jobs.slice(i, i + STARTS_PER_TASK).map(async (job) => {
        const input = batchJobInput(batch, job);
        const route = routeAtSubmission(input);
        try {
          await startChild<typeof transcriptionJob>(current ? TRANSCRIPTION_WORKFLOW : LEGACY_TRANSCRIPTION_WORKFLOW, {
            // A job's workflow id is its job id (src/temporal/task-queues.ts).
            workflowId: job.jobId,
            taskQueue: batch.taskQueue,
            args: [input],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            priority: { priorityKey: job.priority, fairnessKey: input.owner.tenantId },
            ...(input.searchAttributesAtStart
              ? { typedSearchAttributes: current ? fileJobSearchAttributes(input.owner.tenantName, route) : jobSearchAttributes('queued', input.owner.tenantName, route) }
              : {}),
          });
          started++;
        } catch (err) {
          // A taken workflow id: @temporalio/workflow throws this error but does not export its class.
          if (!(err instanceof TemporalFailure && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
          alreadyStarted++;
        }
      }),
    );
  }
  return { started, alreadyStarted };
}
