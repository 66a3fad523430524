import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/domain/errors.js';
import { parseCreateTranscription } from '../../src/http/validation/transcription-request.js';

test('a full request parses into a submit with typed options', () => {
  const parsed = parseCreateTranscription({
    url: 'https://cdn.example.com/a.wav',
    mode: 'async',
    duration_hint: 42,
    options: { model: 'nova-3', smart_format: true, keyterm: ['Temporal', 'Kysely'], utt_split: 0.8 },
  });
  assert.deepEqual(parsed, {
    source: { kind: 'url', url: 'https://cdn.example.com/a.wav' },
    mode: 'async',
    durationHint: 42,
    options: { model: 'nova-3', smart_format: true, keyterm: ['Temporal', 'Kysely'], utt_split: 0.8 },
  });
});

test('mode defaults to auto and options to none', () => {
  assert.deepEqual(parseCreateTranscription({ url: 'http://x.test/a.mp3' }), { source: { kind: 'url', url: 'http://x.test/a.mp3' }, mode: 'auto', options: {} });
});

test('errors carry a status and a code', () => {
  const codeOf = (body: unknown) => {
    try {
      parseCreateTranscription(body);
      return 'accepted';
    } catch (err) {
      assert.ok(err instanceof AppError);
      return `${err.status} ${err.code}`;
    }
  };
  assert.equal(codeOf({}), '400 invalid_request');
  assert.equal(codeOf({ url: 'javascript:alert(1)' }), '400 invalid_url');
  assert.equal(codeOf({ url: 'https://x.test/a', mode: 'stream' }), '400 invalid_mode');
  assert.equal(codeOf({ url: 'https://x.test/a', options: { nope: 1 } }), '400 unknown_option');
  assert.equal(codeOf({ url: 'https://x.test/a', options: { encoding: 'wav' } }), '400 invalid_option');
  assert.equal(codeOf({ url: 'https://x.test/a', options: { callback_method: 'put' } }), '400 invalid_option');
});
