import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AudioClock } from '../../src/live-relay/audio-clock.js';
import { ReplayBuffer } from '../../src/live-relay/replay-buffer.js';
import { finalSegmentOf, toSessionTimeline } from '../../src/live-relay/timeline.js';
import { silentWav } from '../helpers/audio.js';

const results = (start: number, duration: number, isFinal: boolean) => ({
  type: 'Results',
  channel_index: [0, 1],
  start,
  duration,
  is_final: isFinal,
  speech_final: isFinal,
  channel: { alternatives: [{ transcript: 'hello there', confidence: 0.9, words: [{ word: 'hello', start: start + 0.1, end: start + 0.4 }, { word: 'there', start: start + 0.5, end: start + 0.9 }] }] },
  metadata: { request_id: 'deepgram-socket-2', model_uuid: 'm' },
});

test('a reconnected socket\'s results are moved onto the session timeline, under the session id', () => {
  const shifted = toSessionTimeline(results(0, 1.2, true), 6.3, 'session-1') as any;
  assert.equal(shifted.start, 6.3);
  assert.equal(shifted.duration, 1.2);
  assert.deepEqual(shifted.channel.alternatives[0].words.map((w: any) => [w.start, w.end]), [[6.4, 6.7], [6.8, 7.2]]);
  assert.equal(shifted.metadata.request_id, 'session-1');
  assert.equal(shifted.metadata.model_uuid, 'm');
  assert.deepEqual(toSessionTimeline({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: 1.5 }, 2, 's'), { type: 'UtteranceEnd', channel: [0, 1], last_word_end: 3.5 });
  assert.deepEqual(toSessionTimeline({ type: 'SpeechStarted', channel: [0, 1], timestamp: 0.2 }, 0.1, 's'), { type: 'SpeechStarted', channel: [0, 1], timestamp: 0.3 });
  const original = results(1, 1, false);
  toSessionTimeline(original, 5, 's');
  assert.equal(original.start, 1, 'the upstream message is not modified');
});

test('only final results become stored segments', () => {
  assert.equal(finalSegmentOf(results(0, 1, false)), undefined);
  const segment = finalSegmentOf(toSessionTimeline(results(0, 1.2, true), 2, 's'));
  assert.deepEqual({ ...segment, words: undefined }, { channel: 0, start: 2, end: 3.2, transcript: 'hello there', confidence: 0.9, speechFinal: true, fromFinalize: false, words: undefined });
});

test('the replay buffer keeps the audio after the last final, bounded, with byte positions intact', () => {
  const buffer = new ReplayBuffer(10);
  buffer.push(Buffer.from('abcd'));
  buffer.push(Buffer.from('efgh'));
  buffer.trimTo(3);
  assert.equal(buffer.start, 3);
  assert.equal(Buffer.concat(buffer.contents()).toString(), 'defgh');
  buffer.push(Buffer.from('ijklmnop'));
  assert.equal(buffer.overflowed, true);
  assert.equal(buffer.bytes, 10);
  assert.equal(buffer.start, 6);
  assert.equal(Buffer.concat(buffer.contents()).toString(), 'ghijklmnop');
  buffer.trimTo(100);
  assert.equal(buffer.bytes, 0);
  assert.equal(buffer.start, 16, 'never past what was received');
});

test('raw PCM is timed from its parameters; cuts fall on sample frames', () => {
  const clock = new AudioClock({ encoding: 'linear16', sample_rate: '16000', channels: '2' });
  assert.equal(clock.state, 'timed');
  clock.push(Buffer.alloc(32_000));
  assert.equal(clock.seconds, 0.5);
  assert.equal(clock.bytesFor(0.25), 16_000);
  assert.equal(clock.bytesFor(0.10001) % 4, 0);
});

test('a WAV stream is timed from its header, which is kept for the next socket', () => {
  const wav = silentWav(1, 8000);
  const clock = new AudioClock({});
  assert.equal(clock.push(wav.subarray(0, 20)).length, 0, 'nothing released while the header is incomplete');
  const data = clock.push(wav.subarray(20, 8044));
  assert.equal(clock.state, 'timed');
  assert.equal(clock.header?.length, 44);
  assert.equal(data.length, 8000);
  assert.equal(clock.seconds, 0.5);
});

test('other containers cannot be cut by bytes: untimed, passed through', () => {
  const clock = new AudioClock({});
  const mp3 = Buffer.from([0xff, 0xfb, 0x90, 0x64, 1, 2, 3]);
  assert.deepEqual(clock.push(mp3), mp3);
  assert.equal(clock.state, 'untimed');
  assert.equal(clock.bytesFor(1), 0);
  assert.equal(new AudioClock({ encoding: 'opus', sample_rate: '48000' }).state, 'untimed');
});
