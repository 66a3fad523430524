import { createHash } from 'node:crypto';
import type { LiveMessage, LiveUpstream, OpenLiveUpstream } from '../adapters/deepgram/live-client.js';
import type { Db } from '../db/database.js';
import { isTerminalOutcome, liveApiOf, type ClientFrame, type ClientLink, type LiveOptions, type LiveProgress, type LiveRelayOutcome, type LiveRelayResult } from '../domain/live.js';
import { AudioClock } from './audio-clock.js';
import { clientCloseFor, type ClientClose } from './close-policy.js';
import { connectUpstream, type ReconnectPolicy } from './connect-upstream.js';
import type { LiveRecorder } from './recorder.js';
import { recordingFormatOf } from './recording-format.js';
import { ReplayBuffer } from './replay-buffer.js';
import { SegmentWriter } from './segment-writer.js';
import { sessionMetadata } from './session-metadata.js';
import { RelayState, type RelayBookkeeping } from './relay-state.js';
import { FluxRelayState } from './flux-relay-state.js';

/** How long the relay keeps trying to store the last finals of a session before closing without them. */
const STORE_REMAINING_FOR_MS = 20_000;

export interface RelaySettings {
  keepAliveIntervalMs: number;
  maxBufferBytes: number;
  /** Audio allowed to wait in Deepgram's socket before the client is paused (seconds; bytes for container audio: maxBufferBytes). */
  upstreamBufferSeconds: number;
  /** How long the client may stay paused by backpressure before the session ends with 1008. */
  backpressureTimeoutMs: number;
  persistIntervalMs: number;
  reconnect: ReconnectPolicy;
  /** How long closing may take (flushing Deepgram, reconnecting to flush) before the relay gives up waiting. */
  closeTimeoutMs: number;
}

const BACKPRESSURE_CHECK_MS = 100;

export interface RelayInit {
  sessionId: string;
  options: LiveOptions;
  link: ClientLink;
  openUpstream: OpenLiveUpstream;
  db: Db;
  /** Where this relay's first audio byte sits on the session timeline (0, or the resume point). */
  base: number;
  nextSeq: number;
  deadlineMs: number;
  maxSessionSeconds: number;
  settings: RelaySettings;
  /** record=true: keeps the audio (README, Recordings). */
  recorder?: LiveRecorder;
  /**
   * Records that the session ended (a terminal outcome), before the client's close frame is sent: a worker lost
   * between the two would otherwise leave a session its client closed cleanly waiting for a resume that never comes.
   */
  recordEnd?: (outcome: LiveRelayOutcome, message: string | null) => Promise<void>;
  warn: (details: Record<string, unknown>, message: string) => void;
}

interface Closing {
  outcome: LiveRelayOutcome;
  client: ClientClose | null;
  metadata: boolean;
}

/**
 * One client socket relayed to Deepgram Live: audio in, every message out on the session's timeline, finals stored
 * in batches. Keeps Deepgram's socket alive while the client is silent (KeepAlive), and when Deepgram's socket drops
 * opens a new one, replays the audio since the last final result and shifts its timestamps, so the client sees one
 * continuous stream. Ends (resolving `start()`'s promise) when the client closes, goes away, or `stop()` is called.
 */
export class LiveRelay {
  private readonly clock: AudioClock;
  private readonly replay: ReplayBuffer;
  private readonly writer: SegmentWriter;
  private readonly hash = createHash('sha256');
  private readonly createdAt = new Date();
  private readonly state: RelayBookkeeping;
  /**
   * Flux (`/v2/listen`): turns instead of Results, Configure and ForceEndTurn passed through. What Flux lacks is left
   * out below this class: the Deepgram client sends no KeepAlive or Finalize there, the close policy no Metadata.
   */
  private readonly flux: FluxRelayState | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly expectedChannels: number;
  private upstream: LiveUpstream | undefined;
  private generation = 0;
  private connecting = false;
  private opened = false;
  private headerSent = false;
  private recordingBegun = false;
  private closeSent = false;
  private gotMetadata = false;
  private pendingFinalize = false;
  private pendingForceEndTurn = false;
  private lastSendAt = Date.now();
  /** When the client was paused because Deepgram's socket was full; undefined while reading. */
  private pausedSince: number | undefined;
  private reconnects = 0;
  private upstreamMetadata: LiveMessage | undefined;
  private closing: Closing | undefined;
  private finished = false;
  private failure: string | undefined;
  private resolveDone!: (result: LiveRelayResult) => void;
  private readonly done = new Promise<LiveRelayResult>((resolve) => (this.resolveDone = resolve));

