import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startSharedParts } from '../helpers/shared-parts.js';
import { getJson, startStack, type SharedParts, type Stack } from '../helpers/stack.js';
import { eventually, liveEnv, openSdkLive, sendAudio, startTestStreamingWorker } from '../helpers/live.js';
import type { StreamingWorker } from '../../src/runtime/streaming-worker.js';

const PREAMBLE_TEXT =
  'We, the people of The United States, in order to form a more perfect union, establish justice, ensure domestic ' +
  'tranquility, provide for the common defense, promote the general welfare, and secure the blessings of liberty to ' +
  'ourselves and our posterity to ordain and establish this constitution for The United States Of America.';

describe('live streaming through the platform (npm start layout: WS on the API port)', () => {
  let shared: Awaited<ReturnType<typeof startSharedParts>>;
  let parts: SharedParts;
  let stack: Stack;
  let streaming: StreamingWorker;
  let preamble: Buffer;

  before(async () => {
    shared = await startSharedParts({ liveIdleTimeoutMs: 1_000 });
    parts = shared.parts;
    preamble = await readFile(path.join(AUDIO_DIR, 'preamble-websocket.wav'));
    parts.emulator.registerTranscript(preamble, PREAMBLE_TEXT);
    const env = liveEnv(parts, { LIVE_KEEPALIVE_INTERVAL_MS: '300', LIVE_PERSIST_INTERVAL_MS: '200', LIVE_HEARTBEAT_TIMEOUT_MS: '2000', LIVE_MAX_SESSIONS_PER_WORKER: '3' });
    stack = await startStack(parts, { worker: false, env });
    streaming = (await startTestStreamingWorker(parts, { ...env, PORT: String(stack.api.port) }, stack.api.httpServer)).worker;
  });
  after(async () => {
    await streaming?.stop();
    await stack?.stop();
    await shared?.stop();
  });

  test('the unmodified Deepgram SDK streams a WAV to our base URL: interim then final results in order, Metadata, stored transcript', async () => {
    const live = await openSdkLive(stack.api.url, { model: 'nova-3', interim_results: 'true', smart_format: 'true' });
    await sendAudio((c) => live.conn.sendMedia(c), preamble, 1600, 10);
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
      const { body } = await getJson(stack.url(`/v1/streams/${sessionId}`));
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

    const list = await getJson(stack.url('/v1/streams'));
    assert.equal(list.status, 200);
    assert.ok(list.body.data.some((s: any) => s.id === sessionId));
  });
});
