import type { LiveMessage } from '../adapters/deepgram/live-client.js';
import type { LiveProgress } from '../domain/live.js';
import { unexpectedClose, type RelayBookkeeping, type UpstreamCloseAction, type UpstreamMessageEffect } from './relay-state.js';

const round = (n: number): number => Math.round(n * 1e6) / 1e6;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The settings a Flux ConfigureSuccess reports as now in force: what a new socket is configured with again. */
const CONFIGURABLE = ['thresholds', 'keyterms', 'language_hints', 'numerals'] as const;

/**
 * The bookkeeping of one Flux (`/v2/listen`) relay, as RelayState is for v1: Flux speaks in turns (`TurnInfo`
 * events, `EndOfTurn` closing each), numbers every message (`sequence_id`) and acknowledges `Configure`. Across
 * Deepgram sockets (reconnects, resumes) the client sees one stream: one `Connected`, one `sequence_id` count, turn
 * indexes and audio windows on the session timeline, no turn started twice or ended twice, and the configuration
 * its `Configure` messages set is applied again to every new socket (whose acknowledgements it never sees).
 * Each `EndOfTurn` is stored as one final segment (seq = turn index).
 */
export class FluxRelayState implements RelayBookkeeping {
  private offset: number;
  private maxResultEnd: number;
  private nextSeq: number;
  private lastFinalEnd: number | undefined;
  /** The session's index of the current socket's turn 0 (the turn open where its audio starts). */
  private turnBase: number;
  /** The turn whose StartOfTurn the client has seen and whose EndOfTurn it has not. */
  private startedTurn: number | undefined;
  private sequence = 0;
  private connectedSent = false;
  private readonly requestIdList: string[] = [];
  private last: LiveProgress['lastFinal'] = null;
  /** Configure acknowledgements the current socket owes, in order: true for a client's, false for one we re-applied. */
  private acks: boolean[] = [];
  /** Client Configure messages not acknowledged yet: a new socket is sent them again. */
  private readonly unacknowledged: Record<string, unknown>[] = [];
  private configured: Record<string, unknown> | undefined;

  constructor(private readonly init: { sessionId: string; base: number; nextSeq: number }) {
    this.offset = init.base;
    this.maxResultEnd = init.base;
    this.nextSeq = init.nextSeq;
    this.turnBase = init.nextSeq;
  }

  socketOpened(replayStartSeconds: number): void {
    this.offset = this.init.base + replayStartSeconds;
    this.turnBase = this.nextSeq;
    this.acks = [];
  }

  /**
   * What a new Deepgram socket is sent before any audio: the configuration in force (from the last acknowledged
   * Configure), then any client Configure the previous socket did not acknowledge.
   */
  configurationToReapply(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    if (this.configured) {
      out.push({ type: 'Configure', ...this.configured });
      this.acks.push(false);
    }
    for (const message of this.unacknowledged) {
      out.push(message);
      this.acks.push(true);
    }
    return out;
  }

  /** A client's Configure; `sent`: it went to the current socket (else the next socket gets it). */
  clientConfigure(message: Record<string, unknown>, sent: boolean): void {
    this.unacknowledged.push(message);
    if (sent) this.acks.push(true);
  }

  upstreamMessage(message: LiveMessage): UpstreamMessageEffect {
    const requestId = message.request_id;
    if (typeof requestId === 'string' && !this.requestIdList.includes(requestId)) this.requestIdList.push(requestId);
    switch (message.type) {
      case 'Connected':
        if (this.connectedSent) return { forward: null };
        this.connectedSent = true;
        return { forward: this.numbered(message) };
      case 'ConfigureSuccess':
      case 'ConfigureFailure': {
        const fromClient = this.acks.shift() ?? true;
        if (fromClient) this.unacknowledged.shift();
        if (message.type === 'ConfigureSuccess') this.configured = settingsOf(message);
        return { forward: fromClient ? this.numbered(message) : null };
      }
      case 'TurnInfo':
        return this.turnInfo(message);
      default:
        return { forward: this.numbered(message) };
    }
  }

  private turnInfo(message: LiveMessage): UpstreamMessageEffect {
    const turn = this.turnBase + (num(message.turn_index) ?? 0);
    const start = round((num(message.audio_window_start) ?? 0) + this.offset);
    const end = round((num(message.audio_window_end) ?? 0) + this.offset);
    const words = Array.isArray(message.words) ? message.words.map((w: Record<string, unknown>) => this.shiftWord(w)) : [];
    let event = message.event;
    if (event === 'EndOfTurn' && this.lastFinalEnd !== undefined && this.offset < this.lastFinalEnd - 1e-3 && end <= this.lastFinalEnd + 1e-3) {
      return { forward: null };
    }
    // A new socket starts the turn that was open where its audio starts again: for the client it goes on.
    if (event === 'StartOfTurn' && this.startedTurn === turn) event = 'Update';
    else if (event === 'StartOfTurn') this.startedTurn = turn;
    this.maxResultEnd = Math.max(this.maxResultEnd, end);
    const forward = this.numbered({ ...message, event, turn_index: turn, audio_window_start: start, audio_window_end: end, words });
    if (event !== 'EndOfTurn') return { forward };
    this.startedTurn = undefined;
    this.lastFinalEnd = end;
    const seq = this.nextSeq++;
    const transcript = typeof message.transcript === 'string' ? message.transcript : '';
    this.last = { seq, start, end, transcript };
    const confidences = words.map((w) => num(w.confidence)).filter((c): c is number => c !== undefined);
    return {
      forward,
      store: {
        seq,
        channel: 0,
        start,
        end,
        transcript,
        confidence: confidences.length ? round(confidences.reduce((a, b) => a + b, 0) / confidences.length) : null,
        speechFinal: true,
        fromFinalize: message.trigger === 'manual',
        words,
      },
      committedSince: end - this.init.base,
    };
  }

  private shiftWord(word: Record<string, unknown>): Record<string, unknown> {
    const start = num(word.start);
    const end = num(word.end);
    return { ...word, ...(start !== undefined ? { start: round(start + this.offset) } : {}), ...(end !== undefined ? { end: round(end + this.offset) } : {}) };
  }

  /** On the client's stream: the session id as request id, and our own sequence numbers. */
  private numbered(message: LiveMessage): LiveMessage {
    return { ...message, ...('request_id' in message ? { request_id: this.init.sessionId } : {}), sequence_id: this.sequence++ };
  }

  /** Flux ends a stream we closed with 1000 or no code at all (1005); no Metadata message exists on v2. */
  upstreamClosed(info: { code: number; reason: string }, context: { closeSent: boolean; replayable: boolean }): UpstreamCloseAction {
    if (context.closeSent && (info.code === 1000 || info.code === 1005)) return { action: 'finish' };
    return unexpectedClose(info, context.replayable);
  }

  committedSeconds(): number {
    return this.lastFinalEnd ?? this.init.base;
  }

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

function settingsOf(message: LiveMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of CONFIGURABLE) if (message[key] !== undefined) out[key] = message[key];
  return out;
}
