import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import { resolveMode, routeAtSubmission } from '../domain/routing.js';
import { fileJobSearchAttributes } from '../domain/job-search-attributes.js';
import type { ResolvedMode, RoutingThresholds, TranscriptionInput } from '../domain/transcription.js';
import { routingUpdate, TRANSCRIPTION_WORKFLOW } from '../../workflows/definitions.js';
import type { transcriptionJob } from '../../workflows/transcription.workflow.js';
import { transcriptionWorkflowId } from '../temporal/task-queues.js';

/**
 * How long a plain start (or the check whether a start landed) may take before the caller gets a 503: the SDK would
 * otherwise retry an unreachable Temporal for most of a minute while the client waits.
 */
const START_DEADLINE_MS = 10_000;
const DESCRIBE_DEADLINE_MS = 5_000;

export type StartResult = { started: true; mode: ResolvedMode } | { started: false; reason: 'already_started' | 'unreachable'; error?: Error };

/**
 * Starts a transcription workflow exactly once per job id. A closed run is never restarted
 * (REJECT_DUPLICATE), so a repeated request cannot transcribe (and bill) a finished job again.
 */
export function createWorkflowStarter(temporal: Client, routing: RoutingThresholds, startOptions: { eager: boolean } = { eager: false }) {
  async function exists(workflowId: string): Promise<boolean> {
    try {
      await temporal.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () => temporal.workflow.getHandle(workflowId).describe());
      return true;
    } catch {
      return false;
    }
  }

  return {
    exists,

    async start(input: TranscriptionInput, taskQueue: string): Promise<StartResult> {
      const workflowId = transcriptionWorkflowId(input.jobId);
      const routedMode = routeAtSubmission(input);
      const options = {
        taskQueue,
        workflowId,
        args: [input] as [TranscriptionInput],
        workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
        // Fair share from the first workflow task on: one tenant's backlog never queues another's behind it.
        priority: { priorityKey: input.priority, fairnessKey: input.owner.tenantId },
        // Set in the start request rather than by the workflow's first task: one visibility write fewer per job.
        ...(input.searchAttributesAtStart ? { typedSearchAttributes: fileJobSearchAttributes(input.owner.tenantName, routedMode) } : {}),
      };
      try {
        if (input.mode === 'auto' && input.durationHint === undefined) {
          // Routing needs a look at the audio, which the workflow does; ask for it in the RPC that starts it.
          const startWorkflowOperation = new WithStartWorkflowOperation<typeof transcriptionJob>(TRANSCRIPTION_WORKFLOW, {
            ...options,
            workflowIdConflictPolicy: 'FAIL',
          });
          const mode = await temporal.workflow.executeUpdateWithStart(routingUpdate, { startWorkflowOperation, updateId: `routing-${randomUUID()}` });
          return { started: true, mode };
        }
        // Eager: the server hands the first workflow task to this process's own worker in the start's answer, saving a
        // dispatch through the task queue (a sync caller waits for every step). Only asked for over a worker's connection.
        const eager = startOptions.eager && routedMode === 'sync';
        await temporal.withDeadline(Date.now() + START_DEADLINE_MS, () => temporal.workflow.start<typeof transcriptionJob>(TRANSCRIPTION_WORKFLOW, { ...options, ...(eager ? { requestEagerStart: true } : {}) }));
        return { started: true, mode: resolveMode(input.mode, input.durationHint, routing) };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError || (err as { cause?: unknown }).cause instanceof WorkflowExecutionAlreadyStartedError) {
          return { started: false, reason: 'already_started' };
        }
        if (await exists(workflowId)) return { started: true, mode: resolveMode(input.mode === 'auto' ? 'auto' : input.mode, input.durationHint, routing) };
        return { started: false, reason: 'unreachable', error: err as Error };
      }
    },

    /** Waits for the workflow to finish, no longer than `budgetMs`. True when it finished (either way). */
    async waitBounded(jobId: string, budgetMs: number): Promise<boolean> {
      if (budgetMs <= 0) return false;
      const handle = temporal.workflow.getHandle<typeof transcriptionJob>(transcriptionWorkflowId(jobId));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), budgetMs)));
      try {
        return await Promise.race([
          handle.result().then(
            () => true,
            // A failed job is finished too; any other error (Temporal briefly unreachable) means "not yet":
            // the job is accepted and durable, so the client gets a 202 and polls.
            (err) => err instanceof WorkflowFailedError,
          ),
          timedOut,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type WorkflowStarter = ReturnType<typeof createWorkflowStarter>;
