import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RelayState } from '../../src/live-relay/relay-state.js';

const final = (start: number, duration: number, transcript: string, extra: Record<string, unknown> = {}) => ({
  type: 'Results',
  is_final: true,
  start,
  duration,
  channel_index: [0, 1],
  channel: { alternatives: [{ transcript, confidence: 0.9, words: [{ word: transcript, start, end: start + duration }] }] },
  metadata: { request_id: 'dg-socket-1' },
  ...extra,
});

test('finals are numbered from where the session left off and moved onto its timeline (a resume starts at its base)', () => {
  const state = new RelayState({ sessionId: 'session-1', base: 10, nextSeq: 4, channels: 1 });
  state.socketOpened(0);
  const first = state.upstreamMessage(final(0, 1.5, 'hello'));
  assert.equal(first.store?.seq, 4);
  assert.equal(first.store?.start, 10);
  assert.equal(first.store?.end, 11.5);
  assert.equal((first.forward as any).start, 10);
  assert.equal((first.forward as any).metadata.request_id, 'session-1', 'the client holds one id for the whole session');
  assert.equal(first.committedSince, 1.5, 'audio before 1.5 s of this relay can be forgotten');
  assert.equal(state.upstreamMessage(final(1.5, 1, 'world')).store?.seq, 5);
  assert.equal(state.committedSeconds(), 12.5);
  assert.deepEqual(state.lastFinal(), { seq: 5, start: 11.5, end: 12.5, transcript: 'world' });
  assert.deepEqual(state.requestIds(), ['dg-socket-1']);
});

test('after a reconnect the new socket starts at the replayed audio, so its finals continue the timeline', () => {
  const state = new RelayState({ sessionId: 's', base: 0, nextSeq: 0, channels: 1 });
  state.socketOpened(0);
  state.upstreamMessage(final(0, 2, 'one'));
  // The socket dropped; the replay starts at 2 s (what the first final covered), and the new socket counts from 0.
  state.socketOpened(2);
  const next = state.upstreamMessage(final(0, 1, 'two', { metadata: { request_id: 'dg-socket-2' } }));
  assert.equal(next.store?.start, 2);
  assert.equal(next.store?.seq, 1);
  assert.deepEqual(state.requestIds(), ['dg-socket-1', 'dg-socket-2']);
});

test('interim results pass through shifted, are not stored, and still extend how far results reached', () => {
  const state = new RelayState({ sessionId: 's', base: 5, nextSeq: 0, channels: 1 });
  state.socketOpened(0);
  const interim = state.upstreamMessage({ ...final(0, 3, 'partial'), is_final: false });
  assert.equal(interim.store, undefined);
  assert.equal((interim.forward as any).start, 5);
  assert.equal(state.resultsEnd(), 8);
  const other = state.upstreamMessage({ type: 'SpeechStarted', timestamp: 1 });
  assert.equal((other.forward as any).timestamp, 6);
});

test('multichannel: a channel already past the replay point hears audio again, and those repeated finals are dropped', () => {
  const state = new RelayState({ sessionId: 's', base: 0, nextSeq: 0, channels: 2 });
  state.socketOpened(0);
  const left = state.upstreamMessage(final(0, 4, 'left', { channel_index: [0, 2] }));
  assert.equal(left.committedSince, undefined, 'nothing is committed until every channel has a final');
  const right = state.upstreamMessage(final(0, 2, 'right', { channel_index: [1, 2] }));
  assert.equal(right.committedSince, 2, 'the slowest channel decides');
  // Reconnect: the replay starts at 2 s, the slowest channel's end.
  state.socketOpened(2);
  const repeat = state.upstreamMessage(final(0, 2, 'left again', { channel_index: [0, 2] }));
  assert.equal(repeat.forward, null, 'channel 0 already had its finals up to 4 s');
  assert.equal(repeat.store, undefined);
  const fresh = state.upstreamMessage(final(0, 1, 'right goes on', { channel_index: [1, 2] }));
  assert.equal(fresh.store?.start, 2);
});

test('a closing socket: finished after our CloseStream, failed on 1008 or unreplayable audio, otherwise reconnected', () => {
  const state = new RelayState({ sessionId: 's', base: 0, nextSeq: 0, channels: 1 });
  const at = (code: number, context: Partial<{ closeSent: boolean; gotMetadata: boolean; replayable: boolean }> = {}) =>
    state.upstreamClosed({ code, reason: code === 1008 ? 'DATA-0000' : '' }, { closeSent: false, gotMetadata: false, replayable: true, ...context });
  assert.deepEqual(at(1000, { closeSent: true }), { action: 'finish' });
  assert.deepEqual(at(1006, { closeSent: true, gotMetadata: true }), { action: 'finish' });
  assert.deepEqual(at(1008), { action: 'fail', code: 1008, message: 'Deepgram closed the stream: DATA-0000', reason: 'DATA-0000' });
  assert.equal((at(1006, { replayable: false }) as { code: number }).code, 1011);
  assert.deepEqual(at(1006), { action: 'reconnect' });
  assert.deepEqual(at(1011, { closeSent: true }), { action: 'reconnect' }, 'an error before Metadata: the flush is retried on a new socket');
});
