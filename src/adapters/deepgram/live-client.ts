import { DeepgramClient } from '@deepgram/sdk';
import { liveApiOf, type LiveOptions } from '../../domain/live.js';
import { terminateWhenSilent, type Pingable } from '../websocket-liveness.js';
import { isTransientStatus } from './errors.js';

/** A message from Deepgram Live, JSON-parsed (Results, Metadata, UtteranceEnd, SpeechStarted; Flux: Connected, TurnInfo, ...). */
export type LiveMessage = Record<string, unknown> & { type?: unknown };

export interface LiveUpstreamHandlers {
  message(message: LiveMessage): void;
  /** The socket closed, for whatever reason; called once. */
  closed(info: { code: number; reason: string }): void;
}

/** One open Deepgram Live socket. Sends return false once the socket is no longer open (never throw). */
export interface LiveUpstream {
  sendAudio(chunk: Buffer): boolean;
  /** v1's KeepAlive and Finalize do not exist on Flux (v2): there they send nothing and return false. */
  sendControl(type: 'KeepAlive' | 'Finalize' | 'CloseStream'): boolean;
  /** Flux (v2): a client's Configure or ForceEndTurn, sent as it is. */
  sendMessage(message: { type: 'Configure' | 'ForceEndTurn' } & Record<string, unknown>): boolean;
  /** Closes our side at once (no CloseStream, so unflushed audio is dropped). */
  close(): void;
  /** Bytes sent but not yet taken by the network: grows when Deepgram reads slower than we send. */
  bufferedBytes(): number;
}

export type OpenLiveUpstream = (options: LiveOptions, handlers: LiveUpstreamHandlers) => Promise<LiveUpstream>;

/** A failed live handshake. permanent: Deepgram refused the request itself (bad parameters, credentials, credits). */
export class LiveConnectError extends Error {
  override name = 'LiveConnectError';
  constructor(
    readonly kind: 'transient' | 'permanent',
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

export interface LiveClientOptions {
  apiUrl: string;
  apiKey?: string;
  connectTimeoutSeconds?: number;
  /** WebSocket pings to Deepgram; a socket that has not answered the previous ping is cut (and reported closed). */
  pingIntervalMs?: number;
}

/** The `ws` socket under the SDK's reconnecting wrapper: pings are a `ws` feature the wrapper does not expose. */
function rawSocketOf(socket: unknown): Pingable | undefined {
  const raw = (socket as { socket?: { _ws?: unknown } }).socket?._ws as Partial<Pingable> | undefined;
  return raw && typeof raw.ping === 'function' && typeof raw.terminate === 'function' && typeof raw.on === 'function' ? (raw as Pingable) : undefined;
}

/**
 * Opens Deepgram Live sockets through the real `@deepgram/sdk` v5 client: `listen.v1`, or `listen.v2` for Flux
 * models. Its silent auto-reconnect is off on every socket (`reconnectAttempts: 0`, `shouldReconnect: () => false`):
 * a reconnect is a new Deepgram session with timestamps back at 0, so the relay does it itself, replaying audio and
 * shifting time.
 */
export function createLiveClient(options: LiveClientOptions): OpenLiveUpstream {
  const client = new DeepgramClient({
    ...(options.apiKey ? { apiKey: options.apiKey } : { auth: false }),
    baseUrl: options.apiUrl,
  });

  return async (liveOptions, handlers) => {
    const { model, ...rest } = liveOptions;
    const args = {
      ...(typeof model === 'string' ? { model } : {}),
      // Passed verbatim: the gateway already validated them as the strings Deepgram expects.
      queryParams: rest,
      reconnectAttempts: 0,
      shouldReconnect: () => false,
      connectionTimeoutInSeconds: options.connectTimeoutSeconds ?? 10,
    };
    const flux = liveApiOf(liveOptions) === 'v2';
    const v1 = flux ? undefined : await client.listen.v1.connect(args as unknown as Parameters<typeof client.listen.v1.connect>[0]);
    const v2 = flux ? await client.listen.v2.connect(args as unknown as Parameters<typeof client.listen.v2.connect>[0]) : undefined;
    // What both sockets share (open, close, events, media, CloseStream) is used through the v1 type.
    const socket = (v1 ?? v2) as NonNullable<typeof v1>;
    let opened = false;
    let closed = false;
    let earlyClose: { code: number; reason: string } | undefined;
    let stopPinging = () => {};
    socket.on('message', (m) => handlers.message(m as unknown as LiveMessage));
    socket.on('close', (event) => {
      stopPinging();
      const info = { code: event.code, reason: event.reason ?? '' };
      // A refused handshake also "closes"; that is reported by the rejected open, not as a close.
      if (!opened) {
        earlyClose ??= info;
        return;
      }
      if (closed) return;
      closed = true;
      handlers.closed(info);
    });
    // Errors after the handshake are followed by a close; the close is what the relay acts on.
    socket.on('error', () => undefined);
    socket.connect();
    try {
      await socket.waitForOpen();
    } catch (err) {
      closed = true;
      socket.close();
      throw classifyHandshakeError(err);
    }
    opened = true;
    if (earlyClose || socket.readyState !== 1) {
      // Closed between the open event and now: report it once the caller holds the socket.
      const info = earlyClose ?? { code: 1006, reason: 'closed right after opening' };
      closed = true;
      setImmediate(() => handlers.closed(info));
    }
    const isOpen = () => !closed && socket.readyState === 1;
    const raw = rawSocketOf(socket);
    // A Deepgram socket that stopped answering (a hung server, a half-open connection) is cut, so the relay reconnects.
    if (raw && options.pingIntervalMs && !closed) stopPinging = terminateWhenSilent(raw, options.pingIntervalMs);
    const guard = (send: () => void): boolean => {
      if (!isOpen()) return false;
      try {
        send();
        return true;
      } catch {
        return false;
      }
    };
    return {
      sendAudio: (chunk) => chunk.length > 0 && guard(() => socket.sendMedia(chunk)),
      sendControl: (type) => {
        if (type === 'CloseStream') return guard(() => socket.sendCloseStream({ type }));
        if (!v1) return false;
        return guard(() => (type === 'KeepAlive' ? v1.sendKeepAlive({ type }) : v1.sendFinalize({ type })));
      },
      sendMessage: (message) => {
        if (!v2) return false;
        return guard(() => {
          if (message.type === 'Configure') v2.sendConfigure(message as unknown as Parameters<typeof v2.sendConfigure>[0]);
          else v2.sendForceEndTurn({ type: 'ForceEndTurn' });
        });
      },
      close: () => {
        stopPinging();
        socket.close();
      },
      bufferedBytes: () => (socket as unknown as { socket: { bufferedAmount: number } }).socket.bufferedAmount,
    };
  };
}

/**
 * The SDK reports a refused handshake only as an error whose message is ws's "Unexpected server response: <status>",
 * so the status is read from that text, here and nowhere else.
 */
export function classifyHandshakeError(err: unknown): LiveConnectError {
  const message = String((err as { message?: unknown })?.message ?? err);
  const status = Number(/Unexpected server response: (\d{3})/.exec(message)?.[1]);
  if (Number.isInteger(status) && status > 0) {
    return new LiveConnectError(isTransientStatus(status) ? 'transient' : 'permanent', `Deepgram refused the live connection with HTTP ${status}`, status);
  }
  return new LiveConnectError('transient', `Could not reach Deepgram Live: ${message}`, undefined);
}
