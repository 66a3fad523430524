import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson } from '../helpers/stack.js';
import { eventually, openRawLive, openSdkFlux, refusedUpgrade, sendAudio, type RawLive } from '../helpers/live.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

/** Five sentences over the preamble recording: five Flux turns on the emulator. */
const TURNS = [
  'We, the people of the United States, in order to form a more perfect union.',
  'Establish justice, insure domestic tranquility.',
  'Provide for the common defense.',
  'Promote the general welfare, and secure the blessings of liberty to ourselves and our posterity.',
  'Do ordain and establish this constitution for the United States of America.',
];
const FILE = 'preamble-16k.wav';
/** Its audio, in seconds (the WAV's data chunk). */
const DURATION = 19.098;

describeWithStack(
  'Flux (/v2/listen) through the platform: turns, Configure, ForceEndTurn, durable across Deepgram drops',
  {
    transcripts: { [FILE]: TURNS.join(' ') },
    stack: { worker: false, env: { LIVE_PERSIST_INTERVAL_MS: '200' } },
    streaming: 'on-api-port',
  },
  (t) => {
    const wav = () => t.audio(FILE);
    const wsUrl = (path: string, query: string) => `${t.stack.api.url.replace(/^http/, 'ws')}${path}?${query}`;
    const session = async (id: string) => (await getJson(t.stack.url(`/v1/streams/${id}`))).body;
    const ended = (id: string) => eventually(async () => ((await session(id)).status === 'ended' ? session(id) : undefined), 20_000, `session ${id} to end`);
    const liveRequests = () => t.parts.emulator.requests().filter((r) => r.kind === 'live');
    const turnsOf = (messages: any[]) => messages.filter((m) => m.type === 'TurnInfo' && m.event === 'EndOfTurn');

    /** The unmodified Deepgram SDK's Flux client (`listen.v2`) on our base URL. */
    const openFlux = (args: Record<string, unknown>) => openSdkFlux(t.stack.api.url, args);

    /** What every Flux client relies on: one Connected first, sequence ids 0, 1, 2, … and turns 0, 1, 2, … each ended once. */
    function assertOneFluxStream(messages: any[], sessionId: string) {
      assert.equal(messages[0].type, 'Connected');
      assert.equal(messages.filter((m) => m.type === 'Connected').length, 1, 'one Connected, whatever happened upstream');
      assert.deepEqual(messages.map((m) => m.sequence_id), messages.map((_, i) => i), 'sequence ids count every message from 0');
      assert.ok(messages.filter((m) => 'request_id' in m).every((m) => m.request_id === sessionId), 'one request id, the session id');
      const ends = turnsOf(messages);
      assert.deepEqual(ends.map((m) => m.turn_index), ends.map((_, i) => i), 'turns end in order, once each');
      for (let i = 1; i < ends.length; i++) {
        assert.ok(Math.abs(ends[i].audio_window_start - ends[i - 1].audio_window_end) < 0.002, `turn ${i} starts where turn ${i - 1} ended`);
      }
      const byTurn = new Map<number, any[]>();
      for (const m of messages.filter((x) => x.type === 'TurnInfo')) byTurn.set(m.turn_index, [...(byTurn.get(m.turn_index) ?? []), m]);
      for (const [index, group] of byTurn) {
        assert.equal(group.filter((m) => m.event === 'StartOfTurn').length, 1, `turn ${index} starts once`);
        assert.equal(group[0].event, 'StartOfTurn', `turn ${index} begins with StartOfTurn`);
      }
    }

    test('the unmodified SDK (listen.v2) streams through our base URL: Connected, turns, Configure acknowledged and applied, stored turns', async () => {
      const flux = await openFlux({ keyterm: 'tranquility', queryParams: { record: 'true' } });
      const audio = wav();
      const cut = 44 + 16_000 * 2 * 3; // Configure after three seconds of audio
      await sendAudio((c) => flux.conn.sendMedia(c), audio.subarray(0, cut), 3200, 10);
      flux.conn.sendConfigure({ type: 'Configure', thresholds: { eager_eot_threshold: 0.5, eot_threshold: 0.8 }, keyterms: ['tranquility'] });
      await sendAudio((c) => flux.conn.sendMedia(c), audio.subarray(cut), 3200, 10);
      flux.conn.sendCloseStream({ type: 'CloseStream' });
      assert.equal((await flux.closed).code, 1000);

      const sessionId = flux.messages[0].request_id;
      assertOneFluxStream(flux.messages, sessionId);
      const ends = turnsOf(flux.messages);
      assert.deepEqual(ends.map((m) => m.transcript), TURNS);
      assert.ok(ends.every((m) => m.trigger === 'model' && m.words.length > 0 && m.words.every((w: any) => typeof w.start === 'number')));

      const acks = flux.messages.filter((m) => m.type.startsWith('Configure'));
      assert.equal(acks.length, 1);
      assert.equal(acks[0].type, 'ConfigureSuccess');
      assert.deepEqual(acks[0].thresholds, { eot_threshold: 0.8, eot_timeout_ms: 5000, eager_eot_threshold: 0.5 });
      assert.deepEqual(acks[0].keyterms, ['tranquility']);
      // Deepgram applies it: EagerEndOfTurn (off until eager_eot_threshold is set) precedes the turns that end after it.
      const ackAt = flux.messages.indexOf(acks[0]);
      const eager = flux.messages.filter((m) => m.event === 'EagerEndOfTurn');
      assert.ok(eager.length >= 3 && eager.every((m) => flux.messages.indexOf(m) > ackAt), `EagerEndOfTurn after the Configure: ${eager.length}`);
      assert.deepEqual(liveRequests().at(-1)!.configures, [{ type: 'Configure', thresholds: { eager_eot_threshold: 0.5, eot_threshold: 0.8 }, keyterms: ['tranquility'] }], 'passed to Deepgram as sent');

      const stored = await ended(sessionId);
      assert.equal(stored.api, 'v2');
      assert.equal(stored.close_reason, 'client_closed');
      assert.equal(stored.transcript, TURNS.join(' '));
      assert.deepEqual(stored.segments.map((s: any) => [s.start, s.end]), ends.map((m) => [m.audio_window_start, m.audio_window_end]));
      const srt = await (await fetch(t.stack.url(`/v1/streams/${sessionId}?format=srt`))).text();
      assert.match(srt, /^1\n00:00:00,\d{3} --> /);
      assert.match(srt, /Provide for the common defense\./);

      // The recording's re-pass is a file job: the live-only Flux model stays behind, the keyterms go along.
      await eventually(async () => ((await session(sessionId)).recording?.status === 'ready' ? true : undefined), 20_000, 'the recording');
      const repass = await fetch(t.stack.url(`/v1/streams/${sessionId}/transcribe`), { method: 'POST' });
      assert.equal(repass.status, 202);
      const job = (await repass.json()) as any;
      const row = await t.parts.db.selectFrom('jobs').select('options').where('id', '=', job.id).executeTakeFirstOrThrow();
      assert.deepEqual(row.options, { keyterm: 'tranquility' });
    });

    test('Deepgram dropping the Flux socket twice mid-stream: one stream for the client, no turn lost or doubled, the Configure re-applied upstream', async () => {
      t.parts.emulator.reset();
      t.parts.emulator.injectFault({ target: 'live', dropAfterMs: 1_500 });
      t.parts.emulator.injectFault({ target: 'live', dropAfterMs: 1_000, errorFrame: true });
      const live = await openRawLive(wsUrl('/v2/listen', 'model=flux-general-en'));
      const audio = wav();
      const configure = { type: 'Configure', thresholds: { eot_timeout_ms: 3000 } };
      live.ws.send(JSON.stringify(configure));
      await sendAudio((c) => live.ws.send(c), audio, 3200, 25); // 100 ms of audio every 25 ms
      live.ws.send(JSON.stringify({ type: 'CloseStream' }));
      assert.equal((await live.closed).code, 1000);

      const sessionId = live.messages[0].request_id;
      assertOneFluxStream(live.messages, sessionId);
      const ends = turnsOf(live.messages);
      assert.ok(ends.length >= 3, `turns: ${ends.length}`);
      assert.equal(ends[0].audio_window_start, 0);
      const total = DURATION;
      assert.ok(ends.at(-1).audio_window_end <= total + 0.6, `turns stay inside the audio (${ends.at(-1).audio_window_end} of ${total} s)`);
      assert.equal(live.messages.filter((m) => m.type === 'ConfigureSuccess').length, 1, 'the client is acknowledged once');

      const stored = await ended(sessionId);
      assert.equal(stored.reconnect_count, 2);
      assert.ok(Math.abs(stored.audio_seconds - total) < 0.01, `all ${total} s of audio counted once (${stored.audio_seconds})`);
      assert.deepEqual(stored.segments.map((s: any) => [s.start, s.end, s.transcript]), ends.map((m) => [m.audio_window_start, m.audio_window_end, m.transcript]), 'exactly the turns the client saw are stored, once each');
      const sockets = liveRequests();
      assert.equal(sockets.length, 3, 'the first socket and two reconnects');
      assert.deepEqual(stored.deepgram_request_ids, sockets.map((r) => r.id));
      // Every new socket is configured as the client configured the first one, before any audio.
      for (const socket of sockets.slice(1)) assert.deepEqual(socket.configures?.[0]?.thresholds, { eot_threshold: 0.7, eot_timeout_ms: 3000 });
    });

    test('ForceEndTurn ends the open turn at once (trigger "manual"); a refused Configure is Deepgram\'s ConfigureFailure and the stream goes on', async () => {
      const live = await openRawLive(wsUrl('/v2/listen', 'model=flux-general-en&encoding=linear16&sample_rate=16000'));
      const pcm = wav().subarray(44);
      await sendAudio((c) => live.ws.send(c), pcm.subarray(0, 32_000 * 1.5), 3200, 10);
      await live.waitFor((m) => m.event === 'StartOfTurn');
      live.ws.send(JSON.stringify({ type: 'ForceEndTurn' }));
      const forced = await live.waitFor((m) => m.event === 'EndOfTurn');
      assert.equal(forced.trigger, 'manual');
      assert.equal(forced.turn_index, 0);
      live.ws.send(JSON.stringify({ type: 'Configure', thresholds: { eot_threshold: 3 } }));
      await live.waitFor((m) => m.type === 'ConfigureFailure');
      await sendAudio((c) => live.ws.send(c), pcm.subarray(32_000 * 1.5, 32_000 * 4), 3200, 10);
      live.ws.send(JSON.stringify({ type: 'CloseStream' }));
      assert.equal((await live.closed).code, 1000);
      const ends = turnsOf(live.messages);
      assert.ok(ends.length >= 2, 'turns after the failed Configure');
      const stored = await ended(live.messages[0].request_id);
      assert.equal(stored.segments[0].from_finalize, true, 'a forced turn end is stored as flushed');
    });

    test('bad input: Flux parameters checked before anything starts, v1 and v2 kept apart, messages of the other API refused', async () => {
      const refused = async (path: string, query: string) => refusedUpgrade(wsUrl(path, query));
      let r = await refused('/v2/listen', 'encoding=linear16&sample_rate=16000');
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /model is required/);
      r = await refused('/v2/listen', 'model=nova-3');
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /Flux models/);
      r = await refused('/v2/listen', 'model=flux-general-en&eot_threshold=2');
      assert.equal(r.body.error.code, 'invalid_option');
      r = await refused('/v2/listen', 'model=flux-general-en&eager_eot_threshold=0.8&eot_threshold=0.6');
      assert.match(r.body.error.message, /must not be above eot_threshold/);
      r = await refused('/v2/listen', 'model=flux-general-en&interim_results=true');
      assert.equal(r.body.error.code, 'unknown_option');
      r = await refused('/v2/listen', 'model=flux-general-en&repass=true');
      assert.equal(r.status, 400);
      r = await refused('/v1/listen', 'model=flux-general-en');
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /\/v2\/listen/);
      const plain = await fetch(t.stack.url('/v2/listen?model=flux-general-en'));
      assert.equal(plain.status, 426);
      assert.equal(((await plain.json()) as any).error.code, 'use_websocket');
      assert.equal((await fetch(t.stack.url('/v2/listen'), { method: 'POST', body: 'x' })).status, 405);

      // A v1 message on a Flux stream is closed as Deepgram does not know it.
      const v2: RawLive = await openRawLive(wsUrl('/v2/listen', 'model=flux-general-en'));
      const sessionId = (await v2.waitFor((m) => m.type === 'Connected')).request_id;
      v2.ws.send(JSON.stringify({ type: 'Finalize' }));
      assert.equal((await v2.closed).code, 1008);
      // A Flux session resumes on /v2/listen only.
      r = await refused('/v1/listen', `session_id=${sessionId}`);
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, 'session_api_mismatch');
    });
  },
);
