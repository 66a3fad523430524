import type { WordTrack } from './live-timeline.js';
import { registeredWords, syntheticWords, type TimedWord } from '../transcripts.js';

/** Synthetic live words come in blocks of this many seconds, each seeded by the stream prefix and block number. */
const SYNTHETIC_BLOCK_SECONDS = 10;

/** A registered transcript laid out over the registered audio's duration, exactly as REST lays it out. */
export function registeredTrack(text: string, duration: number | undefined): WordTrack {
  const tokens = text.split(/\s+/).filter(Boolean).length;
  const words = registeredWords(text, duration ?? Math.max(1, tokens * 0.4 + 0.5));
  return { upTo: () => words };
}

/** Synthetic words for an unregistered stream of unknown length (about 2.5 words per second, deterministic). */
export function syntheticTrack(seed: string): WordTrack {
  const words: TimedWord[] = [];
  let blocks = 0;
  return {
    upTo(seconds: number): readonly TimedWord[] {
      while (blocks * SYNTHETIC_BLOCK_SECONDS <= seconds) {
        const offset = blocks * SYNTHETIC_BLOCK_SECONDS;
        for (const w of syntheticWords(`${seed}:${blocks}`, SYNTHETIC_BLOCK_SECONDS)) {
          words.push({ ...w, start: Math.round((w.start + offset) * 1000) / 1000, end: Math.round((w.end + offset) * 1000) / 1000 });
        }
        blocks++;
      }
      return words;
    },
  };
}

/** Words for a stream still waiting for its first 8 KiB: none yet. */
export const emptyTrack: WordTrack = { upTo: () => [] };
