import type { LiveMessage } from '../adapters/deepgram/live-client.js';
import type { LiveProgress, LiveSegment } from '../domain/live.js';
import { finalSegmentOf, toSessionTimeline } from './timeline.js';

/** What the relay does with one message from Deepgram, decided without any I/O. */
export interface UpstreamMessageEffect {
  /** The message on the session's timeline, for the client; null when it must not be sent (a replayed final). */
  forward: LiveMessage | null;
  /** A final result to store, numbered. */
  store?: LiveSegment;
  /** Seconds (from the start of this relay's audio) every channel's finals now cover: replay audio before it is done with. */
  committedSince?: number;
}

/** What the relay does when Deepgram's socket closes. */
export type UpstreamCloseAction =
  | { action: 'finish' }
  | { action: 'fail'; code: number; message: string; reason?: string }
  | { action: 'reconnect' };

/**
 * A Deepgram socket that closed before the stream's end: a 1008 means it cannot decode the audio, which another socket
 * would not either; audio that cannot be cut by time (a container other than WAV) cannot be replayed; anything else
 * is a drop to reconnect from. The same for v1 and Flux.
 */
export function unexpectedClose(info: { code: number; reason: string }, replayable: boolean): UpstreamCloseAction {
  if (info.code === 1008) return { action: 'fail', code: 1008, message: `Deepgram closed the stream: ${info.reason || 'audio not decodable'}`, reason: info.reason };
  if (!replayable) {
    return { action: 'fail', code: 1011, message: 'Deepgram Live dropped the stream, and audio in a container format other than WAV cannot be replayed' };
  }
  return { action: 'reconnect' };
}

/** What the relay asks of its protocol's bookkeeping (RelayState for v1, FluxRelayState for Flux). */
export interface RelayBookkeeping {
  socketOpened(replayStartSeconds: number): void;
  upstreamMessage(message: LiveMessage): UpstreamMessageEffect;
  upstreamClosed(info: { code: number; reason: string }, context: { closeSent: boolean; gotMetadata: boolean; replayable: boolean }): UpstreamCloseAction;
  committedSeconds(): number;
  resultsEnd(): number;
  lastFinal(): LiveProgress['lastFinal'];
  requestIds(): string[];
}

/**
 * The bookkeeping of one relay as a pure state machine: where the current Deepgram socket's audio sits on the session
 * timeline (offsets shift with every reconnect and resume), the numbering of final results, which finals are repeats
 * of replayed audio, how far every channel is covered (what the replay buffer may forget), and what a closing socket
 * means. The I/O shell (LiveRelay) feeds it events and carries out what it returns.
 */
export class RelayState implements RelayBookkeeping {
  private offset: number;
  private maxResultEnd: number;
  private nextSeq: number;
  private readonly lastFinalEnd = new Map<number, number>();
  private readonly requestIdList: string[] = [];
  private last: LiveProgress['lastFinal'] = null;

  constructor(
    private readonly init: {
      sessionId: string;
      /** Where this relay's first audio byte sits on the session timeline (0, or the resume point). */
      base: number;
      nextSeq: number;
      /** Channels whose finals must all have passed a point before its audio can be forgotten. */
      channels: number;
    },
  ) {
    this.offset = init.base;
    this.maxResultEnd = init.base;
    this.nextSeq = init.nextSeq;
  }

  /** A new Deepgram socket hears the audio from `replayStartSeconds` (of this relay's audio) again. */
  socketOpened(replayStartSeconds: number): void {
    this.offset = this.init.base + replayStartSeconds;
  }

  upstreamMessage(message: LiveMessage): UpstreamMessageEffect {
    const requestId = (message.metadata as { request_id?: unknown } | undefined)?.request_id;
    if (typeof requestId === 'string' && !this.requestIdList.includes(requestId)) this.requestIdList.push(requestId);
    const shifted = toSessionTimeline(message, this.offset, this.init.sessionId);
    if (shifted.type === 'Results' && typeof shifted.start === 'number' && typeof shifted.duration === 'number') {
      this.maxResultEnd = Math.max(this.maxResultEnd, shifted.start + shifted.duration);
    }
    const segment = finalSegmentOf(shifted);
    if (!segment) return { forward: shifted };
    const previous = this.lastFinalEnd.get(segment.channel);
    // Multichannel replays start at the slowest channel; a channel already past that point hears audio again.
    if (previous !== undefined && this.offset < previous - 1e-3 && segment.end <= previous + 1e-3) return { forward: null };
    this.lastFinalEnd.set(segment.channel, segment.end);
    const seq = this.nextSeq++;
    this.last = { seq, start: segment.start, end: segment.end, transcript: segment.transcript };
    const committed = this.lastFinalEnd.size >= this.init.channels ? Math.min(...this.lastFinalEnd.values()) - this.init.base : undefined;
    return { forward: shifted, store: { ...segment, seq }, ...(committed !== undefined ? { committedSince: committed } : {}) };
  }

  /** Deepgram's socket closed. After our CloseStream (Metadata received, or a clean 1000) the stream is done. */
  upstreamClosed(info: { code: number; reason: string }, context: { closeSent: boolean; gotMetadata: boolean; replayable: boolean }): UpstreamCloseAction {
    if (context.closeSent && (context.gotMetadata || info.code === 1000)) return { action: 'finish' };
    return unexpectedClose(info, context.replayable);
  }

  /** End of the last final of the slowest channel: where a resumed session continues. */
  committedSeconds(): number {
    return this.lastFinalEnd.size ? Math.min(...this.lastFinalEnd.values()) : this.init.base;
  }

  /** How far results reached on the session timeline (the audio length of streams that cannot be timed). */
  resultsEnd(): number {
    return this.maxResultEnd;
  }

  lastFinal(): LiveProgress['lastFinal'] {
    return this.last;
  }

  requestIds(): string[] {
    return this.requestIdList;
  }
}
