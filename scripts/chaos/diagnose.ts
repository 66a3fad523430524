/**
 * For a failed run: what Temporal says about the workflows of jobs that did not finish or whose webhook never
 * arrived (status, pending activities with their attempt, state and last failure), printed under the table.
 */
import { Connection, Client } from '@temporalio/client';

export async function describeWorkflows(address: string, workflowIds: string[]): Promise<string[]> {
  const connection = await Connection.connect({ address, connectTimeout: '5s' });
  const client = new Client({ connection });
  const lines: string[] = [];
  try {
    for (const id of workflowIds.slice(0, 10)) {
      try {
        const d = await client.workflow.getHandle(id).describe();
        const pending = (d.raw.pendingActivities ?? []).map(
          (a) =>
            `${a.activityType?.name} attempt ${a.attempt} state ${a.state} scheduled ${a.scheduledTime?.seconds ?? '-'} lastStarted ${a.lastStartedTime?.seconds ?? '-'} ` +
            `lastWorker ${a.lastWorkerIdentity ?? '-'} failure ${a.lastFailure?.message ?? '-'}`,
        );
        lines.push(`${id}: ${d.status.name}${pending.length ? `; pending: ${pending.join(' | ')}` : ''}`);
      } catch (err) {
        lines.push(`${id}: ${(err as Error).message}`);
      }
    }
  } finally {
    await connection.close();
  }
  return lines;
}