  constructor(private readonly init: RelayInit) {
    this.clock = new AudioClock(init.options);
    this.replay = new ReplayBuffer(init.settings.maxBufferBytes);
    this.expectedChannels = init.options.multichannel === 'true' ? Math.max(1, Number(init.options.channels ?? 1)) : 1;
    const position = { sessionId: init.sessionId, base: init.base, nextSeq: init.nextSeq };
    this.flux = liveApiOf(init.options) === 'v2' ? new FluxRelayState(position) : undefined;
    this.state = this.flux ?? new RelayState({ ...position, channels: this.expectedChannels });
    this.writer = new SegmentWriter({
      db: init.db,
      sessionId: init.sessionId,
      intervalMs: init.settings.persistIntervalMs,
      totals: () => ({ audioSeconds: this.audioSeconds(), upstreamReconnects: this.reconnects, committedSeconds: this.state.committedSeconds(), requestIds: this.state.requestIds() }),
      // Finals are committed only once the audio under them is recorded: a client resuming from there finds no gap.
      ...(init.recorder ? { beforeWrite: () => init.recorder!.flush() } : {}),
      onError: (err) => init.warn({ err: (err as Error).message, sessionId: init.sessionId }, 'live: storing final results failed; will retry'),
    });
  }

  start(): Promise<LiveRelayResult> {
    const { settings, deadlineMs, link } = this.init;
    this.writer.start();
    this.timers.push(setInterval(() => this.keepAlive(), Math.max(50, Math.min(1000, settings.keepAliveIntervalMs / 2))));
    this.timers.push(setInterval(() => this.checkBackpressure(), BACKPRESSURE_CHECK_MS));
    this.timers.push(setTimeout(() => this.stop('max_duration'), Math.min(2 ** 31 - 1, Math.max(0, deadlineMs - Date.now()))));
    link.attach({ frame: (f) => this.onClientFrame(f), closed: () => this.stop('client_disconnected') });
    void this.connect();
    return this.done;
  }

  /** Ends the relay gracefully: Deepgram flushes (Finalize, CloseStream), finals are stored, the client is told. */
  stop(outcome: LiveRelayOutcome, client?: ClientClose): void {
    if (this.closing || this.finished) return;
    const policy = clientCloseFor(outcome, this.init);
    this.closing = { outcome, client: client ?? policy.client, metadata: policy.metadata };
    this.timers.push(setTimeout(() => void this.finish(), this.init.settings.closeTimeoutMs));
    if (this.clock.dataBytes === 0 && this.clock.undecidedHead.length === 0) void this.finish();
    else if (this.upstream && !this.connecting) this.sendClose();
  }

  /** Audio this relay received that the session row does not count yet: usage checks add it. */
  unreportedAudioSeconds(): number {
    return this.writer.unreportedAudioSeconds();
  }

  progress(): LiveProgress {
    return { audioSeconds: this.audioSeconds(), committedSeconds: this.state.committedSeconds(), upstreamReconnects: this.reconnects, lastFinal: this.state.lastFinal() };
  }

