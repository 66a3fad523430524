import type { RawData, WebSocket } from 'ws';
import { terminateWhenSilent } from '../adapters/websocket-liveness.js';
import type { ClientFrame, ClientLink, ClientLinkHandlers, LiveApi } from '../domain/live.js';

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
function fitReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -2) + '…';
  return out;
}

const CONTROL_TYPES = new Set(['KeepAlive', 'Finalize', 'CloseStream']);
/** Flux's client messages: CloseStream, and the two passed on to Deepgram whole. KeepAlive only resets the idle rule. */
const FLUX_CONTROL_TYPES = new Set(['KeepAlive', 'CloseStream']);
const FLUX_MESSAGE_TYPES = new Set(['Configure', 'ForceEndTurn']);

export interface ClientConnectionLimits {
  /** Audio held before a relay attaches, and results queued for a client that stopped reading. */
  maxBufferBytes: number;
  /** A ping every this long; a client that has not answered the previous one is cut off (a half-open socket). */
  pingIntervalMs: number;
  /** A client that sends nothing at all for this long is closed, as Deepgram does (NET-0001). */
  idleTimeoutMs: number;
  /** Which Deepgram live API the client speaks: its text messages differ. */
  api: LiveApi;
}

/**
 * A client's live socket, held by the gateway until a relay activity (in this process) attaches. Frames arriving
 * before that are buffered, up to `maxBufferBytes`; results going out are dropped with a 1008 close when the client
 * stops reading them. Pings find dead sockets; the idle rule closes silent ones; `pause()` stops reading the socket
 * while Deepgram is behind. Implements the relay's `ClientLink`.
 */
export class ClientConnection implements ClientLink {
  private buffered: ClientFrame[] = [];
  private bufferedBytes = 0;
  private handlers: ClientLinkHandlers | undefined;
  private closedInfo: { code: number; reason: string } | undefined;
  private lastHeardAt = Date.now();
  private paused = false;
  private readonly idleCheck: NodeJS.Timeout;
  private readonly stopPinging: () => void;

  constructor(
    readonly connectionId: string,
    readonly sessionId: string,
    private readonly ws: WebSocket,
    private readonly limits: ClientConnectionLimits,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', () => undefined); // a close follows
    // No pong since the last ping: the client is gone without a close (a half-open connection).
    this.stopPinging = terminateWhenSilent(ws, limits.pingIntervalMs);
    this.idleCheck = setInterval(() => this.checkIdle(), Math.max(250, limits.idleTimeoutMs / 4));
    this.idleCheck.unref();
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
    // Paused while waiting for the relay (see deliver): the relay decides from now on.
    else this.resume();
  }

  pause(): void {
    if (this.paused || !this.isOpen) return;
    this.paused = true;
    this.ws.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    // Time spent paused was ours, not the client's silence.
    this.lastHeardAt = Date.now();
    this.ws.resume();
  }

  send(message: Record<string, unknown>): void {
    if (!this.isOpen) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferBytes) {
      this.close(1008, 'Results are not being read; the client fell too far behind');
      return;
    }
    this.ws.send(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    // A paused socket would never read the client's half of the close handshake.
    this.resume();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, fitReason(reason));
  }

  private checkIdle(): void {
    if (!this.isOpen) return;
    const now = Date.now();
    if (this.paused) this.lastHeardAt = now;
    if (now - this.lastHeardAt > this.limits.idleTimeoutMs) {
      this.close(1011, `NET-0001: no audio or message received for ${Math.round(this.limits.idleTimeoutMs / 1000)} s; send KeepAlive while paused`);
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.lastHeardAt = Date.now();
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      // An empty binary frame is Deepgram's older way to say CloseStream; never relay a zero-length chunk.
      this.deliver(chunk.length === 0 ? { kind: 'control', type: 'CloseStream' } : { kind: 'audio', data: chunk });
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(chunk.toString('utf8'));
    } catch {
      message = undefined;
    }
    const type = message && typeof message === 'object' && !Array.isArray(message) ? (message as { type?: unknown }).type : undefined;
    if (this.limits.api === 'v2') {
      if (typeof type === 'string' && FLUX_MESSAGE_TYPES.has(type)) {
        this.deliver({ kind: 'message', type: type as 'Configure' | 'ForceEndTurn', message: message as Record<string, unknown> });
        return;
      }
      if (typeof type !== 'string' || !FLUX_CONTROL_TYPES.has(type)) {
        this.close(1008, 'Text messages must be JSON {"type": "Configure" | "ForceEndTurn" | "CloseStream"}; send audio as binary');
        return;
      }
    } else if (typeof type !== 'string' || !CONTROL_TYPES.has(type)) {
      this.close(1008, 'Text messages must be JSON {"type": "KeepAlive" | "Finalize" | "CloseStream"}; send audio as binary');
      return;
    }
    this.deliver({ kind: 'control', type: type as 'KeepAlive' | 'Finalize' | 'CloseStream' });
  }

  private deliver(frame: ClientFrame): void {
    if (this.handlers) return this.handlers.frame(frame);
    this.buffered.push(frame);
    this.bufferedBytes += frame.kind === 'audio' ? frame.data.length : 0;
    // Enough held for a relay that has not started yet: stop reading (TCP holds the client back) until it attaches.
    if (this.bufferedBytes > this.limits.maxBufferBytes) this.pause();
  }

  private onClose(code: number, reason: string): void {
    clearInterval(this.idleCheck);
    this.stopPinging();
    this.closedInfo = { code, reason };
    this.handlers?.closed(this.closedInfo);
  }
}
