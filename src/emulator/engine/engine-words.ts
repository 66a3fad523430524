import { normalizeWord, type TimedWord } from '../protocol/transcripts.js';
import type { EngineSegment, EngineWord } from './types.js';

/**
 * PocketSphinx produces lowercase words without punctuation. `punctuated_word` (punctuate / smart_format) is an
 * APPROXIMATION: each utterance the engine cut at a pause becomes one sentence, capitalised with a full stop at the
 * end, and the pronoun "I" is capitalised. There is no comma, question mark or number formatting.
 */
export function segmentWords(segments: readonly EngineSegment[]): TimedWord[] {
  const out: TimedWord[] = [];
  for (const segment of segments) out.push(...utteranceWords(segment.words, true));
  return out;
}

/** Words of one utterance; `closed` marks the last one as a sentence end (false for a partial hypothesis). */
export function utteranceWords(words: readonly EngineWord[], closed: boolean): TimedWord[] {
  const kept = words.map(([text, start, end, confidence]) => ({ word: normalizeWord(text), start, end, confidence })).filter((w) => w.word);
  return kept.map((w, i) => {
    const last = closed && i === kept.length - 1;
    let punctuated = /^i('|$)/.test(w.word) ? `I${w.word.slice(1)}` : w.word;
    if (i === 0) punctuated = punctuated[0]!.toUpperCase() + punctuated.slice(1);
    if (last) punctuated += '.';
    return { word: w.word, punctuated, start: w.start, end: w.end, confidence: w.confidence, speaker: 0, sentenceEnd: last };
  });
}