  private async connect(): Promise<void> {
    if (this.connecting || this.finished) return;
    this.connecting = true;
    const generation = ++this.generation;
    const handlers = {
      message: (m: LiveMessage) => generation === this.generation && this.onUpstreamMessage(m),
      closed: (info: { code: number; reason: string }) => generation === this.generation && this.onUpstreamClosed(info),
    };
    let upstream: LiveUpstream | null;
    try {
      upstream = await connectUpstream(() => this.init.openUpstream(this.init.options, handlers), this.init.settings.reconnect, () => this.finished);
    } catch (err) {
      this.connecting = false;
      const { kind, message } = err as { kind?: string; message: string };
      return this.fail(`Deepgram Live ${kind === 'permanent' ? 'refused the stream' : 'is unreachable'}: ${message}`, kind === 'permanent' ? 1008 : 1011);
    }
    this.connecting = false;
    if (!upstream) return;
    if (this.finished) return upstream.close();
    if (this.opened) this.reconnects += 1;
    this.opened = true;
    this.upstream = upstream;
    this.closeSent = false;
    this.gotMetadata = false;
    this.headerSent = false;
    this.state.socketOpened(this.clock.state === 'timed' ? this.replay.start / this.clock.byteRate : 0);
    for (const message of this.flux?.configurationToReapply() ?? []) upstream.sendMessage(message as { type: 'Configure' });
    for (const chunk of this.replay.contents()) this.sendData(chunk);
    // Container audio cannot be cut by time, so it is only held until the first socket opens.
    if (this.clock.state !== 'timed') this.replay.trimTo(this.replay.start + this.replay.bytes);
    if (this.pendingFinalize) upstream.sendControl('Finalize');
    if (this.pendingForceEndTurn) upstream.sendMessage({ type: 'ForceEndTurn' });
    this.pendingFinalize = false;
    this.pendingForceEndTurn = false;
    if (this.closing) this.sendClose();
  }

  private onClientFrame(frame: ClientFrame): void {
    if (this.finished || this.closing) return;
    const open = this.upstream !== undefined && !this.connecting;
    if (frame.kind === 'audio') {
      this.hash.update(frame.data);
      const data = this.clock.push(frame.data);
      if (data.length === 0) return;
      this.record(data);
      if (this.clock.state === 'timed' || !this.opened) this.replay.push(data);
      if (open) this.sendData(data);
    } else if (frame.kind === 'message') {
      if (frame.type === 'Configure') this.flux?.clientConfigure(frame.message, open && this.upstream!.sendMessage({ ...frame.message, type: 'Configure' }));
      else if (open) this.upstream!.sendMessage({ type: 'ForceEndTurn' });
      else this.pendingForceEndTurn = true;
    } else if (frame.type === 'CloseStream') {
      this.stop('client_closed');
    } else if (frame.type === 'Finalize') {
      if (open) this.upstream!.sendControl('Finalize');
      else this.pendingFinalize = true;
    } else if (open && this.upstream!.sendControl('KeepAlive')) {
      this.lastSendAt = Date.now();
    }
  }

  private record(data: Buffer): void {
    const recorder = this.init.recorder;
    if (!recorder) return;
    if (!this.recordingBegun) {
      this.recordingBegun = true;
      recorder.begin(recordingFormatOf(this.init.options, this.clock.wav, data), this.clock.state === 'timed' ? this.clock.bytesFor(this.init.base) : null);
    }
    recorder.push(data);
  }

  private sendData(data: Buffer): void {
    const upstream = this.upstream;
    if (!upstream) return;
    if (!this.headerSent && this.clock.header) upstream.sendAudio(this.clock.header);
    this.headerSent = true;
    if (upstream.sendAudio(data)) this.lastSendAt = Date.now();
    this.checkBackpressure();
  }

  /** Bytes of audio allowed to wait in Deepgram's socket. */
  private upstreamBound(): number {
    const { settings } = this.init;
    return this.clock.state === 'timed' ? Math.max(1, settings.upstreamBufferSeconds * this.clock.byteRate) : settings.maxBufferBytes;
  }

  /**
   * Backpressure: when Deepgram takes audio slower than the client sends it, the client's socket is not read (TCP
   * slows the client down) rather than worker memory growing; when it stays that way too long the session ends.
   */
  private checkBackpressure(): void {
    const { link, settings } = this.init;
    const queued = this.upstream && !this.connecting ? this.upstream.bufferedBytes() : 0;
    const bound = this.upstreamBound();
    if (this.pausedSince === undefined) {
      if (queued <= bound) return;
      this.pausedSince = Date.now();
      link.pause();
      return;
    }
    if (queued <= bound / 2) {
      this.pausedSince = undefined;
      link.resume();
      return;
    }
    if (Date.now() - this.pausedSince > settings.backpressureTimeoutMs && !this.closing) {
      const seconds = Math.round(bound / Math.max(1, this.clock.byteRate));
      this.fail(
        `Deepgram did not take the audio as fast as it arrived (more than ${this.clock.state === 'timed' ? `${seconds} s of audio` : `${bound} bytes`} waiting for ${Math.round(settings.backpressureTimeoutMs / 1000)} s)`,
        1008,
        'Audio arrives faster than it can be transcribed; send it no faster than real time',
      );
    }
  }

