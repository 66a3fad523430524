import { ScheduleAlreadyRunning, type Client, type ScheduleOptionsAction } from '@temporalio/client';
import type { RetentionRequest } from '../domain/retention.js';

export const RETENTION_WORKFLOW = 'dataRetention';
const BATCH_SIZE = 500;
/** Longer than any upload can take (512 MiB at a slow client), so one still arriving is never swept. */
const ORPHAN_GRACE_MS = 24 * 3_600_000;

/** One Schedule per deployment (its task queue), so deployments sharing a namespace keep their own. */
export function retentionScheduleId(taskQueue: string): string {
  return `data-retention-${taskQueue}`;
}

/**
 * Makes the retention Schedule match the configuration: a Temporal Schedule runs `dataRetention` every `intervalMs`
 * (a run still going is not overlapped). With RETENTION_DAYS it deletes what is older; without, it only sweeps
 * uploads no job references. Safe to call from every API replica at start-up.
 */
export async function syncRetentionSchedule(client: Client, options: { taskQueue: string; days?: number; intervalMs: number }): Promise<'created' | 'updated'> {
  const scheduleId = retentionScheduleId(options.taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  const request: RetentionRequest = { retentionDays: options.days ?? null, batchSize: BATCH_SIZE, orphanGraceMs: ORPHAN_GRACE_MS };
  const action: ScheduleOptionsAction = { type: 'startWorkflow', workflowType: RETENTION_WORKFLOW, taskQueue: options.taskQueue, workflowId: scheduleId, args: [request] };
  const spec = { intervals: [{ every: options.intervalMs }] };
  try {
    await client.schedule.create({ scheduleId, spec, action });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec, action }));
    return 'updated';
  }
}
