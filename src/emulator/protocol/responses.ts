import { randomUUID } from 'node:crypto';
import type { EngineInfo, LocalModel } from '../engine/types.js';
import { engineModelInfo, engineWarning, modelInfo, SYNTHETIC_WARNING, type TranscriptSource } from './models.js';
import type { TranscriptOptions } from './params.js';
import { registeredWords, syntheticWords, type TimedWord } from './transcripts.js';

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

/** Words for one channel: the registered text, or synthetic words seeded by the audio hash. */
export function channelWords(registeredText: string | undefined, sha256: string, duration: number, channel: number): TimedWord[] {
  if (registeredText !== undefined) return registeredWords(registeredText, duration);
  return syntheticWords(channel === 0 ? sha256 : `${sha256}:${channel}`, duration);
}

/** A word object as Deepgram serialises it (field order as in real responses). */
export function wordJson(w: TimedWord, opts: { punctuate: boolean; diarize: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = { word: w.word, start: w.start, end: w.end, confidence: w.confidence };
  if (opts.diarize) {
    out.speaker = w.speaker;
    out.speaker_confidence = 0.9;
  }
  if (opts.punctuate) out.punctuated_word = w.punctuated;
  return out;
}

export function transcriptText(words: TimedWord[], punctuate: boolean): string {
  return words.map((w) => (punctuate ? w.punctuated : w.word)).join(' ');
}

/** Mean word confidence (the emulator's fixed WORD_CONFIDENCE for registered and synthetic words). */
export const alternativeConfidence = (words: TimedWord[]): number =>
  words.length ? Math.round((words.reduce((sum, w) => sum + w.confidence, 0) / words.length) * 1e4) / 1e4 : 0;

interface Sentence { text: string; start: number; end: number; speaker: number; words: number }

function sentencesOf(words: TimedWord[]): Sentence[] {
  const out: Sentence[] = [];
  let current: TimedWord[] = [];
  const flush = () => {
    if (!current.length) return;
    out.push({
      text: current.map((w) => w.punctuated).join(' '),
      start: current[0]!.start,
      end: current[current.length - 1]!.end,
      speaker: current[0]!.speaker,
      words: current.length,
    });
    current = [];
  };
  for (const w of words) {
    if (current.length && w.speaker !== current[0]!.speaker) flush();
    current.push(w);
    if (w.sentenceEnd) flush();
  }
  flush();
  return out;
}

/** `alternatives[0].paragraphs`: a new paragraph on speaker change or after 5 sentences. */
function paragraphsJson(words: TimedWord[], diarize: boolean): Record<string, unknown> {
  const groups: Sentence[][] = [];
  for (const s of sentencesOf(words)) {
    const last = groups[groups.length - 1];
    if (last && last.length < 5 && (!diarize || last[0]!.speaker === s.speaker)) last.push(s);
    else groups.push([s]);
  }
  const paragraphs = groups.map((g) => {
    const p: Record<string, unknown> = { sentences: g.map((s) => ({ text: s.text, start: s.start, end: s.end })) };
    if (diarize) p.speaker = g[0]!.speaker;
    p.num_words = g.reduce((n, s) => n + s.words, 0);
    p.start = g[0]!.start;
    p.end = g[g.length - 1]!.end;
    return p;
  });
  const transcript = groups
    .map((g) => (diarize ? `Speaker ${g[0]!.speaker}: ` : '') + g.map((s) => s.text).join(' '))
    .join('\n\n');
  return { transcript: groups.length ? `\n${transcript}` : '', paragraphs };
}

/** `results.utterances`: split where the silence between words reaches utt_split, the speaker changes or the engine ended a segment. */
function utterancesJson(words: TimedWord[], channel: number, opts: TranscriptOptions): Record<string, unknown>[] {
  const groups: TimedWord[][] = [];
  for (const w of words) {
    const g = groups[groups.length - 1];
    const prev = g?.[g.length - 1];
    if (g && prev && !prev.segmentEnd && w.start - prev.end < opts.uttSplit && (!opts.diarize || prev.speaker === w.speaker)) g.push(w);
    else groups.push([w]);
  }
  const style = { punctuate: opts.punctuate, diarize: opts.diarize };
  return groups.map((g) => {
    const u: Record<string, unknown> = {
      start: g[0]!.start,
      end: g[g.length - 1]!.end,
      confidence: alternativeConfidence(g),
      channel,
      transcript: transcriptText(g, opts.punctuate),
      words: g.map((w) => wordJson(w, { ...style, punctuate: true })),
    };
    if (opts.diarize) u.speaker = g[0]!.speaker;
    u.id = randomUUID();
    return u;
  });
}

export interface PrerecordedInput {
  requestId: string;
  sha256: string;
  duration: number;
  audioChannels: number;
  options: TranscriptOptions;
  registeredText?: string;
  /** Words recognised by the local engine, per channel (takes precedence over synthetic words). */
  engine?: { info: EngineInfo; model: LocalModel; channels: TimedWord[][]; languages: Array<{ language: string; confidence: number }> };
}

/** A complete `ListenV1Response`, shaped like the real responses in fixtures/deepgram/prerecorded. */
export function prerecordedResponse(input: PrerecordedInput): Record<string, unknown> {
  const { options: opts } = input;
  const source: TranscriptSource = input.engine ? 'engine' : input.registeredText !== undefined ? 'registered' : 'synthetic';
  const model = input.engine ? engineModelInfo(input.engine.info, input.engine.model) : modelInfo(opts.model, source);
  const channelCount = opts.multichannel ? Math.max(1, input.audioChannels) : 1;
  const style = { punctuate: opts.punctuate, diarize: opts.diarize };
  const utterances: Record<string, unknown>[] = [];
  const channels = Array.from({ length: channelCount }, (_, c) => {
    const words = input.engine ? (input.engine.channels[c] ?? []) : channelWords(input.registeredText, input.sha256, input.duration, c);
    const alternative: Record<string, unknown> = {
      transcript: transcriptText(words, opts.punctuate),
      confidence: alternativeConfidence(words),
      words: words.map((w) => wordJson(w, style)),
    };
    if (opts.paragraphs) alternative.paragraphs = paragraphsJson(words, opts.diarize);
    if (opts.utterances) utterances.push(...utterancesJson(words, c, opts));
    const channel: Record<string, unknown> = { alternatives: [alternative] };
    if (opts.detectLanguage) {
      const detected = input.engine?.languages[c] ?? input.engine?.languages[0];
      channel.detected_language = detected?.language ?? (opts.language ?? 'en').split('-')[0];
      channel.language_confidence = detected?.confidence ?? 0.99;
    }
    return channel;
  });
  const metadata: Record<string, unknown> = {
    transaction_key: 'deprecated',
    request_id: input.requestId,
    sha256: input.sha256,
    created: new Date().toISOString(),
    duration: round6(input.duration),
    channels: channelCount,
    models: [model.uuid],
    model_info: { [model.uuid]: { name: model.name, version: model.version, arch: model.arch } },
  };
  if (opts.tags.length) metadata.tags = opts.tags;
  if (Object.keys(opts.extra).length) metadata.extra = opts.extra;
  if (source === 'synthetic') metadata.warnings = [{ ...SYNTHETIC_WARNING }];
  if (input.engine) metadata.warnings = [engineWarning(input.engine.info, input.engine.model)];
  const results: Record<string, unknown> = { channels };
  if (opts.utterances) results.utterances = utterances.sort((a, b) => (a.start as number) - (b.start as number));
  return { metadata, results };
}
