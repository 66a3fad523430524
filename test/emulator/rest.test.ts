import { DeepgramError } from '@deepgram/sdk';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { PREAMBLE_TEXT, readAudio, readDeepgramFixture } from './fixtures.js';
import { sdkClient, startLocalServer, thrown, type LocalServer } from './helpers.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const keysOf = (o: object) => Object.keys(o).sort();

describe('emulator REST /v1/listen', () => {
  let emulator: DeepgramEmulator;
  let media: LocalServer;
  const preamble = readAudio('preamble-rest.wav');
  const buellerMp3 = readAudio('Bueller-Life-moves-pretty-fast.mp3');
  const fixture = readDeepgramFixture<any>('prerecorded', 'prerecorded-nova3-smart-format-file-preamble.json');

  before(async () => {
    emulator = await startDeepgramEmulator();
    emulator.registerTranscript(preamble, PREAMBLE_TEXT);
    media = await startLocalServer((req, res) => {
      if (req.url === '/bueller.mp3') {
        res.writeHead(200, { 'content-type': 'audio/mpeg' });
        res.end(buellerMp3);
      } else {
        res.writeHead(404);
        res.end('missing');
      }
    });
  });
  after(async () => {
    await media.close();
    await emulator.close();
  });

  it('transcribeFile returns the registered text, real duration and the same sha256 as the real API', async () => {
    const dg = sdkClient(emulator);
    const { data, rawResponse } = await dg.listen.v1.media
      .transcribeFile({ data: preamble, contentType: 'audio/wav' }, { model: 'nova-3', smart_format: true })
      .withRawResponse();
    assert.ok('results' in data);
    const res = data as any;
    const alt = res.results.channels[0].alternatives[0];
    assert.equal(alt.transcript, PREAMBLE_TEXT);
    assert.equal(res.metadata.sha256, fixture.metadata.sha256);
    assert.ok(Math.abs(res.metadata.duration - fixture.metadata.duration) < 0.001, `duration ${res.metadata.duration}`);
    assert.equal(res.metadata.channels, 1);
    assert.equal(res.metadata.transaction_key, 'deprecated');
    assert.equal(rawResponse.headers.get('dg-request-id'), res.metadata.request_id);
    assert.match(res.metadata.request_id, /^[0-9a-f-]{36}$/);
    const [uuid] = res.metadata.models;
    assert.deepEqual(res.metadata.model_info[uuid], { name: 'emulator-registered', version: 'general-nova-3-emulator', arch: 'nova-3' });
    assert.equal(res.metadata.warnings, undefined);
    // Same shape as the real nova-3 response, field by field.
    assert.deepEqual(keysOf(res), keysOf(fixture));
    assert.deepEqual(keysOf(res.metadata), keysOf(fixture.metadata));
    assert.deepEqual(keysOf(alt), keysOf(fixture.results.channels[0].alternatives[0]));
    assert.deepEqual(keysOf(alt.words[0]), keysOf(fixture.results.channels[0].alternatives[0].words[0]));
    assert.deepEqual(keysOf(alt.paragraphs.paragraphs[0]), keysOf(fixture.results.channels[0].alternatives[0].paragraphs.paragraphs[0]));
    // Words: same count and text as the real response, spread over the audio in order.
    assert.equal(alt.words.length, fixture.results.channels[0].alternatives[0].words.length);
    assert.deepEqual(alt.words.map((w: any) => w.punctuated_word).join(' '), PREAMBLE_TEXT);
    assert.equal(alt.words[0].word, 'we');
    assert.equal(alt.words[0].punctuated_word, 'We,');
    let previousEnd = 0;
    for (const w of alt.words) {
      assert.ok(w.start >= previousEnd && w.end > w.start, `word ${w.word} ${w.start}-${w.end}`);
      previousEnd = w.end;
    }
    assert.ok(alt.words[0].start > 0, 'leading gap');
    assert.ok(previousEnd < res.metadata.duration, 'trailing gap');
    assert.ok(previousEnd > res.metadata.duration - 1, 'words cover the audio');
    assert.equal(alt.paragraphs.transcript, `\n${PREAMBLE_TEXT}`);
    assert.equal(alt.paragraphs.paragraphs[0].num_words, 52);
  });

  it('without punctuate/smart_format the transcript is lowercase words and there is no punctuated_word', async () => {
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(preamble, { model: 'nova-2' })) as any;
    const alt = res.results.channels[0].alternatives[0];
    assert.ok(alt.transcript.startsWith('we the people of the united states in order'));
    assert.equal(alt.words[0].punctuated_word, undefined);
    assert.equal(alt.paragraphs, undefined);
    assert.equal(res.metadata.model_info[res.metadata.models[0]].arch, 'nova-2');
  });

  it('transcribeUrl fetches the media from the URL', async () => {
    const res = (await sdkClient(emulator).listen.v1.media.transcribeUrl({ url: `${media.url}/bueller.mp3`, model: 'nova-3' })) as any;
    assert.equal(res.metadata.sha256, sha256(buellerMp3));
    assert.ok(Math.abs(res.metadata.duration - 17.6) < 0.1, `duration ${res.metadata.duration}`);
    const rec = emulator.requests().find((r) => r.id === res.metadata.request_id);
    assert.equal(rec?.sourceUrl, `${media.url}/bueller.mp3`);
    assert.equal(rec?.audioBytes, buellerMp3.length);
    assert.equal(rec?.status, 200);
  });

  it('transcribeUrl of a missing file is a 400 REMOTE_CONTENT_ERROR', async () => {
    const err = await thrown(() => sdkClient(emulator).listen.v1.media.transcribeUrl({ url: `${media.url}/nope.wav` }));
    assert.equal(err instanceof DeepgramError, true);
    assert.equal(err.statusCode, 400);
    assert.equal(err.body.err_code, 'REMOTE_CONTENT_ERROR');
    assert.match(err.body.err_msg, /404/);
  });

  it('unregistered audio gets a deterministic synthetic transcript that is marked as synthetic', async () => {
    const dg = sdkClient(emulator);
    const audio = readAudio('spacewalk.wav');
    const a = (await dg.listen.v1.media.transcribeFile(audio, { model: 'nova-3', punctuate: true })) as any;
    const b = (await dg.listen.v1.media.transcribeFile(audio, { model: 'nova-3', punctuate: true })) as any;
    const altA = a.results.channels[0].alternatives[0];
    assert.equal(altA.transcript, b.results.channels[0].alternatives[0].transcript);
    assert.notEqual(a.metadata.request_id, b.metadata.request_id);
    assert.equal(a.metadata.model_info[a.metadata.models[0]].name, 'emulator-synthetic');
    assert.deepEqual(a.metadata.warnings, [
      { parameter: 'emulator', type: 'synthetic_transcript', message: 'No transcript is registered for this audio; the words are synthetic.' },
    ]);
    const expectedWords = Math.round(25.93 * 2.5);
    assert.equal(altA.words.length, expectedWords);
    assert.ok(altA.words.every((w: any) => w.end <= a.metadata.duration));
  });

  it('a wrong key is a 401 INVALID_AUTH', async () => {
    const err = await thrown(() =>
      sdkClient(emulator, 'wrong-key').listen.v1.media.transcribeUrl({ url: `${media.url}/bueller.mp3` }),
    );
    assert.equal(err instanceof DeepgramError, true);
    assert.equal(err.statusCode, 401);
    assert.equal(err.body.err_code, 'INVALID_AUTH');
    assert.equal(err.body.err_msg, 'Invalid credentials.');
    assert.match(err.body.request_id, /^[0-9a-f-]{36}$/);
    const rec = emulator.requests().find((r) => r.id === err.body.request_id);
    assert.equal(rec?.status, 401);
    assert.equal(rec?.sourceUrl, `${media.url}/bueller.mp3`, 'rejected requests still record their source');
  });

  it('audio it cannot decode is a 400 with the corrupt-audio body', async () => {
    const err = await thrown(() =>
      sdkClient(emulator).listen.v1.media.transcribeFile(Buffer.from('this is not audio, just some text bytes'), {}),
    );
    assert.equal(err.statusCode, 400);
    const documented = readDeepgramFixture<any>('errors', 'error-400-corrupt-audio-documented.json');
    assert.equal(err.body.err_code, documented.err_code);
    assert.equal(err.body.err_msg, documented.err_msg);
  });

  it('invalid JSON with a JSON content type is the legacy 400 body', async () => {
    const res = await fetch(`${emulator.url}/v1/listen`, {
      method: 'POST',
      headers: { authorization: 'Token emulator-key', 'content-type': 'application/json' },
      body: '{"url": ',
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as any;
    assert.equal(body.err_msg, 'Content-type was application/json, but we could not process the JSON payload.');
  });

  it('raw linear16 audio takes its duration from the byte count', async () => {
    const raw = Buffer.alloc(16_000 * 2 * 3); // 3 s of 16 kHz mono silence
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(
      raw,
      { encoding: 'linear16' },
      { queryParams: { sample_rate: 16000, channels: 1 } },
    )) as any;
    assert.equal(res.metadata.duration, 3);
    const bad = await thrown(() =>
      sdkClient(emulator).listen.v1.media.transcribeFile(raw, { encoding: 'linear16' }, { queryParams: { sample_rate: 'abc' } }),
    );
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.body.err_code, 'INVALID_QUERY_PARAMETER');
  });

  it('echoes tags and extra, and adds diarization, utterances and detected language', async () => {
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(preamble, {
      model: 'nova-3',
      diarize: true,
      utterances: true,
      punctuate: true,
      detect_language: true,
      tag: ['job-1', 'tenant-a'],
      extra: 'callback_secret:abc',
    })) as any;
    assert.deepEqual(res.metadata.tags, ['job-1', 'tenant-a']);
    assert.deepEqual(res.metadata.extra, { callback_secret: 'abc' });
    const channel = res.results.channels[0];
    assert.equal(channel.detected_language, 'en');
    const word = channel.alternatives[0].words[0];
    assert.equal(word.speaker, 0);
    assert.equal(typeof word.speaker_confidence, 'number');
    assert.ok(res.results.utterances.length >= 1);
    const utterance = res.results.utterances[0];
    assert.deepEqual(keysOf(utterance), ['channel', 'confidence', 'end', 'id', 'speaker', 'start', 'transcript', 'words']);
    assert.equal(res.results.utterances.map((u: any) => u.transcript).join(' '), PREAMBLE_TEXT);
  });

  it('multichannel reports every channel of stereo audio', async () => {
    const stereo = readAudio('Bueller-Life-moves-pretty-fast.wav');
    const plain = (await sdkClient(emulator).listen.v1.media.transcribeFile(stereo, {})) as any;
    assert.equal(plain.metadata.channels, 1);
    const multi = (await sdkClient(emulator).listen.v1.media.transcribeFile(stereo, { multichannel: true })) as any;
    assert.equal(multi.metadata.channels, 2);
    assert.equal(multi.results.channels.length, 2);
  });
});
