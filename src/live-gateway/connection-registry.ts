import type { ClientLinks } from '../domain/live.js';
import type { ClientConnection } from './client-connection.js';

/**
 * This process's client connections, by connection id. The gateway adds them; the relay activity running on the
 * same worker claims them. A connection leaves when it has closed and been claimed, or when nobody claimed it in
 * time (its session's workflow did not get a relay going).
 */
export class ConnectionRegistry implements ClientLinks {
  private readonly connections = new Map<string, ClientConnection>();
  private readonly claimed = new Set<string>();

  /** Connections whose socket is still open: what the per-worker session limit counts. */
  get open(): number {
    let n = 0;
    for (const c of this.connections.values()) if (!c.closed) n++;
    return n;
  }

  all(): ClientConnection[] {
    return [...this.connections.values()];
  }

  add(connection: ClientConnection, claimTimeoutMs: number, onUnclaimed: (c: ClientConnection) => void): void {
    const id = connection.connectionId;
    this.connections.set(id, connection);
    const timer = setTimeout(() => {
      if (this.claimed.has(id)) return;
      this.connections.delete(id);
      onUnclaimed(connection);
    }, claimTimeoutMs);
    timer.unref();
  }

  /** Its socket closed: forget it if a relay already has it (an unclaimed one waits for its relay or the timeout). */
  closed(connectionId: string): void {
    if (!this.claimed.has(connectionId)) return;
    this.connections.delete(connectionId);
    this.claimed.delete(connectionId);
  }

  claim(connectionId: string): ClientConnection | undefined {
    const connection = this.connections.get(connectionId);
    if (!connection || this.claimed.has(connectionId)) return undefined;
    if (connection.closed) this.connections.delete(connectionId);
    else this.claimed.add(connectionId);
    return connection;
  }
}
