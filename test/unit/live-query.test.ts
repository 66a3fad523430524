import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLiveQuery } from '../../src/domain/live-query.js';

const parse = (query: string) => parseLiveQuery(new URLSearchParams(query));

test('Deepgram live parameters pass through as Deepgram strings; repeatable ones become lists', () => {
  const parsed = parse(
    'model=nova-3&language=en-US&encoding=linear16&sample_rate=16000&channels=1&interim_results=true&endpointing=300' +
      '&utterance_end_ms=1000&vad_events=true&smart_format=true&keyterm=Temporal&keyterm=Kysely&tag=t1',
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.options, {
    model: 'nova-3',
    language: 'en-US',
    encoding: 'linear16',
    sample_rate: '16000',
    channels: '1',
    interim_results: 'true',
    endpointing: '300',
    utterance_end_ms: '1000',
    vad_events: 'true',
    smart_format: 'true',
    keyterm: ['Temporal', 'Kysely'],
    tag: 't1',
  });
  assert.equal(parsed.sessionId, undefined);
});

test('no parameters at all is a valid (containerised audio) stream; endpointing=false is allowed', () => {
  assert.deepEqual(parse(''), { ok: true, options: {}, takeover: false, createSession: false, record: false, repass: false });
  assert.ok(parse('endpointing=false').ok);
});

test('takeover is ours too: true or false, and only with a session_id', () => {
  const parsed = parse('session_id=2b0e1d5c-7f4a-4c1e-9e0b-1a2b3c4d5e6f&takeover=true');
  assert.ok(parsed.ok);
  assert.equal(parsed.takeover, true);
  assert.deepEqual(parsed.options, {});
  assert.equal(parse('takeover=true').ok, false);
  assert.equal(parse('session_id=2b0e1d5c-7f4a-4c1e-9e0b-1a2b3c4d5e6f&takeover=maybe').ok, false);
});

test('create_session is ours: true or false, only with a session_id, kept out of the options', () => {
  const parsed = parse('model=nova-2&session_id=2b0e1d5c-7f4a-4c1e-9e0b-1a2b3c4d5e6f&create_session=true');
  assert.ok(parsed.ok);
  assert.equal(parsed.createSession, true);
  assert.deepEqual(parsed.options, { model: 'nova-2' });
  assert.equal(parse('create_session=true').ok, false);
  assert.equal(parse('session_id=2b0e1d5c-7f4a-4c1e-9e0b-1a2b3c4d5e6f&create_session=1').ok, false);
});

test('record and repass are ours: true or false, kept out of the options; repass records', () => {
  const recorded = parse('model=nova-2&record=true');
  assert.ok(recorded.ok && recorded.record && !recorded.repass);
  assert.deepEqual(recorded.options, { model: 'nova-2' });
  const repassed = parse('model=nova-2&repass=true');
  assert.ok(repassed.ok && repassed.record && repassed.repass, 'a re-pass needs the recording, so it records');
  assert.equal(parse('repass=true&record=false').ok, false);
  assert.equal(parse('record=yes').ok, false);
});

test('session_id is ours: a UUID, kept out of the options sent to Deepgram', () => {
  const parsed = parse('model=nova-2&session_id=2B0E1D5C-7F4A-4C1E-9E0B-1A2B3C4D5E6F');
  assert.ok(parsed.ok);
  assert.equal(parsed.sessionId, '2b0e1d5c-7f4a-4c1e-9e0b-1a2b3c4d5e6f');
  assert.deepEqual(parsed.options, { model: 'nova-2' });
});

const refused: Array<[string, string, RegExp]> = [
  ['colour=blue', 'unknown_option', /Unknown query parameter colour/],
  ['interim_results=yes', 'invalid_option', /interim_results=yes must be true or false/],
  ['encoding=mp3', 'invalid_option', /encoding=mp3 is not one of/],
  ['encoding=mulaw', 'invalid_option', /sample_rate is required with encoding=mulaw/],
  ['encoding=linear16&sample_rate=16k', 'invalid_option', /sample_rate=16k/],
  ['channels=0', 'invalid_option', /channels=0/],
  ['endpointing=soon', 'invalid_option', /endpointing=soon/],
  ['utterance_end_ms=1000', 'invalid_option', /needs interim_results=true/],
  ['model=nova-3&keywords=x', 'invalid_option', /keyterm/],
  ['model=nova-2&model=nova-3', 'invalid_option', /model was given 2 times/],
  ['model=a%20b', 'invalid_option', /is not a valid model/],
  ['session_id=123', 'invalid_option', /session_id must be/],
  ['tag=', 'invalid_option', /tag values must be 1 to 256 characters/],
];

for (const [query, code, message] of refused) {
  test(`refused: ${query}`, () => {
    const parsed = parse(query);
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.equal(parsed.error.status, 400);
    assert.equal(parsed.error.code, code);
    assert.match(parsed.error.message, message);
  });
}

test('Flux (/v2/listen): its own parameters, ranges and model family; v1 refuses Flux models', () => {
  const v2 = (q: string) => parseLiveQuery(new URLSearchParams(q), 'v2');
  const ok = v2('model=flux-general-en&encoding=linear16&sample_rate=16000&eot_threshold=0.8&eager_eot_threshold=0.5&eot_timeout_ms=3000&keyterm=a&keyterm=b&session_id=6f1c1b7e-51a4-4a6e-9d38-2c3f8f0b9a11&create_session=true');
  assert.ok(ok.ok);
  assert.deepEqual(ok.options.keyterm, ['a', 'b']);
  assert.equal(ok.createSession, true);
  const refused = (q: string) => {
    const r = v2(q);
    assert.ok(!r.ok, q);
    return r.error;
  };
  assert.match(refused('encoding=linear16&sample_rate=16000').message, /model is required/);
  assert.match(refused('model=nova-3').message, /Flux models/);
  assert.equal(refused('model=flux-general-en&eot_threshold=0.4').code, 'invalid_option');
  assert.equal(refused('model=flux-general-en&eot_timeout_ms=100').code, 'invalid_option');
  assert.equal(refused('model=flux-general-en&eager_eot_threshold=0.95').code, 'invalid_option');
  assert.equal(refused('model=flux-general-en&endpointing=300').code, 'unknown_option');
  assert.match(refused('model=flux-general-en&encoding=linear16').message, /sample_rate is required/);
  assert.match(refused('model=flux-general-en&repass=true').message, /repass/);
  const v1 = parseLiveQuery(new URLSearchParams('model=flux-general-en'));
  assert.ok(!v1.ok && /\/v2\/listen/.test(v1.error.message));
});
