import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { PREAMBLE_TEXT, TESTING_TEXT, readAudio, readDeepgramFixture } from './fixtures.js';
import { sdkClient, thrown, waitFor } from './helpers.js';
import { openLive, sleep, stream } from './live-helpers.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const keysOf = (o: object) => Object.keys(o).sort();

describe('emulator live /v1/listen', () => {
  let emulator: DeepgramEmulator;
  const preamble = readAudio('preamble-websocket.wav');
  const testing = readAudio('testing-websocket.wav');

  before(async () => {
    emulator = await startDeepgramEmulator({ liveIdleTimeoutMs: 400 });
    emulator.registerTranscript(preamble, PREAMBLE_TEXT);
    emulator.registerTranscript(testing, TESTING_TEXT);
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.close());

  it('streams a registered WAV: interim then final Results in order, the registered words as REST lays them out, Metadata last', async () => {
    const live = await openLive(emulator, { model: 'nova-3', interim_results: 'true', smart_format: 'true' });
    await stream(live.conn, preamble, 1600, 10); // 0.2 s of mu-law per 10 ms: ~20x real time
    live.conn.sendCloseStream({ type: 'CloseStream' });
    const closed = await live.closed;
    assert.equal(closed.code, 1000);

    const { messages } = live;
    const results = messages.filter((m) => m.type === 'Results');
    const finals = results.filter((m) => m.is_final);
    const interims = results.filter((m) => !m.is_final);
    assert.ok(interims.length >= 5, `interims: ${interims.length}`);
    assert.ok(results.indexOf(interims[0]) < results.indexOf(finals[0]), 'an interim comes first');
    // Finals tile the audio: each starts where the previous ended.
    for (let i = 1; i < finals.length; i++) {
      assert.ok(Math.abs(finals[i].start - (finals[i - 1].start + finals[i - 1].duration)) < 0.002, `final ${i} is contiguous`);
    }
    const text = finals.map((m) => m.channel.alternatives[0].transcript).filter(Boolean).join(' ');
    assert.equal(text, PREAMBLE_TEXT);
    assert.equal(finals.at(-1 - (finals.at(-1).channel.alternatives[0].words.length ? 0 : 1)).speech_final, true);

    // Same words, same timings as the REST transcription of the same bytes.
    const rest = (await sdkClient(emulator).listen.v1.media.transcribeFile(preamble, { model: 'nova-3', smart_format: true })) as any;
    const liveWords = finals.flatMap((m) => m.channel.alternatives[0].words);
    assert.deepEqual(liveWords, rest.results.channels[0].alternatives[0].words);

    // Message shape matches the real final Results fixture.
    const real = readDeepgramFixture<any>('live', 'live-results-final-nova2-preamble-websocket.json');
    const sample = finals[0];
    assert.deepEqual(keysOf(sample), keysOf(real));
    assert.deepEqual(Object.keys(sample)[0], 'type');
    assert.deepEqual(keysOf(sample.metadata), keysOf(real.metadata));
    assert.deepEqual(keysOf(sample.channel.alternatives[0].words[0]), keysOf(real.channel.alternatives[0].words[0]));
    assert.deepEqual(sample.channel_index, [0, 1]);
    assert.equal(sample.metadata.model_info.name, 'emulator-registered');
    assert.equal(sample.metadata.model_info.arch, 'nova-3');

    const metadata = messages.at(-1);
    assert.equal(metadata.type, 'Metadata');
    assert.equal(metadata.request_id, sample.metadata.request_id);
    assert.equal(metadata.sha256, sha256(preamble));
    assert.ok(Math.abs(metadata.duration - 19.098) < 0.01, `duration ${metadata.duration}`);
    assert.equal(metadata.channels, 1);
    assert.equal(metadata.transaction_key, 'deprecated');
    const [record] = emulator.requests();
    assert.equal(record?.kind, 'live');
    assert.equal(record?.id, metadata.request_id);
    assert.equal(record?.audioBytes, preamble.length);
    assert.equal(record?.status, 101);
  });

  it('raw linear16 without a registered transcript gets synthetic words; duration comes from the byte count', async () => {
    const pcm = readAudio('preamble-16k.wav').subarray(44, 44 + 16_000 * 2 * 4); // 4 s of samples, header stripped
    const live = await openLive(emulator, { model: 'nova-2', encoding: 'linear16', sample_rate: 16000, punctuate: 'true' });
    await stream(live.conn, pcm, 6400, 5);
    live.conn.sendCloseStream({ type: 'CloseStream' });
    await live.closed;
    const finals = live.messages.filter((m) => m.type === 'Results' && m.is_final);
    const words = finals.flatMap((m) => m.channel.alternatives[0].words);
    assert.ok(words.length >= 7 && words.length <= 13, `words: ${words.length}`);
    assert.equal(finals[0].metadata.model_info.name, 'emulator-synthetic');
    assert.equal(finals[0].metadata.model_info.arch, 'nova-2');
    assert.equal(live.messages.filter((m) => m.type === 'Results' && !m.is_final).length, 0, 'no interims unless asked');
    const metadata = live.messages.at(-1);
    assert.equal(metadata.duration, 4);
    assert.equal(metadata.sha256, sha256(pcm));
  });

  it('other containers (MP3) are timed from their bitrate; undecodable bytes close with 1008 DATA-0000', async () => {
    const mp3 = readAudio('Bueller-Life-moves-pretty-fast.mp3');
    const live = await openLive(emulator, { model: 'nova-3' });
    await stream(live.conn, mp3, 16_000, 2);
    live.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await live.closed).code, 1000);
    const metadata = live.messages.at(-1);
    assert.equal(metadata.type, 'Metadata');
    assert.ok(Math.abs(metadata.duration - 17.6) < 0.5, `duration ${metadata.duration}`);
    assert.equal(metadata.channels, 2);
    assert.ok(live.messages.some((m) => m.type === 'Results' && m.channel.alternatives[0].words.length > 0));

    const garbage = await openLive(emulator, { model: 'nova-3' });
    garbage.conn.sendMedia(Buffer.from('definitely not audio '.repeat(500)));
    const closed = await garbage.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /DATA-0000/);
  });

  it('closes an idle socket with 1011 NET-0001; KeepAlive keeps it open', async () => {
    const idle = await openLive(emulator, { model: 'nova-3' });
    const started = Date.now();
    const closed = await idle.closed;
    assert.equal(closed.code, 1011);
    assert.match(closed.reason, /NET-0001/);
    assert.ok(Date.now() - started >= 300 && Date.now() - started < 2000);

    const kept = await openLive(emulator, { model: 'nova-3' });
    let open = true;
    void kept.closed.then(() => (open = false));
    for (let i = 0; i < 8; i++) {
      kept.conn.sendKeepAlive({ type: 'KeepAlive' });
      await sleep(150);
    }
    assert.equal(open, true, 'still open after 1.2 s of KeepAlive');
    assert.equal(kept.messages.length, 0, 'KeepAlive gets no reply');
    kept.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await kept.closed).code, 1000);
    assert.deepEqual(kept.messages.map((m) => [m.type, m.duration, m.channels]), [['Metadata', 0, 0]]);
  });

  it('Finalize flushes pending words as a final with from_finalize: true', async () => {
    const live = await openLive(emulator, { model: 'nova-3', punctuate: 'true', endpointing: 'false' });
    await stream(live.conn, testing.subarray(0, 8000 * 2 + 58), 4000, 5); // the first 2 s
    await sleep(100);
    const before = live.messages.filter((m) => m.type === 'Results').length;
    live.conn.sendFinalize({ type: 'Finalize' });
    await waitFor(() => live.messages.some((m) => m.from_finalize), 2000, 'the Finalize result');
    const flushed = live.messages.find((m) => m.from_finalize);
    assert.equal(before, 0, 'without endpointing nothing was final before 3 s of audio');
    assert.equal(flushed.is_final, true);
    assert.equal(flushed.channel.alternatives[0].transcript, 'Testing. 123.');
    await stream(live.conn, testing.subarray(8000 * 2 + 58), 4000, 5);
    live.conn.sendCloseStream({ type: 'CloseStream' });
    await live.closed;
    const finals = live.messages.filter((m) => m.type === 'Results' && m.is_final);
    assert.equal(finals.map((m) => m.channel.alternatives[0].transcript).filter(Boolean).join(' '), TESTING_TEXT);
  });

  it('emits SpeechStarted with vad_events and UtteranceEnd after a long enough gap', async () => {
    const live = await openLive(emulator, { model: 'nova-3', interim_results: 'true', vad_events: 'true', utterance_end_ms: 1000 });
    const silence = Buffer.alloc(8000 * 2, 0xff); // 2 s of mu-law silence after the file's own audio
    await stream(live.conn, Buffer.concat([testing, silence]), 1600, 5);
    live.conn.sendCloseStream({ type: 'CloseStream' });
    await live.closed;
    const started = live.messages.filter((m) => m.type === 'SpeechStarted');
    assert.ok(started.length >= 1);
    assert.deepEqual(keysOf(started[0]), keysOf(readDeepgramFixture('live', 'live-speech-started-documented.json')));
    const firstWord = live.messages.find((m) => m.type === 'Results').channel.alternatives[0].words[0];
    assert.equal(started[0].timestamp, firstWord.start);
    const ends = live.messages.filter((m) => m.type === 'UtteranceEnd');
    assert.equal(ends.length, 1);
    assert.deepEqual(keysOf(ends[0]), keysOf(readDeepgramFixture('live', 'live-utterance-end-documented.json')));
    const lastWord = live.messages.filter((m) => m.type === 'Results' && m.is_final).flatMap((m) => m.channel.alternatives[0].words).at(-1);
    assert.equal(ends[0].last_word_end, lastWord.end);
    assert.ok(live.messages.at(-1).duration > 6.6);
  });

  it('a wrong key or bad parameters reject the handshake', async () => {
    const wrong = await thrown(() => openLive(emulator, { model: 'nova-3' }, 'wrong'));
    assert.match(String(wrong?.message ?? wrong), /401/);
    const bad = await thrown(() => openLive(emulator, { model: 'nova-3', encoding: 'bogus', sample_rate: 16000 }));
    assert.match(String(bad?.message ?? bad), /400/);
    const ws = new WebSocket(`${emulator.url.replace('http', 'ws')}/v1/listen?encoding=linear16&sample_rate=abc`, {
      headers: { authorization: 'Token emulator-key' },
    });
    ws.on('error', () => {});
    const response = await new Promise<any>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res)));
    assert.equal(response.statusCode, 400);
    assert.match(response.headers['dg-error'], /sample_rate/);
    assert.match(response.headers['dg-request-id'], /^[0-9a-f-]{36}$/);
    response.resume();
    ws.terminate();
  });

  it('accepts subprotocol auth and ends the stream on a zero-length binary frame', async () => {
    const ws = new WebSocket(`${emulator.url.replace('http', 'ws')}/v1/listen?model=nova-3`, ['token', 'emulator-key']);
    const messages: any[] = [];
    let requestId: string | undefined;
    ws.on('upgrade', (res) => (requestId = res.headers['dg-request-id'] as string));
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    assert.equal(ws.protocol, 'token');
    ws.send(testing);
    ws.send(Buffer.alloc(0));
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    assert.equal(code, 1000);
    assert.equal(messages.at(-1).type, 'Metadata');
    assert.equal(messages.at(-1).duration, 4.68);
    assert.equal(messages.at(-1).request_id, requestId, 'the 101 response carries dg-request-id');
  });

  it('live faults: status rejects the handshake, drop and dropAfterMs cut the socket, errorFrame closes 1011, latency delays messages', async () => {
    emulator.injectFault({ target: 'live', status: 429, retryAfterSeconds: 3 });
    const limited = await thrown(() => openLive(emulator, { model: 'nova-3' }));
    assert.match(String(limited?.message ?? limited), /429/);

    emulator.injectFault({ target: 'live', drop: true });
    const dropped = await openLive(emulator, { model: 'nova-3' });
    assert.equal((await dropped.closed).code, 1006);

    emulator.injectFault({ target: 'live', dropAfterMs: 150 });
    const mid = await openLive(emulator, { model: 'nova-3', interim_results: 'true' });
    const pump = stream(mid.conn, testing, 800, 40).catch(() => undefined);
    const midClose = await mid.closed;
    assert.equal(midClose.code, 1006);
    await pump;

    emulator.injectFault({ target: 'live', dropAfterMs: 100, errorFrame: true });
    const errored = await openLive(emulator, { model: 'nova-3' });
    const errClose = await errored.closed;
    assert.equal(errClose.code, 1011);
    assert.match(errClose.reason, /NET-0000/);

    emulator.injectFault({ target: 'live', latencyMs: 300 });
    const slow = await openLive(emulator, { model: 'nova-3' });
    slow.conn.sendMedia(testing);
    const sentAt = Date.now();
    slow.conn.sendCloseStream({ type: 'CloseStream' });
    await slow.closed;
    assert.ok(Date.now() - sentAt >= 290, 'messages were delayed');
    assert.equal(slow.messages.at(-1).type, 'Metadata');

    const faults = emulator.requests().map((r) => r.fault);
    assert.deepEqual(faults, ['status 429, retry-after 3s', 'drop', 'drop after 150ms', 'drop after 100ms, error frame', 'latency 300ms']);
    await waitFor(() => emulator.stats().liveOpen === 0, 2000, 'all live sockets closed');
  });
});
