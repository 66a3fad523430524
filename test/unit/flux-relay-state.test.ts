import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FluxRelayState } from '../../src/live-relay/flux-relay-state.js';

let upstreamSequence = 0;
const turn = (event: string, turnIndex: number, start: number, end: number, transcript: string, extra: Record<string, unknown> = {}) => ({
  type: 'TurnInfo',
  request_id: 'dg-socket',
  sequence_id: upstreamSequence++,
  event,
  turn_index: turnIndex,
  audio_window_start: start,
  audio_window_end: end,
  transcript,
  words: transcript ? [{ word: transcript, confidence: 0.8, start, end }] : [],
  end_of_turn_confidence: event === 'EndOfTurn' ? 0.9 : 0.1,
  ...extra,
});
const connected = (requestId: string) => ({ type: 'Connected', request_id: requestId, sequence_id: 0 });

test('one Flux stream for the client across Deepgram sockets: one Connected, its own sequence ids, turns on the session timeline', () => {
  const state = new FluxRelayState({ sessionId: 'session-1', base: 0, nextSeq: 0 });
  state.socketOpened(0);
  const hello = state.upstreamMessage(connected('dg-1')).forward as any;
  assert.deepEqual(hello, { type: 'Connected', request_id: 'session-1', sequence_id: 0 });
  assert.equal((state.upstreamMessage(turn('StartOfTurn', 0, 0, 0.5, 'hello')).forward as any).sequence_id, 1);
  const end = state.upstreamMessage(turn('EndOfTurn', 0, 0, 1.2, 'hello there', { trigger: 'model' }));
  assert.equal(end.store?.seq, 0);
  assert.equal(end.store?.transcript, 'hello there');
  assert.equal(end.store?.speechFinal, true);
  assert.equal(end.committedSince, 1.2);
  state.upstreamMessage(turn('StartOfTurn', 1, 1.2, 1.8, 'and'));

  // The socket drops mid-turn 1; the next one hears the audio again from 1.2 s (the end of the last turn).
  state.socketOpened(1.2);
  assert.equal(state.upstreamMessage(connected('dg-2')).forward, null, 'the client saw Connected once');
  const again = state.upstreamMessage(turn('StartOfTurn', 0, 0, 0.6, 'and')).forward as any;
  assert.equal(again.event, 'Update', 'the turn the client saw start goes on');
  assert.equal(again.turn_index, 1);
  assert.equal(again.audio_window_start, 1.2);
  assert.equal(again.words[0].start, 1.2);
  assert.equal(again.sequence_id, 4, 'Connected, StartOfTurn, EndOfTurn, StartOfTurn came before');
  const second = state.upstreamMessage(turn('EndOfTurn', 0, 0, 1, 'and more'));
  assert.equal((second.forward as any).turn_index, 1);
  assert.equal(second.store?.seq, 1);
  assert.equal(second.store?.start, 1.2);
  assert.equal(second.store?.end, 2.2);
  const third = state.upstreamMessage(turn('StartOfTurn', 1, 1, 1.5, 'next')).forward as any;
  assert.equal(third.event, 'StartOfTurn');
  assert.equal(third.turn_index, 2);
  assert.deepEqual(state.requestIds(), ['dg-1', 'dg-socket', 'dg-2']);
  assert.equal(state.committedSeconds(), 2.2);
});

test('a resumed session continues its turn numbering and timeline from the stored turns', () => {
  const state = new FluxRelayState({ sessionId: 's', base: 30, nextSeq: 7 });
  state.socketOpened(0);
  const end = state.upstreamMessage(turn('EndOfTurn', 0, 0, 2, 'later'));
  assert.equal((end.forward as any).turn_index, 7);
  assert.equal(end.store?.seq, 7);
  assert.equal(end.store?.start, 30);
  assert.equal(end.committedSince, 2, 'relative to the relay\'s own audio');
});

test('Configure: the client is acknowledged once; what it set is sent again to every new socket, whose acknowledgement it never sees', () => {
  const state = new FluxRelayState({ sessionId: 's', base: 0, nextSeq: 0 });
  state.socketOpened(0);
  assert.deepEqual(state.configurationToReapply(), [], 'nothing to re-apply on the first socket');
  state.clientConfigure({ type: 'Configure', thresholds: { eot_threshold: 0.8 } }, true);
  const ack = state.upstreamMessage({ type: 'ConfigureSuccess', request_id: 'dg-1', thresholds: { eot_threshold: 0.8, eot_timeout_ms: 5000 }, keyterms: [], sequence_id: 4 });
  assert.equal((ack.forward as any).type, 'ConfigureSuccess');
  assert.equal((ack.forward as any).request_id, 's');

  // A second Configure goes out, and the socket drops before Deepgram answers it.
  state.clientConfigure({ type: 'Configure', keyterms: ['Temporal'] }, true);
  state.socketOpened(0);
  assert.deepEqual(state.configurationToReapply(), [
    { type: 'Configure', thresholds: { eot_threshold: 0.8, eot_timeout_ms: 5000 }, keyterms: [] },
    { type: 'Configure', keyterms: ['Temporal'] },
  ]);
  assert.equal(state.upstreamMessage({ type: 'ConfigureSuccess', request_id: 'dg-2', thresholds: { eot_threshold: 0.8, eot_timeout_ms: 5000 }, keyterms: [] }).forward, null, 'the re-applied configuration is ours');
  const answered = state.upstreamMessage({ type: 'ConfigureSuccess', request_id: 'dg-2', thresholds: { eot_threshold: 0.8, eot_timeout_ms: 5000 }, keyterms: ['Temporal'] }).forward as any;
  assert.deepEqual(answered.keyterms, ['Temporal'], 'the client hears about its own Configure');

  // Sent while no socket was open: the next socket gets it, and its answer goes to the client.
  state.clientConfigure({ type: 'Configure', thresholds: { eot_timeout_ms: 900 } }, false);
  state.socketOpened(0);
  assert.equal(state.configurationToReapply().length, 2);
  assert.equal(state.upstreamMessage({ type: 'ConfigureSuccess', keyterms: ['Temporal'] }).forward, null);
  assert.equal((state.upstreamMessage({ type: 'ConfigureFailure', request_id: 'dg-3' }).forward as any).type, 'ConfigureFailure');
});

test('a turn Deepgram ends again from replayed audio is not ended twice; Flux closes after our CloseStream with 1000 or 1005', () => {
  const state = new FluxRelayState({ sessionId: 's', base: 0, nextSeq: 0 });
  state.socketOpened(0);
  state.upstreamMessage(turn('EndOfTurn', 0, 0, 2, 'one'));
  state.socketOpened(1.5); // a replay from before the last turn's end (container audio cut late)
  assert.equal(state.upstreamMessage(turn('EndOfTurn', 0, 0, 0.5, 'one')).forward, null);
  assert.deepEqual(state.upstreamClosed({ code: 1005, reason: '' }, { closeSent: true, replayable: true }), { action: 'finish' });
  assert.deepEqual(state.upstreamClosed({ code: 1006, reason: '' }, { closeSent: false, replayable: true }), { action: 'reconnect' });
  assert.equal(state.upstreamClosed({ code: 1008, reason: 'DATA-0000' }, { closeSent: false, replayable: true }).action, 'fail');
});
