import type { Client } from '@temporalio/client';
import type { TranscriptionBatchInput } from '../domain/batch.js';
import { TRANSCRIPTION_BATCH_WORKFLOW } from '../../workflows/definitions.js';
import type { transcriptionBatch } from '../../workflows/transcription-batch.workflow.js';

/** How long a dispatcher's start (or the check whether it landed) may take before its jobs are refused with 503. */
const START_DEADLINE_MS = 10_000;

export const batchDispatcherWorkflowId = (batchId: string) => `batch-${batchId}`;

/**
 * Hands jobs to Temporal in one workflow start: the dispatcher that starts each job's own workflow. True once Temporal
 * has it (a start that timed out on our side but landed counts); false when it did not take it.
 */
export async function startBatchDispatcher(temporal: Client, input: TranscriptionBatchInput): Promise<boolean> {
  const workflowId = batchDispatcherWorkflowId(input.batchId);
  try {
    await temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      temporal.workflow.start<typeof transcriptionBatch>(TRANSCRIPTION_BATCH_WORKFLOW, { taskQueue: input.taskQueue, workflowId, args: [input] }),
    );
    return true;
  } catch {
    try {
      await temporal.withDeadline(Date.now() + START_DEADLINE_MS, () => temporal.workflow.getHandle(workflowId).describe());
      return true;
    } catch {
      return false;
    }
  }
}
