/**
 * What a failed webhook delivery shows its tenant: a coarse class, never the receiver's internal address or the
 * network error's text (an `ECONNREFUSED 10.0.0.7:5432` in a delivery log would make it a port scanner).
 */
export type DeliveryErrorClass = 'timeout' | 'connection_refused' | 'connection_reset' | 'dns' | 'tls' | 'blocked_address' | 'network';

const BY_CODE: Record<string, DeliveryErrorClass> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'timeout',
  // The receiver's host resolved to a non-public address when we connected (outbound guard).
  EBLOCKEDADDRESS: 'blocked_address',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
};

export function classifyDeliveryError(err: unknown): DeliveryErrorClass {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
    if (typeof code === 'string') {
      if (BY_CODE[code]) return BY_CODE[code]!;
      if (/TLS|SSL|CERT|SIGNATURE/.test(code)) return 'tls';
    }
  }
  return 'network';
}