  private onUpstreamMessage(message: LiveMessage): void {
    if (this.finished) return;
    if (message.type === 'Metadata') {
      this.upstreamMetadata = message;
      this.gotMetadata = true;
      return;
    }
    const effect = this.state.upstreamMessage(message);
    if (effect.store) this.writer.add(effect.store);
    // Audio every channel's finals cover is never replayed again (containers were trimmed when the socket opened).
    if (effect.committedSince !== undefined && this.clock.state === 'timed') this.replay.trimTo(this.clock.bytesFor(effect.committedSince));
    if (effect.forward) this.init.link.send(effect.forward);
  }

  private onUpstreamClosed(info: { code: number; reason: string }): void {
    this.upstream = undefined;
    if (this.finished) return;
    const next = this.state.upstreamClosed(info, { closeSent: this.closeSent, gotMetadata: this.gotMetadata, replayable: this.clock.state === 'timed' });
    if (next.action === 'finish') return void this.finish();
    if (next.action === 'fail') return this.fail(next.message, next.code, next.reason);
    if (this.replay.overflowed) this.init.warn({ sessionId: this.init.sessionId }, 'live: replay buffer overflowed; some audio will not be transcribed');
    void this.connect();
  }

  private sendClose(): void {
    if (this.closeSent || !this.upstream) return;
    // The client's own CloseStream is passed on as sent; when we end the stream, Finalize flushes first (on Flux it
    // sends nothing: Flux's CloseStream flushes by itself).
    if (this.closing?.outcome !== 'client_closed') this.upstream.sendControl('Finalize');
    this.upstream.sendControl('CloseStream');
    this.closeSent = true;
  }

  private keepAlive(): void {
    if (!this.upstream || this.connecting || this.closeSent) return;
    if (Date.now() - this.lastSendAt < this.init.settings.keepAliveIntervalMs) return;
    if (this.upstream.sendControl('KeepAlive')) this.lastSendAt = Date.now();
  }

  private fail(message: string, code: number, reason?: string): void {
    this.failure = message;
    this.closing ??= { outcome: 'upstream_failed', client: { code, reason: reason || message }, metadata: false };
    void this.finish();
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.upstream?.close();
    this.upstream = undefined;
    const closing = this.closing ?? { outcome: 'upstream_failed' as const, client: null, metadata: false };
    await this.storeRemaining();
    const { link, sessionId } = this.init;
    if (link.isOpen && closing.client && isTerminalOutcome(closing.outcome)) {
      await this.init.recordEnd?.(closing.outcome, this.failure ?? null).catch((err: unknown) => this.init.warn({ err, sessionId }, 'live: could not record the session end; the session records it'));
    }
    if (link.isOpen && closing.client) {
      if (closing.metadata) {
        const duration = this.clock.state === 'timed' ? this.init.base + this.clock.seconds : this.state.resultsEnd();
        link.send(sessionMetadata({ sessionId, createdAt: this.createdAt, duration, sha256: this.hash.digest('hex'), channels: this.expectedChannels, upstream: this.upstreamMetadata }));
      }
      link.close(closing.client.code, closing.client.reason);
    }
    this.resolveDone({ outcome: closing.outcome, audioSeconds: this.audioSeconds(), upstreamReconnects: this.reconnects, ...(this.failure ? { message: this.failure } : {}) });
  }

  /**
   * The last batch, retried for up to STORE_REMAINING_FOR_MS: these finals already reached the client, which closes
   * for good once it has our close frame, so they are kept before it is sent (a PostgreSQL restart takes seconds).
   */
  private async storeRemaining(): Promise<void> {
    const deadline = Date.now() + STORE_REMAINING_FOR_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.init.recorder?.flush();
        return await this.writer.stop();
      } catch (err) {
        const wait = Math.min(2_000, 250 * 2 ** attempt);
        if (Date.now() + wait > deadline) {
          this.init.warn({ err: (err as Error).message, sessionId: this.init.sessionId, attempts: attempt }, 'live: could not store the last final results');
          return;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private audioSeconds(): number {
    return this.clock.state === 'timed' ? this.clock.seconds : Math.max(0, this.state.resultsEnd() - this.init.base);
  }
}
