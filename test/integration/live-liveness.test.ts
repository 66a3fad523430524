import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually, openRawLive, sleep, startTestStreamingWorker } from '../helpers/live.js';
import { getJson } from '../helpers/stack.js';

/** Live sockets that die quietly, go silent, or are fed faster than Deepgram reads must not hold a worker's slot or memory. */
describeWithStack(
  'live liveness and backpressure',
  {
    emulator: { liveIdleTimeoutMs: 30_000 },
    stack: { worker: false, env: { LIVE_PING_INTERVAL_MS: '400', LIVE_IDLE_TIMEOUT_MS: '1500', LIVE_KEEPALIVE_INTERVAL_MS: '300', LIVE_PERSIST_INTERVAL_MS: '200' } },
    streaming: 'on-api-port',
  },
  (t) => {
    const query = 'model=nova-2&encoding=linear16&sample_rate=16000';
    const wsUrl = (base: string) => `${base.replace(/^http/, 'ws')}/v1/listen?${query}`;
    const pcm = () => t.audio('preamble-16k.wav').subarray(44);
    const liveRequests = () => t.parts.emulator.requests().filter((r) => r.kind === 'live');
    const keepAlive = (ws: { send(data: string): void; readyState: number }) => {
      const timer = setInterval(() => ws.readyState === 1 && ws.send(JSON.stringify({ type: 'KeepAlive' })), 300);
      return () => clearInterval(timer);
    };

    test('a client that sends nothing is closed after LIVE_IDLE_TIMEOUT_MS (NET-0001); one that sends KeepAlive stays', async () => {
      const silent = await openRawLive(wsUrl(t.stack.api.url));
      const talking = await openRawLive(wsUrl(t.stack.api.url));
      const stop = keepAlive(talking.ws);
      const started = Date.now();
      const closed = await silent.closed;
      assert.equal(closed.code, 1011);
      assert.match(closed.reason, /NET-0001: no audio or message received for 2 s/);
      assert.ok(Date.now() - started < 4_000);
      await sleep(1_000);
      assert.equal(talking.ws.readyState, 1, 'a client sending KeepAlive is not idle');
      stop();
      talking.ws.send(JSON.stringify({ type: 'CloseStream' }));
      await talking.closed;
    });

    test('a half-open client (it never answers pings) is cut off within two ping intervals', async () => {
      const deaf = await openRawLive(wsUrl(t.stack.api.url), undefined, { autoPong: false });
      const stop = keepAlive(deaf.ws); // not idle: only the missing pongs give it away
      const started = Date.now();
      const closed = await deaf.closed;
      stop();
      assert.equal(closed.code, 1006, 'terminated, no close handshake');
      assert.ok(Date.now() - started < 3_000, `cut after ${Date.now() - started} ms`);
    });

    test('Deepgram hangs (no pongs, reads nothing): the socket is cut and the relay reconnects; the session goes on', async () => {
      const before = liveRequests().length;
      t.parts.emulator.injectFault({ target: 'live', freeze: true });
      const live = await openRawLive(wsUrl(t.stack.api.url));
      const audio = pcm();
      // Real time: 100 ms of audio every 100 ms, for 3 s.
      for (let i = 0; i < 30; i++) {
        live.ws.send(audio.subarray(i * 3200, (i + 1) * 3200));
        await sleep(100);
      }
      await eventually(async () => (liveRequests().length >= before + 2 ? true : undefined), 10_000, 'a second Deepgram socket');
      live.ws.send(JSON.stringify({ type: 'CloseStream' }));
      const closed = await live.closed;
      assert.equal(closed.code, 1000);
      const sessionId = live.messages.find((m) => m.type === 'Metadata')?.request_id;
      assert.ok(sessionId, JSON.stringify(live.messages.map((m) => m.type)));
      const stored = await eventually(async () => {
        const { body } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
        return body.status === 'ended' ? body : undefined;
      });
      assert.ok(stored.upstream_reconnects >= 1 || stored.reconnect_count >= 1, JSON.stringify(stored));
    });

    test('backpressure: audio sent far faster than Deepgram reads pauses the client, then ends the session with 1008', { timeout: 60_000 }, async () => {
      // No pings here: the hang must be found by the full buffer, not by a missing pong.
      const slowWorker = await startTestStreamingWorker(t.parts, { ...t.env, LIVE_PING_INTERVAL_MS: '600000', LIVE_IDLE_TIMEOUT_MS: '600000', LIVE_UPSTREAM_BUFFER_SECONDS: '2', LIVE_BACKPRESSURE_TIMEOUT_MS: '1500' });
      t.defer(() => slowWorker.worker.stop());
      t.parts.emulator.injectFault({ target: 'live', freeze: true });
      const live = await openRawLive(wsUrl(slowWorker.worker.url.replace(/^ws/, 'http')));
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      let closedEarly = false;
      void live.closed.then(() => (closedEarly = true));
      // Far more than the kernel's socket buffers hold (the only place bytes can go once the worker stops reading).
      while (!closedEarly && sent < 64 * 1024 * 1024) {
        live.ws.send(chunk);
        sent += chunk.length;
        if (live.ws.bufferedAmount > 8 * 1024 * 1024) await sleep(20); // the worker paused us: TCP pushes back
      }
      const closed = await live.closed;
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /faster than it can be transcribed/);
      assert.ok(live.ws.bufferedAmount > 0 || sent < 64 * 1024 * 1024, 'the client was slowed down');
    });
  },
);
