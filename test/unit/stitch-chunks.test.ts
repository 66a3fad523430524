import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { stitchChunkResponses } from '../../src/adapters/deepgram/stitch-chunks.js';
import type { DeepgramPrerecordedResponse } from '../../src/adapters/deepgram/response.js';
import { DEEPGRAM_FIXTURES } from '../helpers/paths.js';

const real = (name: string): DeepgramPrerecordedResponse => JSON.parse(readFileSync(path.join(DEEPGRAM_FIXTURES, 'prerecorded', name), 'utf8'));

// Two real Deepgram answers (with utterances and paragraphs) as the answers for two chunks of one file.
const first = real('prerecorded-nova2-diarize-utterances-paragraphs.json');
const second = real('prerecorded-nova2-paragraphs-spacewalk.json');
const firstEnd = first.metadata.duration!;
const whole = stitchChunkResponses(
  [
    { startSeconds: firstEnd, endSeconds: firstEnd + second.metadata.duration!, response: second },
    { startSeconds: 0, endSeconds: firstEnd, response: first },
  ],
  { requestId: 'whole-file', durationSeconds: firstEnd + second.metadata.duration!, sha256: 'abc' },
);
const alt = (r: DeepgramPrerecordedResponse) => r.results.channels[0]!.alternatives![0] as any;

test('stitching keeps every word of every chunk, in order, on the file’s timeline', () => {
  const words = alt(whole).words as Array<{ word: string; start: number; end: number }>;
  assert.equal(words.length, alt(first).words.length + alt(second).words.length);
  assert.deepEqual(words.slice(0, alt(first).words.length), alt(first).words);
  const moved = words[alt(first).words.length]!;
  assert.equal(moved.word, alt(second).words[0].word);
  assert.ok(Math.abs(moved.start - (alt(second).words[0].start + firstEnd)) < 1e-3);
  for (let i = 1; i < words.length; i++) assert.ok(words[i]!.start >= words[i - 1]!.start);
});

test('transcripts join in order; paragraphs, sentences and utterances move with their words', () => {
  assert.equal(alt(whole).transcript, `${alt(first).transcript} ${alt(second).transcript}`);
  const paragraphs = alt(whole).paragraphs.paragraphs as Array<{ start: number; sentences: Array<{ start: number }> }>;
  assert.equal(paragraphs.length, alt(first).paragraphs.paragraphs.length + alt(second).paragraphs.paragraphs.length);
  const last = paragraphs.at(-1)!;
  assert.ok(last.start > firstEnd && last.sentences[0]!.start > firstEnd);
  assert.match(alt(whole).paragraphs.transcript, /^\n/);
  assert.ok(alt(whole).paragraphs.transcript.endsWith(alt(second).paragraphs.transcript.trim()));
  const utterances = whole.results.utterances as Array<{ start: number; words: Array<{ start: number }> }>;
  assert.deepEqual(utterances, first.results.utterances, 'the second chunk had no utterances; the first’s are unchanged');
});

test('metadata describes the whole file and where each chunk lay', () => {
  assert.equal(whole.metadata.request_id, 'whole-file');
  assert.equal(whole.metadata.duration, firstEnd + second.metadata.duration!);
  assert.equal(whole.metadata.sha256, 'abc');
  assert.deepEqual(whole.metadata.chunks, [
    { start: 0, end: firstEnd, request_id: first.metadata.request_id },
    { start: firstEnd, end: firstEnd + second.metadata.duration!, request_id: second.metadata.request_id },
  ]);
  assert.deepEqual(whole.metadata.models, [...new Set([...(first.metadata.models as string[]), ...(second.metadata.models as string[])])]);
});

test('a chunk with no words (silence) leaves no gap in the text and no stray confidence', () => {
  const silent: DeepgramPrerecordedResponse = { metadata: { request_id: 'quiet', duration: 5 }, results: { channels: [{ alternatives: [{ transcript: '', confidence: 0, words: [] }] }] } };
  const stitched = stitchChunkResponses(
    [
      { startSeconds: 0, endSeconds: firstEnd, response: first },
      { startSeconds: firstEnd, endSeconds: firstEnd + 5, response: silent },
    ],
    { requestId: 'w', durationSeconds: firstEnd + 5 },
  );
  assert.equal(alt(stitched).transcript, alt(first).transcript);
  assert.ok(Math.abs(alt(stitched).confidence - alt(first).confidence) < 1e-9);
  assert.equal(stitched.metadata.sha256, undefined, 'a chunk’s own hash is not the file’s');
});
