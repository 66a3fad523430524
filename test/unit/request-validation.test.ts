import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/domain/errors.js';
import { optionsFromQuery } from '../../src/http/validation/deepgram-options.js';
import { parseTranscriptionFields } from '../../src/http/validation/transcription-request.js';

test('a full request parses into typed fields', () => {
  const parsed = parseTranscriptionFields(
    {
      url: 'https://cdn.example.com/a.wav',
      mode: 'async',
      duration_hint: 42,
      webhook_url: 'https://hooks.example.com/dg',
      options: { model: 'nova-3', smart_format: true, keyterm: ['Temporal', 'Kysely'], utt_split: 0.8 },
    },
    'url',
  );
  assert.deepEqual(parsed, {
    url: 'https://cdn.example.com/a.wav',
    mode: 'async',
    durationHint: 42,
    webhookUrl: 'https://hooks.example.com/dg',
    options: { model: 'nova-3', smart_format: true, keyterm: ['Temporal', 'Kysely'], utt_split: 0.8 },
    priority: 3,
  });
});

test('priority orders a tenant\'s own jobs: a whole number from 1 (first) to 5 (last), default 3', () => {
  assert.equal(parseTranscriptionFields({ url: 'https://a.example/x.wav', priority: 1 }, 'url').priority, 1);
  for (const bad of [0, 6, 2.5, '1']) {
    assert.throws(() => parseTranscriptionFields({ url: 'https://a.example/x.wav', priority: bad }, 'url'), /Field "priority"/);
  }
});

test('mode defaults to auto and options to none', () => {
  assert.deepEqual(parseTranscriptionFields({ url: 'http://x.test/a.mp3' }, 'url'), { url: 'http://x.test/a.mp3', mode: 'auto', options: {}, priority: 3 });
});

test('errors carry a status and a code', () => {
  const codeOf = (body: unknown, audio: 'url' | 'upload' = 'url') => {
    try {
      parseTranscriptionFields(body, audio);
      return 'accepted';
    } catch (err) {
      assert.ok(err instanceof AppError);
      return `${err.status} ${err.code}`;
    }
  };
  assert.equal(codeOf({}), '400 invalid_request');
  assert.equal(codeOf({ url: 'javascript:alert(1)' }), '400 invalid_url');
  assert.equal(codeOf({ url: 'https://x.test/a', mode: 'fast' }), '400 invalid_mode');
  // Stream mode is taken only where the caller says so (a single JSON or form request), never in a batch item.
  assert.equal(codeOf({ url: 'https://x.test/a', mode: 'stream' }), '400 invalid_mode');
  assert.equal(parseTranscriptionFields({ url: 'https://x.test/a', mode: 'stream', max_duration_seconds: 60 }, 'url', { stream: true }).maxDurationSeconds, 60);
  assert.equal(codeOf({ url: 'https://x.test/a', mode: 'async', max_duration_seconds: 60 }), '400 invalid_request');
  assert.equal(codeOf({ url: 'https://x.test/a', options: { nope: 1 } }), '400 unknown_option');
  assert.equal(codeOf({ url: 'https://x.test/a', options: { encoding: 'wav' } }), '400 invalid_option');
  assert.equal(codeOf({ url: 'https://x.test/a', options: { callback_method: 'put' } }), '400 invalid_option');
  assert.equal(codeOf({ url: 'https://x.test/a', webhook_url: 'ftp://x' }), '400 invalid_url');
  assert.equal(codeOf({ url: 'https://x.test/a' }, 'upload'), '400 invalid_request');
  assert.equal(codeOf({}, 'upload'), 'accepted');
});

test('query-string options are typed like JSON ones', () => {
  const options = optionsFromQuery(
    { model: ['nova-3'], smart_format: ['true'], punctuate: ['false'], sample_rate: ['16000'], keyterm: ['a', 'b'], tag: ['x'], mode: ['async'], diarize: ['maybe'] },
    new Set(['mode']),
  );
  assert.deepEqual(options, { model: 'nova-3', smart_format: true, punctuate: false, sample_rate: 16000, keyterm: ['a', 'b'], tag: 'x', diarize: 'maybe' });
});
