import { readFile } from 'node:fs/promises';
import type { TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalTls } from '../config.js';

/** What both Temporal connection kinds (the client's and a worker's native one) take to reach a cluster. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

export interface TemporalSecurity {
  tls?: TemporalTls;
  apiKey?: string;
}

/**
 * Reads the PEM files once per connection, so a rotated certificate (a Kubernetes Secret updated in place) is
 * picked up by the next process start, and a missing file fails the start with its path named.
 */
export async function temporalConnectionOptions(address: string, security: TemporalSecurity = {}): Promise<TemporalConnectionOptions> {
  const { tls, apiKey } = security;
  if (!tls) return { address, ...(apiKey ? { apiKey, tls: {} } : {}) };
  const read = (file: string, what: string) =>
    readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the Temporal TLS ${what} at ${file}: ${err.code ?? err.message}`);
    });
  const [ca, crt, key] = await Promise.all([
    tls.caFile ? read(tls.caFile, 'CA certificate (TEMPORAL_TLS_CA_FILE)') : undefined,
    tls.clientCertFile ? read(tls.clientCertFile, 'client certificate (TEMPORAL_TLS_CERT_FILE)') : undefined,
    tls.clientKeyFile ? read(tls.clientKeyFile, 'client key (TEMPORAL_TLS_KEY_FILE)') : undefined,
  ]);
  return {
    address,
    ...(apiKey ? { apiKey } : {}),
    tls: {
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    },
  };
}

/** A worker's connection to the cluster; a refusal (wrong address, TLS or certificate) names the address and the security used. */
export async function connectWorkerToTemporal(address: string, security: TemporalSecurity = {}): Promise<NativeConnection> {
  const options = await temporalConnectionOptions(address, security);
  try {
    return await NativeConnection.connect(options);
  } catch (err) {
    const how = options.tls ? `over TLS${options.tls.clientCertPair ? ' with a client certificate' : ' without a client certificate'}` : 'without TLS';
    throw new Error(`cannot connect to Temporal at ${address} ${how}: ${(err as Error).message}`, { cause: err });
  }
}
