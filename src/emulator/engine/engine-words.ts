import { normalizeWord, type TimedWord } from '../protocol/transcripts.js';
import type { EngineSegment, EngineWord } from './types.js';

/** Whisper's own punctuation ends a sentence here. */
const SENTENCE_END = /[.?!]["')\]]*$/;

/**
 * Words of a whole channel: Deepgram's lowercase `word` without punctuation, and Whisper's own punctuated and cased
 * form as `punctuated_word` (punctuate / smart_format); a segment that ends without punctuation still ends a sentence,
 * and every segment end splits utterances.
 */
export function segmentWords(segments: readonly EngineSegment[]): TimedWord[] {
  const out: TimedWord[] = [];
  for (const segment of segments) {
    const words = utteranceWords(segment.words, true);
    if (words.length) words[words.length - 1]!.segmentEnd = true;
    out.push(...words);
  }
  return out;
}

/** Words of one utterance; `closed` marks the last one as a sentence end (false for a partial hypothesis). */
export function utteranceWords(words: readonly EngineWord[], closed: boolean): TimedWord[] {
  const kept = words
    .map(([text, start, end, confidence, punctuated]) => ({ word: normalizeWord(text), punctuated: (punctuated ?? text).trim(), start, end, confidence }))
    .filter((w) => w.word);
  return kept.map((w, i) => ({
    word: w.word,
    punctuated: w.punctuated,
    start: w.start,
    end: w.end,
    confidence: w.confidence,
    speaker: 0,
    sentenceEnd: SENTENCE_END.test(w.punctuated) || (closed && i === kept.length - 1),
  }));
}
