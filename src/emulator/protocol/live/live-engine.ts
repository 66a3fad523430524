import type { RawFormat } from '../audio.js';
import { utteranceWords } from '../../engine/engine-words.js';
import type { EngineEvent, EngineStream, EngineStreamEnd, LocalModel, SpeechEngine } from '../../engine/types.js';
import { resultsMessage, type LiveMessage, type TimelineConfig } from './live-timeline.js';

/**
 * The shortest pause (s) that ends an utterance in the engine. Deepgram's default endpointing is 10 ms, but the
 * engine's voice activity detector works in 32 ms windows and Whisper decodes whole utterances (each cut costs a
 * decode), so shorter `endpointing` values are raised to this; longer ones are kept.
 */
export const MIN_ENGINE_ENDPOINT = 0.5;
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Live Results from the local engine, for a stream without a registered transcript: audio goes to the engine as it
 * arrives, and its events become Deepgram messages as the audio is decoded (so they are paced by the audio):
 * a hypothesis of the open utterance → interim Results (interim_results=true); an utterance cut at a pause → final
 * Results with speech_final; Finalize → final with from_finalize; speech onset → SpeechStarted (vad_events=true);
 * decoded time passing a quiet stretch → UtteranceEnd (utterance_end_ms).
 *
 * Messages are held until `activate()`: the engine starts with the socket, before the session knows whether a
 * registered transcript matches the stream; if one does, the session kills the engine instead.
 */
export class EngineLive {
  private readonly stream: EngineStream;
  private held: LiveMessage[] | null = [];
  /** A decode error seen before activation (reported only if the engine is used after all). */
  private heldError: string | undefined;
  private lastFinalEnd = 0;
  private inSpeech = false;
  private speechAnnounced = false;
  private spokenEnd: number | null = null;

  constructor(
    engine: SpeechEngine,
    format: RawFormat,
    private readonly config: TimelineConfig & { localModel: LocalModel; language?: string },
    private readonly send: (messages: LiveMessage[]) => void,
    private readonly onUndecodable: (message: string) => void,
  ) {
    const endpoint = config.endpointing === null ? null : Math.max(MIN_ENGINE_ENDPOINT, config.endpointing);
    this.stream = engine.openStream(
      format,
      { endpoint, partials: config.interimResults, model: config.localModel, language: config.language },
      (event) => this.onEvent(event),
    );
  }

  write(chunk: Buffer): void {
    this.stream.write(chunk);
  }

  finalize(): void {
    this.stream.finalize();
  }

  /** Sends what was held, and everything from now on. */
  activate(): void {
    const held = this.held ?? [];
    this.held = null;
    if (held.length) this.send(held);
    if (this.heldError !== undefined) this.onUndecodable(this.heldError);
  }

  /** End of audio: resolves once the last Results went out. Rejects with EngineAudioError if it was not audio. */
  end(): Promise<EngineStreamEnd> {
    return this.stream.end();
  }

  kill(): void {
    this.stream.kill();
  }

  private emit(message: LiveMessage): void {
    if (this.held) this.held.push(message);
    else this.send([message]);
  }

  private onEvent(event: EngineEvent): void {
    switch (event.event) {
      case 'speech':
        this.inSpeech = true;
        if (this.config.vadEvents && !this.speechAnnounced) {
          this.emit({ type: 'SpeechStarted', channel: [0, 1], timestamp: r3(event.t) });
          this.speechAnnounced = true;
        }
        return;
      case 'partial': {
        const words = utteranceWords(event.words, false);
        if (this.config.interimResults && words.length) this.emit(this.result(words, event.t, false, false, false));
        return;
      }
      case 'final':
        return this.final(event.words.length ? utteranceWords(event.words, true) : [], event.end, event.reason);
      case 'progress':
        return this.progress(event.t);
      case 'error':
        if (this.held) this.heldError = event.message;
        else this.onUndecodable(event.message);
        return;
    }
  }

  private final(words: ReturnType<typeof utteranceWords>, end: number, reason: 'endpoint' | 'max' | 'finalize' | 'eof'): void {
    const fromFinalize = reason === 'finalize';
    if (reason === 'endpoint' || reason === 'eof') {
      this.inSpeech = false;
      this.speechAnnounced = false;
    }
    // A pause after noise the detector took for speech has no words: nothing to finalise yet. Finalize always
    // answers, and the end of the stream reports audio not yet covered by a final (as the synthetic timeline does).
    if (!words.length && !fromFinalize && !(reason === 'eof' && end > this.lastFinalEnd + 1e-6)) return;
    const speechFinal = words.length > 0 && (reason === 'endpoint' || reason === 'eof');
    this.emit(this.result(words, end, true, speechFinal, fromFinalize));
    this.lastFinalEnd = end;
    if (words.length) this.spokenEnd = words[words.length - 1]!.end;
  }

  private progress(t: number): void {
    const { utteranceEnd } = this.config;
    if (utteranceEnd === null || this.spokenEnd === null || this.inSpeech) return;
    if (t >= this.spokenEnd + utteranceEnd) {
      this.emit({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: r3(this.spokenEnd) });
      this.spokenEnd = null;
    }
  }

  private result(words: ReturnType<typeof utteranceWords>, end: number, isFinal: boolean, speechFinal: boolean, fromFinalize: boolean): LiveMessage {
    return resultsMessage(this.config, { words, start: this.lastFinalEnd, end, isFinal, speechFinal, fromFinalize });
  }
}
