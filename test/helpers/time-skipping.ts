import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/**
 * Starts a workflow with the server's per-workflow time skipping (dev server with `frontend.WorkflowTimeSkippingEnabled`,
 * see src/temporal/dev-server.ts): whenever the workflow has no work in flight, its clock jumps to its next timer, so
 * a day-long wait runs at its real length in seconds. The SDK has no option for it yet, so this is the raw request.
 */
export async function startWithTimeSkipping(client: Client, options: { workflowType: string; taskQueue: string; workflowId?: string; args: unknown[] }) {
  const workflowId = options.workflowId ?? randomUUID();
  // The raw request bypasses the client's data converter: encode (encrypt) the input as the client would.
  let payloads = options.args.map((arg) => defaultPayloadConverter.toPayload(arg));
  for (const codec of client.options.dataConverter.payloadCodecs ?? []) payloads = await codec.encode(payloads);
  await client.connection.workflowService.startWorkflowExecution({
    namespace: client.options.namespace,
    workflowId,
    requestId: randomUUID(),
    workflowType: { name: options.workflowType },
    taskQueue: { name: options.taskQueue },
    input: { payloads },
    timeSkippingConfig: { enabled: true },
  });
  return client.workflow.getHandle(workflowId);
}
