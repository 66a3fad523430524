import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { PayloadKey } from '../config.js';
import { encryptedDataConverter } from './encryption-codec.js';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  /** E.g. tracing's, which put the caller's trace context into the headers of every workflow it starts. */
  interceptors?: ClientInterceptors;
  /** Every payload the client sends is encrypted with the first key; what it reads, with whichever key it names. */
  payloadKeys: readonly PayloadKey[];
}

/** One connection per process, opened at start-up so a wrong address fails loudly there. */
export async function createTemporalClient(options: TemporalClientOptions): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: options.address, connectTimeout: '10s' });
  const client = new Client({ connection, namespace: options.namespace, interceptors: options.interceptors, dataConverter: encryptedDataConverter(options.payloadKeys) });
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
