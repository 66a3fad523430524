import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { TESTING_TEXT, readAudio } from './fixtures.js';
import { thrown } from './helpers.js';
import { openSdkFlux } from '../helpers/live.js';
import { stream } from './live-helpers.js';

describe('emulator live /v2/listen (Flux)', () => {
  let emulator: DeepgramEmulator;
  const testing = readAudio('testing-websocket.wav');

  before(async () => {
    emulator = await startDeepgramEmulator({ liveIdleTimeoutMs: 2_000 });
    emulator.registerTranscript(testing, TESTING_TEXT);
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.close());

  /** The unmodified SDK's Flux client on the emulator. */
  const openFlux = (args: Record<string, unknown>) => openSdkFlux(emulator.url, args, { apiKey: 'emulator-key' });

  it('speaks in turns: Connected, StartOfTurn / Update / EndOfTurn per sentence, numbered messages, no Metadata, a close without a code', async () => {
    const flux = await openFlux({});
    await stream(flux.conn, testing, 1600, 5);
    flux.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await flux.closed).code, 1005, 'Flux closes without a status code');
    const { messages } = flux;
    assert.equal(messages[0].type, 'Connected');
    assert.deepEqual(messages.map((m) => m.sequence_id), messages.map((_, i) => i));
    assert.ok(messages.every((m) => m.request_id === messages[0].request_id));
    assert.ok(!messages.some((m) => m.type === 'Metadata' || m.type === 'Results'));
    const ends = messages.filter((m) => m.event === 'EndOfTurn');
    assert.deepEqual(ends.map((m) => m.transcript), ['Testing.', '123.', 'Testing.', '123.']);
    assert.deepEqual(ends.map((m) => m.turn_index), [0, 1, 2, 3]);
    assert.ok(ends.every((m) => m.trigger === 'model' && m.end_of_turn_confidence >= 0.7));
    for (const end of ends) {
      const turn = messages.filter((m) => m.type === 'TurnInfo' && m.turn_index === end.turn_index);
      assert.equal(turn[0].event, 'StartOfTurn');
      assert.ok(end.words.every((w: any) => w.start >= end.audio_window_start - 1e-6 && w.end <= end.audio_window_end + 1e-6), 'words inside the turn window');
    }
  });

  it('Configure: in-range thresholds and keyterms are acknowledged with the settings in force; out-of-range ones fail and change nothing', async () => {
    const flux = await openFlux({ eot_timeout_ms: 4000 });
    flux.conn.sendConfigure({ type: 'Configure', thresholds: { eot_threshold: 0.9 }, keyterms: ['Deepgram'] });
    flux.conn.sendConfigure({ type: 'Configure', thresholds: { eager_eot_threshold: 0.1 } });
    await stream(flux.conn, testing.subarray(0, 16_000), 1600, 5);
    flux.conn.sendCloseStream({ type: 'CloseStream' });
    await flux.closed;
    const acks = flux.messages.filter((m) => m.type.startsWith('Configure'));
    assert.deepEqual(acks.map((m) => m.type), ['ConfigureSuccess', 'ConfigureFailure']);
    assert.deepEqual(acks[0].thresholds, { eot_threshold: 0.9, eot_timeout_ms: 4000 });
    assert.deepEqual(acks[0].keyterms, ['Deepgram']);
    assert.equal(emulator.requests().at(-1)!.configures?.length, 2, 'the emulator records what it was sent');
  });

  it('refuses what Flux refuses: a missing or non-Flux model and out-of-range thresholds (400), a message it does not know (Error, then closed)', async () => {
    for (const args of [{ model: 'nova-3' }, { eot_threshold: 0.2 }, { eot_timeout_ms: 100 }]) {
      const err = await thrown(async () => (await openFlux(args)).conn.waitForOpen());
      assert.match(String(err?.message ?? err), /400/, JSON.stringify(args));
    }
    const ws = new WebSocket(`${emulator.url.replace(/^http/, 'ws')}/v2/listen?model=flux-general-en`, { headers: { authorization: 'Token emulator-key' } });
    const messages: any[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'KeepAlive' }));
    const code = await new Promise<number>((resolve) => ws.once('close', resolve));
    assert.equal(code, 1008);
    assert.deepEqual(messages.map((m) => [m.type, m.code]), [['Connected', undefined], ['Error', 'UNPARSABLE_CLIENT_MESSAGE']]);
  });
});
