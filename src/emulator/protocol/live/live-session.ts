import type { WebSocket, RawData } from 'ws';
import type { RawFormat } from '../audio.js';
import { localModelFor } from '../../engine/local-models.js';
import { EngineAudioError } from '../../engine/types.js';
import { DATA_0000, NET_0000, NET_0001 } from '../errors.js';
import { StreamClock } from './live-audio.js';
import { EngineLive } from './live-engine.js';
import { LiveTimeline, type LiveMessage, type TimelineConfig } from './live-timeline.js';
import type { FluxTurns } from './flux-turns.js';
import { emptyTrack, registeredTrack, syntheticTrack } from './live-words.js';
import { engineModelInfo, modelInfo, type ModelInfo } from '../models.js';
import type { EmulatorState } from '../../state.js';
import type { FaultSpec, RecordedRequest } from '../../types.js';

export interface LiveSessionInit {
  state: EmulatorState;
  ws: WebSocket;
  requestId: string;
  format: RawFormat;
  /** Model and output options; `model` is filled in once the transcript source is known. */
  config: Omit<TimelineConfig, 'model'> & { modelParam?: string; language?: string };
  fault?: FaultSpec;
  record: RecordedRequest;
  /** A Flux (`/v2/listen`) session: its Results are sent as turns, it takes Configure and ForceEndTurn. */
  flux?: FluxTurns;
}

/**
 * One live `/v1/listen` WebSocket session: counts received audio time, matches a registered transcript by the first
 * 8 KiB, sends Results / SpeechStarted / UtteranceEnd as audio time passes, handles KeepAlive / Finalize / CloseStream,
 * the idle rule, and the live faults (latency, dropAfterMs, errorFrame). A Flux (`/v2/listen`) session is the same
 * session speaking in turns (FluxTurns): Configure, ForceEndTurn and CloseStream in, no Metadata out.
 */
export class LiveSession {
  private readonly clock: StreamClock;
  private timeline: LiveTimeline | undefined;
  private model: ModelInfo | undefined;
  /** The local engine, fed from the first byte; killed if a registered transcript matches the stream. */
  private engine: EngineLive | undefined;
  /** The engine (not a timeline) produces this session's Results. */
  private usingEngine = false;
  private engineDuration: number | undefined;
  private work: Promise<void> = Promise.resolve();
  private outbox: Promise<void> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;
  private dropTimer: NodeJS.Timeout | undefined;
  private ending = false;
  private readonly created = new Date().toISOString();

  constructor(private readonly init: LiveSessionInit) {
    this.clock = new StreamClock(init.format, () => this.enqueue(() => this.catchUp()));
  }

