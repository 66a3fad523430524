import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { DEFAULT_ENGINE_PYTHON, startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { ENGINE_SCRIPT } from '../../src/emulator/engine/engine-process.js';
import { transcode } from '../helpers/transcode.js';
import { BUELLER_WER_LIMIT, deepgramWords, PREAMBLE_WER_LIMIT, SPACEWALK_WER_LIMIT, wordErrorRate } from '../helpers/wer.js';
import { readAudio, readDeepgramFixture } from './fixtures.js';
import { sdkClient, thrown } from './helpers.js';
import { openLive, sleep, stream } from './live-helpers.js';

const PREAMBLE_REF = deepgramWords('prerecorded/prerecorded-nova3-smart-format-file-preamble.json');
const BUELLER_REF = deepgramWords('prerecorded/prerecorded-nova3-smart-format-url-bueller.json');
const SPACEWALK_REF = deepgramWords('prerecorded/prerecorded-nova2-paragraphs-spacewalk.json');
const LOSSY_PREAMBLE_WER_LIMIT = 0.1;
const transcriptOf = (res: any, channel = 0): string => res.results.channels[channel].alternatives[0].transcript;

/**
 * Engine mode needs `npm run setup` (faster-whisper, PyAV and the Whisper models in .tools/speech). Without it startDeepgramEmulator throws
 * and every test here fails, on purpose: CI runs the setup first, so a missing engine is a broken build.
 */
describe('emulator engine mode: real words from the local Whisper engine', () => {
  let emulator: DeepgramEmulator;
  const preamble = readAudio('preamble-rest.wav');
  const preamble16k = readAudio('preamble-16k.wav');

  before(async () => {
    emulator = await startDeepgramEmulator({ engine: 'whisper' });
  });
  after(async () => {
    await emulator?.close();
  });

  it('transcribes a real recording in Deepgram’s shape, words timed, model_info naming the engine', async () => {
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(preamble, { model: 'nova-3', smart_format: true })) as any;
    const fixture = readDeepgramFixture<any>('prerecorded', 'prerecorded-nova3-smart-format-file-preamble.json');
    const wer = wordErrorRate(PREAMBLE_REF, transcriptOf(res));
    assert.ok(wer <= PREAMBLE_WER_LIMIT, `WER ${wer.toFixed(3)}: ${transcriptOf(res)}`);
    assert.ok(Math.abs(res.metadata.duration - fixture.metadata.duration) < 0.01, `duration ${res.metadata.duration}`);
    assert.equal(res.metadata.sha256, fixture.metadata.sha256);
    const info = res.metadata.model_info[res.metadata.models[0]];
    assert.deepEqual(info, { name: 'local-whisper-base', version: `faster-whisper-${emulator.engine!.engineVersion}`, arch: 'whisper' });
    assert.equal(res.metadata.warnings[0].type, 'local_engine');
    assert.match(res.metadata.warnings[0].message, /local engine \(whisper-base/);

    const alt = res.results.channels[0].alternatives[0];
    assert.ok(alt.words.length >= 40, `${alt.words.length} words`);
    let previousEnd = 0;
    for (const w of alt.words) {
      assert.ok(w.start >= previousEnd - 1e-9 && w.end > w.start && w.end <= res.metadata.duration + 0.01, JSON.stringify(w));
      assert.ok(w.confidence >= 0 && w.confidence <= 1, JSON.stringify(w));
      assert.equal(typeof w.punctuated_word, 'string');
      previousEnd = w.end;
    }
    assert.ok(alt.confidence > 0 && alt.confidence <= 1);
    // Word confidence is Whisper's own probability per word, not a constant.
    assert.ok(new Set(alt.words.map((w: any) => w.confidence)).size > 5, 'word confidences vary');
    // Whisper's own punctuation and casing.
    assert.match(alt.transcript, /^We, the people of the United States, in order to form a more perfect union,/);
    assert.match(alt.transcript, /United States of America\.$/);
    assert.ok(alt.words.some((w: any) => w.word === 'states' && w.punctuated_word === 'States,'), 'punctuated_word keeps Whisper’s form');
    assert.ok(alt.paragraphs.paragraphs.length >= 1, 'smart_format adds paragraphs');
  });

  it('without punctuate: Deepgram’s lowercase words and transcript; utterances and detected language from Whisper', async () => {
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(readAudio('spacewalk.wav'), {
      utterances: true,
      detect_language: true,
    })) as any;
    const channel = res.results.channels[0];
    const alt = channel.alternatives[0];
    assert.equal(alt.transcript, alt.transcript.toLowerCase());
    assert.doesNotMatch(alt.transcript, /[,.?!]/);
    assert.ok(alt.words.every((w: any) => w.punctuated_word === undefined));
    const wer = wordErrorRate(SPACEWALK_REF, alt.transcript);
    assert.ok(wer <= SPACEWALK_WER_LIMIT, `WER ${wer.toFixed(3)}: ${alt.transcript}`);
    assert.equal(channel.detected_language, 'en');
    assert.ok(channel.language_confidence > 0.8 && channel.language_confidence <= 1, `language confidence ${channel.language_confidence}`);
    assert.ok(res.results.utterances.length >= 2, `${res.results.utterances.length} utterances`);
    const uttWords = res.results.utterances.flatMap((u: any) => u.words.map((w: any) => w.word));
    assert.deepEqual(uttWords, alt.words.map((w: any) => w.word), 'utterances cover the words once, in order');
  });

  it('model=whisper-tiny answers with the fast model; a Deepgram model name gets the configured default', async () => {
    const dg = sdkClient(emulator);
    const tiny = (await dg.listen.v1.media.transcribeFile(preamble, { model: 'whisper-tiny' })) as any;
    assert.equal(tiny.metadata.model_info[tiny.metadata.models[0]].name, 'local-whisper-tiny');
    const wer = wordErrorRate(PREAMBLE_REF, transcriptOf(tiny));
    assert.ok(wer <= 0.1, `tiny WER ${wer.toFixed(3)}: ${transcriptOf(tiny)}`);
    const nova = (await dg.listen.v1.media.transcribeFile(readAudio('testing-websocket.wav'), { model: 'nova-2' })) as any;
    assert.equal(nova.metadata.model_info[nova.metadata.models[0]].name, 'local-whisper-base');
  });

  it('decodes MP3, FLAC, Ogg Vorbis, Ogg Opus and 8 kHz μ-law WAV at any rate and channel count', async () => {
    const [flac, vorbis, opus] = await Promise.all([
      transcode(preamble16k, { format: 'flac', codec: 'flac', rate: 44100, channels: 2 }),
      transcode(preamble16k, { format: 'ogg', codec: 'vorbis', rate: 22050, channels: 2 }),
      transcode(preamble16k, { format: 'ogg', codec: 'libopus', rate: 48000, channels: 1 }),
    ]);
    const cases: Array<[string, Buffer, string[], number]> = [
      ['FLAC 44.1 kHz stereo', flac, PREAMBLE_REF, PREAMBLE_WER_LIMIT],
      // Lossy re-encodings of the preamble cost Whisper a word or two ("to ordain" → "do our day in" once in Opus).
      ['Ogg Vorbis 22.05 kHz stereo', vorbis, PREAMBLE_REF, LOSSY_PREAMBLE_WER_LIMIT],
      ['Ogg Opus 48 kHz mono', opus, PREAMBLE_REF, LOSSY_PREAMBLE_WER_LIMIT],
      ['WAV μ-law 8 kHz', readAudio('preamble-websocket.wav'), PREAMBLE_REF, PREAMBLE_WER_LIMIT],
      ['MP3 44.1 kHz stereo', readAudio('Bueller-Life-moves-pretty-fast.mp3'), BUELLER_REF, BUELLER_WER_LIMIT],
    ];
    const dg = sdkClient(emulator);
    await Promise.all(
      cases.map(async ([name, audio, reference, limit]) => {
        // Five decodes share the engine's per-core queue: give them more than the SDK's 60 s default on a busy machine.
        const res = (await dg.listen.v1.media.transcribeFile(audio, { punctuate: true }, { timeoutInSeconds: 300 })) as any;
        const wer = wordErrorRate(reference, transcriptOf(res));
        assert.ok(wer <= limit, `${name}: WER ${wer.toFixed(3)}: ${transcriptOf(res)}`);
        const seconds = reference === PREAMBLE_REF ? 19.1 : 17.57;
        assert.ok(Math.abs(res.metadata.duration - seconds) < 0.05, `${name}: duration ${res.metadata.duration}`);
      }),
    );
  });

  it('multichannel=true transcribes each channel of a stereo file separately', async () => {
    const flac = await transcode(preamble16k, { format: 'flac', codec: 'flac', rate: 16000, channels: 2 });
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(flac, { multichannel: true })) as any;
    assert.equal(res.metadata.channels, 2);
    assert.equal(res.results.channels.length, 2);
    for (const c of [0, 1]) {
      const wer = wordErrorRate(PREAMBLE_REF, transcriptOf(res, c));
      assert.ok(wer <= PREAMBLE_WER_LIMIT, `channel ${c}: WER ${wer.toFixed(3)}`);
    }
  });

  it('audio it cannot decode is Deepgram’s 400, with the decoder’s reason', async () => {
    const text = await thrown(() => sdkClient(emulator).listen.v1.media.transcribeFile(Buffer.from('this is not audio, just some text bytes'), {}));
    assert.equal(text.statusCode, 400);
    assert.equal(text.body.err_code, 'Bad Request');
    assert.match(text.body.err_msg, /^Bad Request: failed to process audio: corrupt or unsupported data \(.+\)$/);
    // One byte of "linear16" passes the byte-count probe, but is not a single sample.
    const res = await fetch(`${emulator.url}/v1/listen?encoding=linear16&sample_rate=16000`, {
      method: 'POST',
      headers: { authorization: 'Token emulator-key' },
      body: Buffer.from([1]),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as any;
    assert.match(body.err_msg, /corrupt or unsupported data \(no audio samples could be decoded/);
  });

  it('the engine needs no network: a worker in a network namespace of its own loads its model and transcribes', () => {
    // `unshare -n`: no interface but a downed loopback, so any attempt to fetch a model or phone home fails.
    const audio = readAudio('testing-websocket.wav');
    const request = Buffer.concat([Buffer.from(`${JSON.stringify({ op: 'transcribe', model: 'base', bytes: audio.length })}\n`), audio]);
    const run = spawnSync('unshare', ['-n', DEFAULT_ENGINE_PYTHON, '-E', '-s', '-B', '-u', ENGINE_SCRIPT, 'serve', '--model', 'base'], {
      input: request,
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr.toString());
    const [ready, result] = run.stdout.toString().trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(ready.event, 'ready');
    assert.equal(result.event, 'result');
    const words = result.segments[0].flatMap((s: any) => s.words.map((w: any) => w[0]));
    assert.match(words.join(' ').toLowerCase(), /testing/);
  });

  it('a worker that dies mid-request fails only that request (a 500 Deepgram clients retry) and is replaced', async () => {
    const workers = () =>
      execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('speech_engine.py serve'))
        .map((line) => Number(line.trim().split(/\s+/)[0]));
    const before = workers();
    assert.ok(before.length >= 1, 'the pool runs as child processes');
    const audio = readAudio('spacewalk.wav');
    const inFlight = fetch(`${emulator.url}/v1/listen`, { method: 'POST', headers: { authorization: 'Token emulator-key' }, body: audio });
    await sleep(800); // the decode takes seconds: kill every worker while it runs
    for (const pid of before) process.kill(pid, 'SIGKILL');
    const failed = await inFlight;
    assert.equal(failed.status, 500);
    // Once the pool has seen every worker go (its replacements are starting), the next request waits for one of them
    // to load its model instead of failing. (A request sent in the instant between a kill and the pool hearing of it
    // could still land on the dead worker: that is the one request a crash fails.)
    for (const deadline = Date.now() + 20_000; workers().filter((pid) => !before.includes(pid)).length < before.length && Date.now() < deadline; ) await sleep(100);
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(readAudio('testing-websocket.wav'), {}, { timeoutInSeconds: 120 })) as any;
    assert.match(transcriptOf(res), /testing/);
    const after = workers();
    assert.equal(after.length, before.length, 'as many workers as before');
    assert.ok(after.every((pid) => !before.includes(pid)), 'all of them new');
  });

  it('a registered transcript still wins over the engine (deterministic tests keep working)', async () => {
    const audio = readAudio('testing-websocket.wav');
    emulator.registerTranscript(audio, 'Testing one two three.');
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {})) as any;
    assert.equal(transcriptOf(res), 'testing one two three');
    assert.equal(res.metadata.model_info[res.metadata.models[0]].name, 'emulator-registered');
  });

  it('live: interim and final Results arrive while the audio streams in, with the same words as REST', async () => {
    const live = await openLive(emulator, { interim_results: 'true', vad_events: 'true', punctuate: 'true' });
    // 100 ms of 16 kHz linear16 every 100 ms: real time, as a microphone sends it (~19 s).
    await stream(live.conn, preamble16k, 3200, 100);
    const beforeClose = live.messages.filter((m) => m.type === 'Results' && m.channel.alternatives[0].words.length > 0).length;
    live.conn.sendCloseStream({ type: 'CloseStream' });
    const closed = await live.closed;
    assert.equal(closed.code, 1000);

    const results = live.messages.filter((m) => m.type === 'Results');
    const finals = results.filter((m) => m.is_final);
    // Results with words while audio is still arriving: decoded incrementally, not at CloseStream. (How many depends
    // on how busy the machine is; at 2x real time an idle one sends a dozen before the stream ends.)
    assert.ok(beforeClose >= 3, `only ${beforeClose} Results with words while streaming: not decoded incrementally`);
    assert.ok(results.some((m) => !m.is_final && m.channel.alternatives[0].words.length > 0), 'interim results with words');
    assert.ok(live.messages.some((m) => m.type === 'SpeechStarted'), 'SpeechStarted (vad_events)');
    const transcript = finals.map((m) => m.channel.alternatives[0].transcript).join(' ');
    const wer = wordErrorRate(PREAMBLE_REF, transcript);
    assert.ok(wer <= PREAMBLE_WER_LIMIT, `live WER ${wer.toFixed(3)}: ${transcript}`);
    for (let i = 1; i < finals.length; i++) {
      assert.ok(Math.abs(finals[i].start - (finals[i - 1].start + finals[i - 1].duration)) < 0.002, 'finals cover the audio end to end');
    }
    assert.equal(finals[0].metadata.model_info.name, 'local-whisper-base');
    const metadata = live.messages.find((m) => m.type === 'Metadata');
    assert.ok(Math.abs(metadata.duration - 19.098) < 0.01, `duration ${metadata.duration}`);
    assert.equal(metadata.model_info[metadata.models[0]].name, 'local-whisper-base');
  });

  it('live: bytes FFmpeg cannot decode close the socket with 1008 DATA-0000', async () => {
    const garbage = await openLive(emulator, {});
    garbage.conn.sendMedia(Buffer.from('definitely not audio '.repeat(500)));
    garbage.conn.sendCloseStream({ type: 'CloseStream' });
    const closed = await garbage.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /DATA-0000/);
  });

  it('live: an utterance ended by a pause becomes a speech_final final soon after the pause (npm run bench measures how soon)', async () => {
    // Real time: 3 s of speech ("we the people of the united states in"), then silence until the final arrives.
    const live = await openLive(emulator, { encoding: 'linear16', sample_rate: 16000, endpointing: 300 });
    const pcm = preamble16k.subarray(44, 44 + 16_000 * 2 * 3);
    await stream(live.conn, pcm, 3200, 100);
    const silence = Buffer.alloc(3200);
    const speechEnded = Date.now();
    let final: any;
    while (!final && Date.now() - speechEnded < 10_000) {
      live.conn.sendMedia(silence);
      await sleep(100);
      final = live.messages.find((m) => m.type === 'Results' && m.speech_final);
    }
    // How soon is a benchmark's question (`npm run bench`, engine live table), not a timed test's: the test needs
    // the pause, and nothing but silence after it, to end the utterance.
    assert.ok(final, 'a speech_final result while only silence follows the speech');
    assert.ok(final.channel.alternatives[0].words.some((w: any) => w.word === 'people'), JSON.stringify(final.channel.alternatives[0]));
    live.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await live.closed).code, 1000);
  });

  it('live: Finalize turns what was heard so far into a from_finalize final', async () => {
    const live = await openLive(emulator, { encoding: 'linear16', sample_rate: 16000 });
    const pcm = preamble16k.subarray(44);
    await stream(live.conn, pcm.subarray(0, 16_000 * 2 * 3), 8000, 0); // 3 s: "we the people of the united states in"
    live.conn.sendFinalize({ type: 'Finalize' });
    const deadline = Date.now() + 20_000;
    while (!live.messages.some((m) => m.from_finalize) && Date.now() < deadline) await sleep(50);
    const finalized = live.messages.find((m) => m.from_finalize);
    assert.ok(finalized, 'a from_finalize result');
    assert.equal(finalized.is_final, true);
    const heard = finalized.channel.alternatives[0].words.map((w: any) => w.word);
    assert.ok(heard.includes('people') && heard.includes('states'), `heard: ${heard.join(' ')}`);
    live.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await live.closed).code, 1000);
  });
});
