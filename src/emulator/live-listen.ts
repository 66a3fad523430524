import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { EmulatorState } from './state.js';

export interface LiveHandler {
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  closeAll(): void;
}

/** Placeholder until live streaming lands: refuses the upgrade. */
export function createLiveHandler(_state: EmulatorState): LiveHandler {
  return {
    handleUpgrade: (_req, socket) => socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'),
    closeAll: () => {},
  };
}
