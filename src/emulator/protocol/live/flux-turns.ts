import type { LiveMessage } from './live-timeline.js';

const r3 = (n: number): number => Math.round(n * 1000) / 1000;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

interface FluxWord {
  word: string;
  confidence: number;
  start: number;
  end: number;
}

export interface FluxThresholds {
  eot_threshold: number;
  eager_eot_threshold?: number;
  eot_timeout_ms: number;
}

export interface FluxSettings {
  thresholds: FluxThresholds;
  keyterms: string[];
}

/** Flux's defaults (eot_threshold 0.7, eot_timeout_ms 5000; EagerEndOfTurn off until eager_eot_threshold is set). */
export const FLUX_DEFAULTS: FluxThresholds = { eot_threshold: 0.7, eot_timeout_ms: 5000 };

const RANGES: Record<keyof FluxThresholds, [number, number]> = {
  eot_threshold: [0.5, 1],
  eager_eot_threshold: [0.3, 0.9],
  eot_timeout_ms: [500, 60_000],
};

/** A threshold's problem, or undefined when `value` is in Flux's documented range. */
export function thresholdProblem(name: keyof FluxThresholds, value: unknown): string | undefined {
  const [min, max] = RANGES[name];
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? undefined : `${name} must be a number from ${min} to ${max}`;
}

/**
 * The emulator's Flux (`/v2/listen`) dialect: the v1 session's Results become turns. The first words of a turn send
 * `StartOfTurn`, later interim and final results `Update` (the transcript of the whole turn so far), an endpoint
 * (speech_final, or a ForceEndTurn's flush) `EndOfTurn` — preceded by `EagerEndOfTurn` while an eager threshold is
 * set — and a silence of eot_timeout_ms (v1's UtteranceEnd) ends an open turn with trigger "timeout". Every message
 * carries the socket's request id and a sequence number from 0. `Configure` is validated and acknowledged with the
 * settings then in force, as Flux does.
 */
export class FluxTurns {
  private sequence = 0;
  private turnIndex = 0;
  private open = false;
  private turnStart = 0;
  private finalWords: FluxWord[] = [];

  constructor(
    private readonly requestId: string,
    private settings: FluxSettings,
  ) {}

  connected(): LiveMessage {
    return this.numbered({ type: 'Connected' });
  }

  /** The Flux messages for a batch of v1 messages. */
  translate(messages: LiveMessage[]): LiveMessage[] {
    const out: LiveMessage[] = [];
    for (const message of messages) {
      if (message.type === 'Results') this.results(message, out);
      else if (message.type === 'UtteranceEnd' && this.open) this.endTurn(this.turnStart, out, 'timeout');
    }
    return out;
  }

  /** A Configure message: acknowledged with the settings in force, or refused (nothing changes). */
  configure(message: Record<string, unknown>): LiveMessage {
    const thresholds = message.thresholds;
    const next: FluxSettings = { thresholds: { ...this.settings.thresholds }, keyterms: this.settings.keyterms };
    if (thresholds !== undefined) {
      if (!thresholds || typeof thresholds !== 'object' || Array.isArray(thresholds)) return this.numbered({ type: 'ConfigureFailure' });
      for (const [name, value] of Object.entries(thresholds)) {
        if (!(name in RANGES) || thresholdProblem(name as keyof FluxThresholds, value)) return this.numbered({ type: 'ConfigureFailure' });
        next.thresholds[name as keyof FluxThresholds] = value as number;
      }
    }
    if (message.keyterms !== undefined) {
      const keyterms = typeof message.keyterms === 'string' ? [message.keyterms] : message.keyterms;
      if (!Array.isArray(keyterms) || !keyterms.every((k) => typeof k === 'string' && k.length > 0)) return this.numbered({ type: 'ConfigureFailure' });
      next.keyterms = keyterms as string[];
    }
    this.settings = next;
    return this.numbered({ type: 'ConfigureSuccess', thresholds: next.thresholds, keyterms: next.keyterms });
  }

  /** Flux's answer to a client message it cannot parse (the connection is then closed). */
  unparsable(type: unknown): LiveMessage {
    const description = `Unsupported client message${typeof type === 'string' ? `: ${type}` : ''}`;
    return { type: 'Error', sequence_id: this.sequence++, code: 'UNPARSABLE_CLIENT_MESSAGE', description };
  }

  private results(message: LiveMessage, out: LiveMessage[]): void {
    const start = num(message.start) ?? 0;
    const end = r3(start + (num(message.duration) ?? 0));
    const alternative = (message.channel as { alternatives?: Array<{ words?: Array<Record<string, unknown>> }> } | undefined)?.alternatives?.[0];
    const words = (alternative?.words ?? []).map(fluxWord);
    if (!this.open) {
      if (!words.length) {
        if (message.is_final === true) this.turnStart = end;
        return;
      }
      this.open = true;
      this.turnStart = start;
      out.push(this.turnInfo('StartOfTurn', end, [...this.finalWords, ...words]));
      if (message.is_final !== true) return;
    }
    if (message.is_final !== true) {
      out.push(this.turnInfo('Update', end, [...this.finalWords, ...words]));
      return;
    }
    this.finalWords.push(...words);
    if (message.speech_final === true || message.from_finalize === true) {
      this.endTurn(end, out, message.from_finalize === true ? 'manual' : 'model');
    } else if (words.length) {
      out.push(this.turnInfo('Update', end, this.finalWords));
    }
  }

  private endTurn(end: number, out: LiveMessage[], trigger: string): void {
    const words = this.finalWords;
    const windowEnd = Math.max(end, words.at(-1)?.end ?? end);
    if (this.settings.thresholds.eager_eot_threshold !== undefined && trigger === 'model') out.push(this.turnInfo('EagerEndOfTurn', windowEnd, words));
    out.push({ ...this.turnInfo('EndOfTurn', windowEnd, words), trigger });
    this.turnIndex += 1;
    this.open = false;
    this.finalWords = [];
    this.turnStart = windowEnd;
  }

  private turnInfo(event: string, end: number, words: FluxWord[]): LiveMessage {
    const confidence = event === 'EndOfTurn' ? Math.max(0.9, this.settings.thresholds.eot_threshold) : event === 'EagerEndOfTurn' ? (this.settings.thresholds.eager_eot_threshold ?? 0.5) : 0.05;
    return this.numbered({
      type: 'TurnInfo',
      event,
      turn_index: this.turnIndex,
      audio_window_start: r3(this.turnStart),
      audio_window_end: r3(end),
      transcript: words.map((w) => w.word).join(' '),
      words,
      end_of_turn_confidence: confidence,
    });
  }

  private numbered(message: Record<string, unknown> & { type: string }): LiveMessage {
    return { ...message, request_id: this.requestId, sequence_id: this.sequence++ };
  }
}

/** Flux words are punctuated and cased, with times. */
function fluxWord(word: Record<string, unknown>): FluxWord {
  return {
    word: String(word.punctuated_word ?? word.word ?? ''),
    confidence: num(word.confidence) ?? 0,
    start: num(word.start) ?? 0,
    end: num(word.end) ?? 0,
  };
}
