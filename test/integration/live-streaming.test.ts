import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson } from '../helpers/stack.js';
import { eventually, openRawLive, openSdkLive, refusedUpgrade, sendAudio, sleep, startTestStreamingWorker } from '../helpers/live.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const PREAMBLE_TEXT =
  'We, the people of The United States, in order to form a more perfect union, establish justice, ensure domestic ' +
  'tranquility, provide for the common defense, promote the general welfare, and secure the blessings of liberty to ' +
  'ourselves and our posterity to ordain and establish this constitution for The United States Of America.';

describeWithStack(
  'live streaming through the platform (npm start layout: WS on the API port)',
  {
    emulator: { liveIdleTimeoutMs: 1_000 },
    transcripts: { 'preamble-websocket.wav': PREAMBLE_TEXT },
    stack: { worker: false, env: { LIVE_KEEPALIVE_INTERVAL_MS: '300', LIVE_PERSIST_INTERVAL_MS: '200', LIVE_MAX_SESSIONS_PER_WORKER: '3', LIVE_MAX_MESSAGE_BYTES: '65536' } },
    streaming: 'on-api-port',
  },
  (t) => {
  const preamble = () => t.audio('preamble-websocket.wav');
  /** 16 kHz linear16 samples. */
  const pcm = () => t.audio('preamble-16k.wav').subarray(44);
  const wsUrl = (query: string) => `${t.stack.api.url.replace(/^http/, 'ws')}/v1/listen?${query}`;
  const session = async (id: string) => (await getJson(t.stack.url(`/v1/streams/${id}`))).body;
  const ended = (id: string) => eventually(async () => ((await session(id)).status === 'ended' ? session(id) : undefined), 20_000, `session ${id} to end`);
  const liveRequests = () => t.parts.emulator.requests().filter((r) => r.kind === 'live');


  test('the unmodified Deepgram SDK streams a WAV to our base URL: interim then final results in order, Metadata, stored transcript', async () => {
    const live = await openSdkLive(t.stack.api.url, { model: 'nova-3', interim_results: 'true', smart_format: 'true' });
    await sendAudio((c) => live.conn.sendMedia(c), preamble(), 1600, 10);
    live.conn.sendCloseStream({ type: 'CloseStream' });
    const closed = await live.closed;
    assert.equal(closed.code, 1000);

    const results = live.messages.filter((m) => m.type === 'Results');
    const finals = results.filter((m) => m.is_final);
    const interims = results.filter((m) => !m.is_final);
    assert.ok(interims.length >= 5, `interims: ${interims.length}`);
    assert.ok(results.indexOf(interims[0]) < results.indexOf(finals[0]), 'an interim comes before the first final');
    for (let i = 1; i < finals.length; i++) {
      assert.ok(Math.abs(finals[i].start - (finals[i - 1].start + finals[i - 1].duration)) < 0.002, `final ${i} continues the previous one`);
    }
    const text = finals.map((m) => m.channel.alternatives[0].transcript).filter(Boolean).join(' ');
    assert.equal(text, PREAMBLE_TEXT);
    const sessionId = finals[0].metadata.request_id;
    assert.ok(finals.every((m) => m.metadata.request_id === sessionId), 'one request id, the session id, across the stream');

    const metadata = live.messages.at(-1);
    assert.equal(metadata.type, 'Metadata');
    assert.equal(metadata.request_id, sessionId);
    assert.ok(Math.abs(metadata.duration - 19.098) < 0.01, `duration ${metadata.duration}`);

    const stored = await eventually(async () => {
      const { body } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
      return body.status === 'ended' ? body : undefined;
    });
    assert.equal(stored.close_reason, 'client_closed');
    assert.equal(stored.transcript, PREAMBLE_TEXT);
    assert.equal(stored.model, 'nova-3');
    assert.equal(stored.segments.length, finals.length);
    assert.ok(Math.abs(stored.audio_seconds - 19.098) < 0.01, `audio_seconds ${stored.audio_seconds}`);
    assert.equal(stored.reconnect_count, 0);
    assert.equal(stored.resume_count, 0);
    assert.equal(stored.deepgram_request_ids.length, 1);

    const list = await getJson(t.stack.url('/v1/streams'));
    assert.equal(list.status, 200);
    assert.ok(list.body.data.some((s: any) => s.id === sessionId));
  });

  test('a silent client keeps its session: KeepAlive goes upstream, so Deepgram never closes it for idleness', async () => {
    t.parts.emulator.reset();
    const live = await openRawLive(wsUrl('model=nova-2&encoding=linear16&sample_rate=16000&interim_results=true'));
    const second = 16_000 * 2;
    await sendAudio((c) => live.ws.send(c), pcm().subarray(0, 2 * second), 3200, 10);
    const first = await live.waitFor((m) => m.type === 'Results');
    const sessionId = first.metadata.request_id;
    // Silent for three times the emulator's idle timeout (1 s here, Deepgram's 10 s in production).
    await sleep(3_500);
    await sendAudio((c) => live.ws.send(c), pcm().subarray(2 * second, 4 * second), 3200, 10);
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    const stored = await ended(sessionId);
    assert.equal(stored.close_reason, 'client_closed');
    assert.equal(stored.reconnect_count, 0, 'the upstream socket was never lost');
    assert.equal(liveRequests().length, 1, 'one Deepgram socket for the whole session');
    assert.ok(Math.abs(stored.audio_seconds - 4) < 0.001, `audio_seconds ${stored.audio_seconds}`);
    // The emulator lets the last word of a flush run past the audio's end, so allow a word's length.
    const end = stored.segments.at(-1).end;
    assert.ok(end >= 3.99 && end < 4.6, `finals cover the audio sent after the silence (last ends at ${end})`);
    assert.equal(live.messages.at(-1).type, 'Metadata');
  });

  test('Deepgram dropping the socket mid-stream (twice) is recovered: no final result lost or repeated, one timeline', async () => {
    t.parts.emulator.reset();
    t.parts.emulator.injectFault({ target: 'live', dropAfterMs: 1_200 });
    t.parts.emulator.injectFault({ target: 'live', dropAfterMs: 1_000, errorFrame: true });
    const live = await openRawLive(wsUrl('model=nova-3&encoding=linear16&sample_rate=16000&interim_results=true&punctuate=true'));
    await sendAudio((c) => live.ws.send(c), pcm(), 3200, 25); // 100 ms of audio every 25 ms
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    const total = pcm().length / (16_000 * 2);

    const finals = live.messages.filter((m) => m.type === 'Results' && m.is_final);
    assert.ok(finals.length >= 5, `finals: ${finals.length}`);
    assert.equal(finals[0].start, 0);
    for (let i = 1; i < finals.length; i++) {
      const previousEnd = finals[i - 1].start + finals[i - 1].duration;
      assert.ok(Math.abs(finals[i].start - previousEnd) < 0.002, `final ${i} starts at ${finals[i].start}, previous ended at ${previousEnd}`);
    }
    const last = finals.at(-1);
    const end = last.start + last.duration;
    assert.ok(end >= total - 0.01 && end < total + 0.6, `finals end at ${end}, audio is ${total} s`);
    for (const m of live.messages.filter((x) => x.type === 'Results')) {
      for (const w of m.channel.alternatives[0].words) assert.ok(w.start >= m.start - 1e-6 && w.end <= m.start + m.duration + 1e-6, 'words sit inside their result');
    }

    const sessionId = finals[0].metadata.request_id;
    const stored = await ended(sessionId);
    assert.equal(stored.reconnect_count, 2);
    assert.deepEqual(
      stored.segments.map((s: any) => [s.start, s.end, s.transcript]),
      finals.map((m) => [m.start, Math.round((m.start + m.duration) * 1e6) / 1e6, m.channel.alternatives[0].transcript]),
      'exactly the finals the client saw are stored, once each',
    );
    const sockets = liveRequests();
    assert.equal(sockets.length, 3, 'the first socket and two reconnects');
    assert.ok(sockets.slice(1).every((r) => (r.audioBytes ?? 0) < pcm().length), 'a reconnect replays only the audio since the last final');
    assert.deepEqual(stored.deepgram_request_ids, sockets.map((r) => r.id));
    assert.ok(Math.abs(stored.audio_seconds - total) < 0.01);
  });

  test('POST /v1/streams/:id/close ends a live session gracefully: last finals, Metadata, close 1000', async () => {
    const live = await openSdkLive(t.stack.api.url, { model: 'nova-2', encoding: 'linear16', sample_rate: 16000, interim_results: 'true' });
    await sendAudio((c) => live.conn.sendMedia(c), pcm().subarray(0, 16_000 * 2 * 2), 3200, 10);
    const sessionId = await eventually(async () => live.messages.find((m) => m.type === 'Results')?.metadata.request_id);
    const res = await fetch(t.stack.url(`/v1/streams/${sessionId}/close`), { method: 'POST' });
    assert.equal(res.status, 202);
    assert.equal(((await res.json()) as any).status, 'closing');
    const closed = await live.closed;
    assert.equal(closed.code, 1000);
    assert.match(closed.reason, /closed through the API/);
    assert.equal(live.messages.at(-1).type, 'Metadata');
    const finals = live.messages.filter((m) => m.type === 'Results' && m.is_final);
    assert.equal(finals.at(-1).from_finalize, true, 'Finalize flushed the last words');
    const stored = await ended(sessionId);
    assert.equal(stored.close_reason, 'closed_by_request');
    assert.ok(stored.segments.at(-1).end >= 1.99 && stored.segments.at(-1).end < 2.6, 'the flushed final covers all audio sent');

    const again = await fetch(t.stack.url(`/v1/streams/${sessionId}/close`), { method: 'POST' });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as any).error.code, 'session_ended');
    const unknown = await fetch(t.stack.url('/v1/streams/00000000-0000-4000-8000-000000000000/close'), { method: 'POST' });
    assert.equal(unknown.status, 404);
  });

  test('more sessions than LIVE_MAX_SESSIONS_PER_WORKER: the next one is closed with 1013 and a reason', async () => {
    const open = await Promise.all([0, 1, 2].map(() => openRawLive(wsUrl('model=nova-2&encoding=linear16&sample_rate=16000'))));
    const extra = await openRawLive(wsUrl('model=nova-2&encoding=linear16&sample_rate=16000'));
    const closed = await extra.closed;
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /Too many live sessions on this worker \(limit 3\)/);
    for (const live of open) live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    for (const live of open) assert.equal((await live.closed).code, 1000);
  });

  test('bad query parameters: the upgrade is refused with a status, a code and a reason naming the parameter', async () => {
    const cases: Array<[string, number, string, RegExp]> = [
      ['encoding=linear16', 400, 'invalid_option', /sample_rate is required with encoding=linear16/],
      ['interim_results=maybe', 400, 'invalid_option', /interim_results=maybe must be true or false/],
      ['model=nova-2&colour=blue', 400, 'unknown_option', /Unknown query parameter colour/],
      ['utterance_end_ms=1000', 400, 'invalid_option', /utterance_end_ms needs interim_results=true/],
      ['model=nova-3&keywords=kysely', 400, 'invalid_option', /use keyterm/],
      ['sample_rate=abc&encoding=linear16', 400, 'invalid_option', /sample_rate=abc/],
      ['session_id=nope', 400, 'invalid_option', /session_id must be/],
      ['session_id=00000000-0000-4000-8000-000000000000', 404, 'not_found', /No live session/],
      ['model=nova-2&create_session=true', 400, 'invalid_option', /create_session=true needs the session_id/],
      ['session_id=00000000-0000-4000-8000-000000000000&create_session=yes', 400, 'invalid_option', /create_session must be true or false/],
    ];
    for (const [query, status, code, message] of cases) {
      const refused = await refusedUpgrade(wsUrl(query));
      assert.equal(refused.status, status, query);
      assert.equal(refused.body.error.code, code, query);
      assert.match(refused.body.error.message, message, query);
      assert.match(String(refused.headers['dg-error']), message, query);
      assert.equal(refused.body.err_msg, refused.body.error.message);
    }
    // The SDK surfaces the refusal as a failed open, as it does for Deepgram's own 400s.
    await assert.rejects(openSdkLive(t.stack.api.url, { model: 'nova-2', encoding: 'linear16' }));
    const other = await refusedUpgrade(`${t.stack.api.url.replace(/^http/, 'ws')}/v1/elsewhere`);
    assert.equal(other.status, 404);
  });

  test('a message over LIVE_MAX_MESSAGE_BYTES closes the socket with 1009; a bad text frame with 1008', async () => {
    const big = await openRawLive(wsUrl('model=nova-2&encoding=linear16&sample_rate=16000'));
    big.ws.send(Buffer.alloc(70_000));
    assert.equal((await big.closed).code, 1009);
    const text = await openRawLive(wsUrl('model=nova-2&encoding=linear16&sample_rate=16000'));
    text.ws.send('hello');
    const closed = await text.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /KeepAlive/);
  });

  test('LIVE_MAX_SESSION_SECONDS: a standalone streaming worker (own port) ends a session at the limit with Metadata and 1008', async () => {
    const short = await startTestStreamingWorker(t.parts, { ...t.env, LIVE_MAX_SESSION_SECONDS: '2' });
    try {
      assert.notEqual(new URL(short.worker.url).port, String(t.stack.api.port));
      const live = await openSdkLive(short.worker.url, { model: 'nova-2', encoding: 'linear16', sample_rate: 16000 });
      await sendAudio((c) => live.conn.sendMedia(c), pcm().subarray(0, 16_000 * 2), 3200, 20);
      const metrics = async () => (await (await fetch(`${short.worker.url.replace(/^ws/, 'http')}/metrics`)).text()).match(/deepgram_active_connections\{kind="live"\} (\d+)/)?.[1];
      assert.equal(await metrics(), '1', 'the open Deepgram Live socket is counted');
      const closed = await live.closed;
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /Maximum session length of 2 s/);
      assert.equal(live.messages.at(-1).type, 'Metadata');
      const sessionId = live.messages.at(-1).request_id;
      assert.equal((await ended(sessionId)).close_reason, 'max_duration');
      assert.equal(await metrics(), '0');
    } finally {
      await short.worker.stop();
    }
  });

  test('DELETE /v1/streams/:id: 409 while active; once ended, transcript and results gone, a tombstone kept, no resume', async () => {
    const live = await openSdkLive(t.stack.api.url, { model: 'nova-2', encoding: 'linear16', sample_rate: 16000 });
    await sendAudio((c) => live.conn.sendMedia(c), pcm().subarray(0, 16_000 * 2 * 3), 3200, 10);
    const sessionId = await eventually(async () => live.messages.find((m) => m.metadata?.request_id)?.metadata.request_id, 10_000, 'a result');
    const active = await fetch(t.stack.url(`/v1/streams/${sessionId}`), { method: 'DELETE' });
    assert.equal(active.status, 409);
    assert.equal(((await active.json()) as any).error.code, 'session_active');
    live.conn.sendCloseStream({ type: 'CloseStream' });
    await live.closed;
    const before = await ended(sessionId);
    assert.ok(before.transcript.length > 0);

    assert.equal((await fetch(t.stack.url(`/v1/streams/${sessionId}`), { method: 'DELETE' })).status, 204);
    const gone = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
    assert.equal(gone.status, 410, 'a deleted session answers 410 deleted');
    assert.equal(gone.body.error.code, 'deleted');
    const close = await fetch(t.stack.url(`/v1/streams/${sessionId}/close`), { method: 'POST' });
    assert.equal(close.status, 410);
    const tomb = (await getJson(t.stack.url('/v1/streams?status=deleted'))).body.data.find((s: any) => s.id === sessionId);
    assert.equal(tomb.status, 'deleted');
    assert.deepEqual(tomb.options, {});
    assert.equal(tomb.audio_seconds, before.audio_seconds, 'the billed audio stays on the tombstone');
    const rows = await t.parts.db.selectFrom('live_segments').select('seq').where('session_id', '=', sessionId).execute();
    assert.equal(rows.length, 0);
    const listed = (await getJson(t.stack.url('/v1/streams?limit=100'))).body.data.map((s: any) => s.id);
    assert.ok(!listed.includes(sessionId));
    const deleted = (await getJson(t.stack.url('/v1/streams?status=deleted'))).body.data.map((s: any) => s.id);
    assert.ok(deleted.includes(sessionId));
    const resume = await refusedUpgrade(wsUrl(`model=nova-2&encoding=linear16&sample_rate=16000&session_id=${sessionId}`));
    assert.equal(resume.status, 410, 'a deleted session is gone, as on GET');
    assert.equal(resume.body.error.code, 'deleted');
    assert.equal((await fetch(t.stack.url(`/v1/streams/${sessionId}`), { method: 'DELETE' })).status, 204, 'idempotent');
    assert.equal((await fetch(t.stack.url('/v1/streams/no-such-session'), { method: 'DELETE' })).status, 404);
  });
});
