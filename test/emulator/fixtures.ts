import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AUDIO_DIR, DEEPGRAM_FIXTURES } from '../helpers/paths.js';

export const audioPath = (name: string): string => path.join(AUDIO_DIR, name);
export const readAudio = (name: string): Buffer => readFileSync(audioPath(name));

/** A real Deepgram response/message from fixtures/deepgram/<kind>/<name>. */
export function readDeepgramFixture<T = Record<string, unknown>>(kind: 'prerecorded' | 'live' | 'errors', name: string): T {
  return JSON.parse(readFileSync(path.join(DEEPGRAM_FIXTURES, kind, name), 'utf8')) as T;
}

/** The constitution preamble as Deepgram nova-3 transcribed preamble-rest.wav (smart_format). */
export const PREAMBLE_TEXT =
  'We, the people of The United States, in order to form a more perfect union, establish justice, ensure domestic ' +
  'tranquility, provide for the common defense, promote the general welfare, and secure the blessings of liberty to ' +
  'ourselves and our posterity to ordain and establish this constitution for The United States Of America.';

export const TESTING_TEXT = 'Testing. 123. Testing. 123.';
