import { Client, Connection, type ClientInterceptors } from '@temporalio/client';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  /** E.g. tracing's, which put the caller's trace context into the headers of every workflow it starts. */
  interceptors?: ClientInterceptors;
}

/** One connection per process, opened at start-up so a wrong address fails loudly there. */
export async function createTemporalClient(options: TemporalClientOptions): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: options.address, connectTimeout: '10s' });
  const client = new Client({ connection, namespace: options.namespace, interceptors: options.interceptors });
  return { client, close: () => connection.close() };
}

/** Temporal answers a cheap RPC within the deadline. */
export async function isTemporalReachable(client: Client, timeoutMs = 2_000): Promise<boolean> {
  try {
    await client.withDeadline(Date.now() + timeoutMs, () => client.connection.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}
