import assert from 'node:assert/strict';
import { test } from 'node:test';
import { segmentWords, utteranceWords } from '../../src/emulator/engine/engine-words.js';
import { localModelFor } from '../../src/emulator/engine/local-models.js';
import type { EngineSegment } from '../../src/emulator/engine/types.js';

test('Whisper’s tokens become Deepgram’s lowercase words, with Whisper’s own punctuation and casing kept as punctuated_word', () => {
  const words = utteranceWords(
    [
      ['We,', 0.02, 0.54, 0.8, 'We,'],
      ['the', 0.62, 0.78, 0.98, 'the'],
      ['United', 1.2, 1.5, 0.99, 'United'],
      ['States.', 1.5, 2.0, 0.97, 'States.'],
      ['Really?', 2.4, 2.9, 0.6, 'Really?'],
    ],
    true,
  );
  assert.deepEqual(
    words.map((w) => [w.word, w.punctuated, w.sentenceEnd]),
    [
      ['we', 'We,', false],
      ['the', 'the', false],
      ['united', 'United', false],
      ['states', 'States.', true],
      ['really', 'Really?', true],
    ],
  );
  assert.deepEqual(words.map((w) => w.confidence), [0.8, 0.98, 0.99, 0.97, 0.6], 'word probabilities are the confidences');
});

test('a segment ends a sentence and an utterance even without punctuation; tokens that are only punctuation are dropped', () => {
  const segments: EngineSegment[] = [
    { start: 0, end: 1, reason: 'endpoint', words: [['life', 0, 0.4, 0.9, 'Life'], ['moves', 0.4, 0.8, 0.9, 'moves']] },
    { start: 1.2, end: 2, reason: 'endpoint', words: [['-', 1.2, 1.3, 0.5, '-'], ['pretty', 1.3, 1.6, 0.9, 'pretty'], ['fast', 1.6, 2, 0.9, 'fast']] },
  ];
  const words = segmentWords(segments);
  assert.deepEqual(words.map((w) => w.word), ['life', 'moves', 'pretty', 'fast']);
  assert.deepEqual(words.map((w) => Boolean(w.segmentEnd)), [false, true, false, true]);
  assert.deepEqual(words.map((w) => w.sentenceEnd), [false, true, false, true]);
  // A partial hypothesis (not closed) does not end a sentence at its last word.
  assert.equal(utteranceWords([['going', 0, 0.3, 0.5, 'going']], false)[0]!.sentenceEnd, false);
});

test('model=whisper-base and whisper-tiny pick those local models; any other model name gets the configured default', () => {
  assert.equal(localModelFor('whisper-tiny', 'whisper-base'), 'whisper-tiny');
  assert.equal(localModelFor('whisper-base', 'whisper-tiny'), 'whisper-base');
  for (const name of ['nova-3', 'nova-2-meeting', 'whisper-large', 'enhanced', undefined]) assert.equal(localModelFor(name, 'whisper-tiny'), 'whisper-tiny', String(name));
});
