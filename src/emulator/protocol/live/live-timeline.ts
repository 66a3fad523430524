import type { ModelInfo } from '../models.js';
import { alternativeConfidence, transcriptText, wordJson } from '../responses.js';
import type { TimedWord } from '../transcripts.js';

/** Virtual-clock step: the timeline is evaluated every 100 ms of received audio. */
const STEP = 0.1;
/** A final result is forced after this much audio without an endpoint. */
const FINAL_WINDOW = 3;
/** Minimum audio time between two interim results. */
const INTERIM_GAP = 0.5;

const r3 = (n: number): number => Math.round(n * 1000) / 1000;

export interface TimelineConfig {
  requestId: string;
  model: ModelInfo;
  interimResults: boolean;
  /** Silence (s) after a sentence end that makes an endpoint; null = endpointing=false. */
  endpointing: number | null;
  /** utterance_end_ms in seconds; null = off. */
  utteranceEnd: number | null;
  vadEvents: boolean;
  punctuate: boolean;
  diarize: boolean;
}

/** Words of a live session; synthetic sessions extend themselves as audio time grows. */
export interface WordTrack {
  /** All words that start before `seconds` (and possibly more). */
  upTo(seconds: number): readonly TimedWord[];
}

export type LiveMessage = Record<string, unknown> & { type: string };

/**
 * Decides which Results / SpeechStarted / UtteranceEnd messages a Deepgram live session would send as audio time
 * passes. Pure bookkeeping; the session feeds it audio time and sends what it returns.
 */
export class LiveTimeline {
  private processed = 0;
  private finalized = 0;
  private lastFinalEnd = 0;
  private lastInterimIdx = 0;
  private lastInterimAt = -Infinity;
  private speechActive = false;
  private spokenEnd: number | null = null;

  constructor(
    private readonly config: TimelineConfig,
    private readonly track: WordTrack,
  ) {}

  /** Messages due as received audio reaches `seconds`. */
  advance(seconds: number): LiveMessage[] {
    const out: LiveMessage[] = [];
    while (this.processed + STEP <= seconds + 1e-9) {
      this.processed = r3(this.processed + STEP);
      this.step(this.processed, out);
    }
    if (seconds > this.processed + 1e-9) {
      this.processed = seconds;
      this.step(seconds, out);
    }
    return out;
  }

  /**
   * Finalize / CloseStream: catches up with `seconds`, then everything that started before it becomes one final
   * result (from_finalize for Finalize). CloseStream adds no result when nothing is left to report.
   */
  flush(seconds: number, fromFinalize: boolean): LiveMessage[] {
    const out = this.advance(seconds);
    const words = this.track.upTo(seconds);
    let end = this.finalized;
    while (end < words.length && words[end]!.start < seconds) end++;
    const taken = words.slice(this.finalized, end);
    const stop = Math.max(seconds, taken.at(-1)?.end ?? 0);
    if (taken.length || stop > this.lastFinalEnd + 1e-6 || fromFinalize) {
      out.push(this.final(taken, stop, !fromFinalize && taken.length > 0, fromFinalize));
    }
    return out;
  }

  private step(t: number, out: LiveMessage[]): void {
    const words = this.track.upTo(t + FINAL_WINDOW);
    const { utteranceEnd, vadEvents, interimResults, endpointing } = this.config;
    const next = words[this.finalized];

    if (utteranceEnd !== null && this.spokenEnd !== null) {
      const quietUntil = this.spokenEnd + utteranceEnd;
      if (t >= quietUntil && (!next || next.start >= quietUntil)) {
        out.push({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: r3(this.spokenEnd) });
        this.spokenEnd = null;
      }
    }
    if (vadEvents && !this.speechActive && next && next.start <= t) {
      out.push({ type: 'SpeechStarted', channel: [0, 1], timestamp: r3(next.start) });
      this.speechActive = true;
    }

    let due = this.finalized;
    while (due < words.length && words[due]!.end <= t) due++;
    if (interimResults && due > this.lastInterimIdx && t - this.lastInterimAt >= INTERIM_GAP) {
      out.push(this.result(words.slice(this.finalized, due), this.lastFinalEnd, t, false, false, false));
      this.lastInterimIdx = due;
      this.lastInterimAt = t;
    }

    if (endpointing !== null) {
      for (let i = this.finalized; i < due; i++) {
        const w = words[i]!;
        if (!w.sentenceEnd) continue;
        if (t < w.end + endpointing) break;
        const after = words[i + 1];
        const cut = Math.max(w.end, Math.min(t, after?.start ?? t));
        out.push(this.final(words.slice(this.finalized, i + 1), cut, true, false));
        this.speechActive = false;
        return;
      }
    }
    if (t - this.lastFinalEnd >= FINAL_WINDOW) {
      const straddling = words[due];
      const cut = straddling && straddling.start < t ? straddling.start : t;
      if (cut > this.lastFinalEnd + 0.01) out.push(this.final(words.slice(this.finalized, due), cut, false, false));
    }
  }

  private final(words: readonly TimedWord[], end: number, speechFinal: boolean, fromFinalize: boolean): LiveMessage {
    const message = this.result(words, this.lastFinalEnd, end, true, speechFinal, fromFinalize);
    this.finalized += words.length;
    this.lastInterimIdx = this.finalized;
    this.lastFinalEnd = end;
    if (words.length) this.spokenEnd = words[words.length - 1]!.end;
    if (speechFinal) this.speechActive = false;
    return message;
  }

  private result(
    words: readonly TimedWord[],
    start: number,
    end: number,
    isFinal: boolean,
    speechFinal: boolean,
    fromFinalize: boolean,
  ): LiveMessage {
    return resultsMessage(this.config, { words, start, end, isFinal, speechFinal, fromFinalize });
  }
}

export interface ResultSpan {
  words: readonly TimedWord[];
  start: number;
  end: number;
  isFinal: boolean;
  speechFinal: boolean;
  fromFinalize: boolean;
}

/** One live `Results` message (shared with the engine-driven live path, live-engine.ts). */
export function resultsMessage(config: TimelineConfig, span: ResultSpan): LiveMessage {
  const { punctuate, diarize, requestId, model } = config;
  const { words, start, end } = span;
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: r3(Math.max(0, end - start)),
    start: r3(start),
    is_final: span.isFinal,
    speech_final: span.speechFinal,
    channel: {
      alternatives: [
        {
          transcript: transcriptText([...words], punctuate),
          confidence: alternativeConfidence([...words]),
          words: words.map((w) => wordJson(w, { punctuate, diarize })),
        },
      ],
    },
    metadata: {
      request_id: requestId,
      model_info: { name: model.name, version: model.version, arch: model.arch },
      model_uuid: model.uuid,
    },
    from_finalize: span.fromFinalize,
  };
}
