import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { PayloadKey } from '../config.js';
import { encryptedDataConverter } from './encryption-codec.js';
import { temporalConnectionOptions, type TemporalSecurity } from './connection-options.js';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  /** E.g. tracing's, which put the caller's trace context into the headers of every workflow it starts. */
  interceptors?: ClientInterceptors;
  /** Every payload the client sends is encrypted with the first key; what it reads, with whichever key it names. */
  payloadKeys: readonly PayloadKey[];
  /** TLS / API key for an external cluster (TEMPORAL_TLS*, TEMPORAL_API_KEY); none = plain gRPC. */
  security?: TemporalSecurity;
  /**
   * A worker's connection in this same process (npm start): the client shares it, which is what lets a start hand its
   * first workflow task straight to that worker (eager workflow start). The worker owns and closes it.
   */
  workerConnection?: NativeConnection;
}

/**
 * One connection per process, opened at start-up so a wrong address fails loudly there. `eagerStart` says whether
 * starts may ask for eager dispatch (only over a worker's own connection).
 */
export async function createTemporalClient(options: TemporalClientOptions): Promise<{ client: Client; eagerStart: boolean; close: () => Promise<void> }> {
  const common = { namespace: options.namespace, interceptors: options.interceptors, dataConverter: encryptedDataConverter(options.payloadKeys) };
  if (options.workerConnection) return { client: new Client({ connection: options.workerConnection, ...common }), eagerStart: true, close: async () => undefined };
  const connection = await Connection.connect({ ...(await temporalConnectionOptions(options.address, options.security)), connectTimeout: '10s' });
  return { client: new Client({ connection, ...common }), eagerStart: false, close: () => connection.close() };
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
