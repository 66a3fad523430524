import { createHash } from 'node:crypto';

/** Bytes of a live stream used to recognise registered audio. */
export const LIVE_PREFIX_BYTES = 8192;
/** Word confidence the emulator reports (stable on purpose). */
export const WORD_CONFIDENCE = 0.98;

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export interface TranscriptEntry {
  text: string;
  /** Duration of the registered audio when it was given as bytes (resolved lazily; undefined if unknown). */
  duration?: Promise<number | undefined>;
}

/** Registered transcripts, keyed by the sha256 of the whole audio and (for live) of its first 8 KiB. */
export class TranscriptRegistry {
  private readonly byHash = new Map<string, TranscriptEntry>();
  private readonly byPrefix = new Map<string, TranscriptEntry>();

  constructor(private readonly durationOf: (audio: Buffer) => Promise<number | undefined>) {}

  register(audio: Buffer | { sha256: string }, text: string): void {
    if (Buffer.isBuffer(audio)) {
      const duration = this.durationOf(audio).catch(() => undefined);
      const entry: TranscriptEntry = { text, duration };
      this.byHash.set(sha256Hex(audio), entry);
      this.byPrefix.set(sha256Hex(audio.subarray(0, LIVE_PREFIX_BYTES)), entry);
    } else {
      if (!/^[0-9a-f]{64}$/i.test(audio.sha256)) throw new TypeError('sha256 must be 64 hex characters');
      this.byHash.set(audio.sha256.toLowerCase(), { text });
    }
  }

  byAudioHash(sha256: string): TranscriptEntry | undefined {
    return this.byHash.get(sha256);
  }

  byStreamPrefix(prefixSha256: string): TranscriptEntry | undefined {
    return this.byPrefix.get(prefixSha256) ?? this.byHash.get(prefixSha256);
  }
}

/** One recognised word with its timing. */
export interface TimedWord {
  word: string;
  punctuated: string;
  start: number;
  end: number;
  confidence: number;
  speaker: number;
  /** The punctuated form ends a sentence (. ? !). */
  sentenceEnd: boolean;
  /** The engine ended a segment after this word (a pause its voice activity detector heard): utterances split here. */
  segmentEnd?: boolean;
}

/** Lowercase word without surrounding punctuation, as Deepgram's `word` field. */
export function normalizeWord(token: string): string {
  return token
    .toLowerCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .replace(/[^\p{L}\p{N}'-]/gu, '');
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Spreads words over `duration` seconds: a small leading and trailing gap, word length proportional to its letters,
 * and a pause after commas and sentence ends. Deterministic for the same tokens and duration.
 */
export function layoutWords(tokens: string[], duration: number, speakers?: number[]): TimedWord[] {
  const kept = tokens
    .map((punctuated, i) => ({ punctuated, word: normalizeWord(punctuated), speaker: speakers?.[i] ?? 0 }))
    .filter((t) => t.word.length > 0);
  if (kept.length === 0) return [];
  const lead = Math.min(0.3, duration * 0.05);
  const trail = Math.min(0.5, duration * 0.05);
  const span = Math.max(0, duration - lead - trail);
  const weights = kept.map((t) => 0.6 + 0.08 * t.word.length);
  const pauses = kept.map((t, i): number => (i === kept.length - 1 ? 0 : /[.?!]$/.test(t.punctuated) ? 0.5 : /[,;:]$/.test(t.punctuated) ? 0.2 : 0));
  const total = weights.reduce((a, b) => a + b, 0) + pauses.reduce((a, b) => a + b, 0);
  const unit = span / total;
  let cursor = lead;
  return kept.map((t, i) => {
    const start = cursor;
    const end = start + weights[i]! * unit;
    cursor = end + pauses[i]! * unit;
    return {
      word: t.word,
      punctuated: t.punctuated,
      start: round3(start),
      end: round3(end),
      confidence: WORD_CONFIDENCE,
      speaker: t.speaker,
      sentenceEnd: /[.?!]["')\]]*$/.test(t.punctuated) || i === kept.length - 1,
    };
  });
}

/** Words for a registered text (speaker 0 throughout). */
export function registeredWords(text: string, duration: number): TimedWord[] {
  return layoutWords(text.split(/\s+/).filter(Boolean), duration);
}

const VOCABULARY = (
  'the a an of to and in on for with about after before during signal river orange window quiet ' +
  'system meeting report project morning evening station weather number market garden letter music ' +
  'people city question answer moment field paper engine bridge summer winter yellow simple careful ' +
  'bright steady early later today tomorrow always never often really very good new small large ' +
  'open close start finish check build send follow measure record listen speak travel return'
).split(' ');
/** The first FUNCTION_WORDS entries of VOCABULARY are function words. */
const FUNCTION_WORDS = 14;

/** Deterministic pseudo-random stream from a seed (sha256 in counter mode). */
function* seededBytes(seed: string): Generator<number> {
  for (let counter = 0; ; counter++) {
    const block = createHash('sha256').update(`${seed}:${counter}`).digest();
    for (const byte of block) yield byte;
  }
}

/** About 2.5 words per second of audio, from a fixed vocabulary, in sentences; derived only from `seed`. */
export function syntheticWords(seed: string, duration: number): TimedWord[] {
  const count = duration > 0 ? Math.max(1, Math.round(duration * 2.5)) : 0;
  const rng = seededBytes(seed);
  const next = (): number => rng.next().value as number;
  const tokens: string[] = [];
  const speakers: number[] = [];
  let sentenceIndex = 0;
  while (tokens.length < count) {
    const length = Math.min(4 + (next() % 7), count - tokens.length);
    const speaker = Math.floor(sentenceIndex / 2) % 2;
    for (let i = 0; i < length; i++) {
      // Sentences don't end on a function word ("the", "of", ...).
      const pool = i === length - 1 ? VOCABULARY.slice(FUNCTION_WORDS) : VOCABULARY;
      let w = pool[next() % pool.length]!;
      if (i === 0) w = w[0]!.toUpperCase() + w.slice(1);
      if (i === length - 1) w += '.';
      else if (i > 1 && i < length - 2 && next() % 9 === 0) w += ',';
      tokens.push(w);
      speakers.push(speaker);
    }
    sentenceIndex++;
  }
  return layoutWords(tokens, duration, speakers);
}