  start(): void {
    const { ws, fault, state } = this.init;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.cleanup());
    ws.on('error', (err) => state.settings.logger.warn({ err: err.message, requestId: this.init.requestId }, 'emulator: live socket error'));
    if (fault?.drop) {
      ws.terminate();
      return;
    }
    if (this.init.flux) this.deliver([this.init.flux.connected()]);
    if (fault?.dropAfterMs !== undefined) {
      this.dropTimer = setTimeout(() => (fault.errorFrame ? this.closeWith(1011, NET_0000) : ws.terminate()), fault.dropAfterMs);
    }
    const engine = state.engine;
    if (engine) {
      const { modelParam, language, ...rest } = this.init.config;
      const local = localModelFor(modelParam, engine.info.model);
      this.engine = new EngineLive(
        engine,
        this.init.format,
        { ...rest, model: engineModelInfo(engine.info, local), localModel: local, language },
        (messages) => this.send(messages),
        () => this.closeWith(1008, DATA_0000),
      );
    }
    this.touch();
  }

  /** Abrupt end (emulator shutting down). */
  terminate(): void {
    this.cleanup();
    this.init.ws.terminate();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.ending) return;
    this.touch();
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      if (chunk.length === 0) this.enqueue(() => this.closeStream());
      else this.enqueue(() => this.audio(chunk));
      return;
    }
    let message: Record<string, unknown> | undefined;
    try {
      message = JSON.parse(chunk.toString('utf8')) as Record<string, unknown>;
    } catch {
      message = undefined;
    }
    const type = message?.type;
    const flux = this.init.flux;
    if (flux && type !== 'CloseStream') {
      if (type === 'Configure') {
        (this.init.record.configures ??= []).push(message!);
        this.enqueue(() => this.deliver([flux.configure(message!)]));
      } else if (type === 'ForceEndTurn') {
        this.enqueue(() => this.finalize());
      } else {
        this.deliver([flux.unparsable(type)]);
        this.closeWith(1008, 'UNPARSABLE_CLIENT_MESSAGE');
      }
      return;
    }
    if (type === 'CloseStream') this.enqueue(() => this.closeStream());
    else if (type === 'Finalize') this.enqueue(() => this.finalize());
    else if (type !== 'KeepAlive') this.init.state.settings.logger.warn({ requestId: this.init.requestId, type }, 'emulator: unknown live control message');
  }

  private enqueue(op: () => Promise<void> | void): void {
    this.work = this.work.then(op).catch((err: unknown) => {
      this.init.state.settings.logger.warn({ err: (err as Error).message, requestId: this.init.requestId }, 'emulator: live session failed');
      this.closeWith(1011, NET_0000);
    });
  }

  private async audio(chunk: Buffer): Promise<void> {
    if (this.ending) return;
    this.clock.push(chunk);
    this.engine?.write(chunk);
    this.init.record.audioBytes = this.clock.bytes;
    await this.catchUp();
  }

  private async catchUp(force = false): Promise<void> {
    if (this.clock.state === 'undecodable') {
      this.closeWith(1008, DATA_0000);
      return;
    }
    if (!this.timeline && !this.usingEngine && this.clock.state === 'ready' && (this.clock.prefixComplete || force)) {
      this.timeline = await this.createTimeline();
    }
    if (this.timeline && !this.ending) this.send(this.timeline.advance(this.clock.seconds));
  }

  /** Registered transcript → its timeline; otherwise the engine if there is one (undefined), else synthetic words. */
  private async createTimeline(): Promise<LiveTimeline | undefined> {
    const prefix = this.clock.prefixSha256();
    const entry = this.init.state.transcripts.byStreamPrefix(prefix);
    if (!entry && this.engine) {
      const engineInfo = this.init.state.engine!.info;
      this.model = engineModelInfo(engineInfo, localModelFor(this.init.config.modelParam, engineInfo.model));
      this.usingEngine = true;
      this.engine.activate();
      return undefined;
    }
    this.engine?.kill();
    this.engine = undefined;
    const { modelParam, language: _, ...rest } = this.init.config;
    const model = modelInfo(modelParam, entry ? 'registered' : 'synthetic');
    this.model = model;
    const track = entry ? registeredTrack(entry.text, await entry.duration) : syntheticTrack(prefix);
    return new LiveTimeline({ ...rest, model }, track);
  }

  private async finalize(): Promise<void> {
    if (this.ending) return;
    if (this.clock.state === 'ready') await this.catchUp(true);
    if (this.usingEngine) return this.engine!.finalize();
    const timeline = this.timeline ?? this.emptyTimeline();
    this.send(timeline.flush(this.clock.seconds, true));
  }

  private async closeStream(): Promise<void> {
    if (this.ending) return;
    await this.clock.finish();
    if (this.clock.bytes > 0) {
      await this.catchUp(true);
      if (this.clock.state === 'undecodable') return;
    }
    this.ending = true;
    if (this.usingEngine) {
      // Deepgram's idle rule is about audio not arriving; the engine may still be catching up with what did.
      clearTimeout(this.idleTimer);
      try {
        this.engineDuration = (await this.engine!.end()).duration;
      } catch (err) {
        this.closeWith(err instanceof EngineAudioError ? 1008 : 1011, err instanceof EngineAudioError ? DATA_0000 : NET_0000);
        return;
      }
    } else {
      this.engine?.kill();
      const timeline = this.timeline ?? this.emptyTimeline();
      this.send(timeline.flush(this.clock.seconds, false));
    }
    if (this.init.fault?.errorFrame && this.init.fault.dropAfterMs === undefined) {
      this.closeWith(1011, NET_0000);
      return;
    }
    if (this.init.flux) {
      // Flux ends a stream without a Metadata message, and closes without a status code (1005 at the client).
      this.closeWith();
      return;
    }
    this.deliver([this.metadata()]);
    this.closeWith(1000, '');
  }

  private emptyTimeline(): LiveTimeline {
    const { modelParam, language: _, ...rest } = this.init.config;
    return new LiveTimeline({ ...rest, model: modelInfo(modelParam, 'synthetic') }, emptyTrack);
  }

  private metadata(): LiveMessage {
    const sha256 = this.clock.sha256();
    this.init.record.audioSha256 = sha256;
    const message: LiveMessage = {
      type: 'Metadata',
      transaction_key: 'deprecated',
      request_id: this.init.requestId,
      sha256,
      created: this.created,
      duration: Math.round((this.engineDuration ?? this.clock.seconds) * 1e6) / 1e6,
      channels: this.clock.bytes > 0 ? this.clock.channels : 0,
    };
    const model = this.model;
    if (model && this.clock.bytes > 0) {
      message.models = [model.uuid];
      message.model_info = { [model.uuid]: { name: model.name, version: model.version, arch: model.arch } };
    }
    return message;
  }

  /** Sends the timeline's or the engine's v1 messages (as turns on a Flux session). */
  private send(messages: LiveMessage[]): void {
    this.deliver(this.init.flux ? this.init.flux.translate(messages) : messages);
  }

  /** Sends in order; with a latency fault each message leaves latencyMs after it was produced. */
  private deliver(messages: LiveMessage[]): void {
    const latency = this.init.fault?.latencyMs ?? 0;
    for (const message of messages) {
      const payload = JSON.stringify(message);
      const due = Date.now() + latency;
      this.outbox = this.outbox.then(async () => {
        if (latency > 0) await this.init.state.sleep(due - Date.now());
        if (this.init.ws.readyState === this.init.ws.OPEN) this.init.ws.send(payload);
      });
    }
  }

  /** Closes once everything queued is sent; without a code the close frame carries none (Flux's normal end). */
  private closeWith(code?: number, reason?: string): void {
    this.ending = true;
    this.outbox = this.outbox.then(() => {
      const { ws } = this.init;
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
        if (code === undefined) ws.close();
        else ws.close(code, reason);
      }
    });
  }

  /** Resets the idle timer (any audio or text message counts, as with Deepgram). */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.closeWith(1011, NET_0001), this.init.state.settings.liveIdleTimeoutMs);
  }

  private cleanup(): void {
    this.engine?.kill();
    clearTimeout(this.idleTimer);
    clearTimeout(this.dropTimer);
    this.ending = true;
    this.init.record.endedAt ??= Date.now();
    this.init.record.audioSha256 ??= this.clock.sha256();
  }
}
