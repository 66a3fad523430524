import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in test/emulator/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Real recordings and Deepgram responses, kept in the repository with their licences (test/fixtures/README.md). */
export const fixturesDir = path.resolve(repoRoot, 'test/fixtures');
export const audioDir = path.resolve(fixturesDir, 'audio');

export const audioPath = (name: string): string => path.join(audioDir, name);
export const readAudio = (name: string): Buffer => readFileSync(audioPath(name));

/** A real Deepgram response/message from fixtures/deepgram/<kind>/<name>. */
export function readDeepgramFixture<T = Record<string, unknown>>(kind: 'prerecorded' | 'live' | 'errors', name: string): T {
  return JSON.parse(readFileSync(path.join(fixturesDir, 'deepgram', kind, name), 'utf8')) as T;
}

/** The constitution preamble as Deepgram nova-3 transcribed preamble-rest.wav (smart_format). */
export const PREAMBLE_TEXT =
  'We, the people of The United States, in order to form a more perfect union, establish justice, ensure domestic ' +
  'tranquility, provide for the common defense, promote the general welfare, and secure the blessings of liberty to ' +
  'ourselves and our posterity to ordain and establish this constitution for The United States Of America.';

export const TESTING_TEXT = 'Testing. 123. Testing. 123.';
