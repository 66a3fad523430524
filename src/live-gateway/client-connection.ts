import type { RawData, WebSocket } from 'ws';
import type { ClientFrame, ClientLink, ClientLinkHandlers } from '../domain/live.js';

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
function fitReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -2) + '…';
  return out;
}

const CONTROL_TYPES = new Set(['KeepAlive', 'Finalize', 'CloseStream']);

/**
 * A client's live socket, held by the gateway until a relay activity (in this process) attaches. Frames arriving
 * before that are buffered, up to `maxBufferBytes`; results going out are dropped with a 1008 close when the client
 * stops reading them. Implements the relay's `ClientLink`.
 */
export class ClientConnection implements ClientLink {
  private buffered: ClientFrame[] = [];
  private bufferedBytes = 0;
  private handlers: ClientLinkHandlers | undefined;
  private closedInfo: { code: number; reason: string } | undefined;

  constructor(
    readonly connectionId: string,
    readonly sessionId: string,
    private readonly ws: WebSocket,
    private readonly maxBufferBytes: number,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', () => undefined); // a close follows
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  get closed(): boolean {
    return this.closedInfo !== undefined;
  }

  attach(handlers: ClientLinkHandlers): void {
    this.handlers = handlers;
    const frames = this.buffered;
    this.buffered = [];
    this.bufferedBytes = 0;
    for (const frame of frames) handlers.frame(frame);
    if (this.closedInfo) handlers.closed(this.closedInfo);
  }

  send(message: Record<string, unknown>): void {
    if (!this.isOpen) return;
    if (this.ws.bufferedAmount > this.maxBufferBytes) {
      this.close(1008, 'Results are not being read; the client fell too far behind');
      return;
    }
    this.ws.send(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, fitReason(reason));
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      // An empty binary frame is Deepgram's older way to say CloseStream; never relay a zero-length chunk.
      this.deliver(chunk.length === 0 ? { kind: 'control', type: 'CloseStream' } : { kind: 'audio', data: chunk });
      return;
    }
    let type: unknown;
    try {
      type = (JSON.parse(chunk.toString('utf8')) as { type?: unknown })?.type;
    } catch {
      type = undefined;
    }
    if (typeof type !== 'string' || !CONTROL_TYPES.has(type)) {
      this.close(1008, 'Text messages must be JSON {"type": "KeepAlive" | "Finalize" | "CloseStream"}; send audio as binary');
      return;
    }
    this.deliver({ kind: 'control', type: type as 'KeepAlive' | 'Finalize' | 'CloseStream' });
  }

  private deliver(frame: ClientFrame): void {
    if (this.handlers) return this.handlers.frame(frame);
    this.buffered.push(frame);
    this.bufferedBytes += frame.kind === 'audio' ? frame.data.length : 0;
    if (this.bufferedBytes > this.maxBufferBytes) this.close(1008, 'Audio arrived faster than the session could start relaying it');
  }

  private onClose(code: number, reason: string): void {
    this.closedInfo = { code, reason };
    this.handlers?.closed(this.closedInfo);
  }
}
