import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { before, test } from 'node:test';
import { DeepgramClient } from '@deepgram/sdk';
import { startCaddy } from '../helpers/caddy.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually, openSdkFlux, openSdkLive, sendAudio } from '../helpers/live.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { startAppProcess, type AppProcess } from '../helpers/processes.js';
import { freePort, stackEnv } from '../helpers/stack.js';

const PREAMBLE = 'we the people of the united states in order to form a more perfect union';

/**
 * The production layout's one base URL: Debian's Caddy with deploy/proxy/Caddyfile (the file docker-compose.yml
 * mounts) in front of two API processes and two streaming-worker processes. The unmodified Deepgram SDK does REST
 * and live through that one URL; a streaming worker drained with SIGTERM mid-session closes its client with 1012,
 * gets no new session, and the client's next connection through the proxy lands on the other worker.
 */
describeWithStack('one base URL through the reverse proxy', { transcripts: { 'preamble-rest.wav': PREAMBLE }, stack: {} }, (t) => {
  let proxyUrl: string;
  const apis: Array<AppProcess & { port: number }> = [];
  const streamers: Array<AppProcess & { port: number }> = [];
  let caddy: ChildProcess;
  let common: Record<string, string>;
  /** A streaming worker on `port` (a replacement reuses its predecessor's, which the proxy lists). */
  const startStreamer = async (port: number) =>
    Object.assign(startAppProcess('src/main/streaming-worker.ts', { ...common, STREAMING_PORT: String(port), TEMPORAL_SDK_METRICS_PORT: String(await freePort()) }, 'streaming worker running'), { port });

  before(async () => {
    // The processes join this file's stack: its database, Temporal task queue (its in-process batch worker runs the jobs) and emulator.
    common = { ...stackEnv(t.parts, { TEMPORAL_TASK_QUEUE: t.stack.config.temporal.taskQueue, LOG_LEVEL: 'debug', TRUSTED_PROXY_HOPS: '1', SHUTDOWN_GRACE_MS: '5000' }), METRICS_PORT: '0' };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      apis.push(Object.assign(startAppProcess('src/main/api.ts', { ...common, PORT: String(port) }, 'API listening'), { port }));
      streamers.push(await startStreamer(await freePort()));
    }
    t.defer(() => {
      for (const p of [...apis, ...streamers]) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    });
    await Promise.all([...apis, ...streamers].map((p) => p.ready));
    const proxyPort = await freePort();
    caddy = await startCaddy(path.join(REPO_ROOT, 'deploy/proxy/Caddyfile'), {
      PROXY_PORT: String(proxyPort),
      API_UPSTREAMS: apis.map((a) => `127.0.0.1:${a.port}`).join(' '),
      STREAMING_UPSTREAMS: streamers.map((s) => `127.0.0.1:${s.port}`).join(' '),
    });
    t.defer(() => {
      if (caddy.exitCode === null) caddy.kill('SIGKILL');
    });
    proxyUrl = `http://127.0.0.1:${proxyPort}`;
    await eventually(async () => ((await fetch(`${proxyUrl}/health`).catch(() => undefined))?.ok ? true : undefined), 20_000, 'the proxy answering');
  });

  const sdk = () => new DeepgramClient({ apiKey: 'open-deployment', baseUrl: proxyUrl, maxRetries: 0 });
  // As a careful client does: a refused connection (the proxy with no ready worker for a moment, on a busy machine) is tried again.
  const openLive = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await openSdkLive(proxyUrl, { model: 'nova-2', encoding: 'linear16', sample_rate: 16000 }, 'open-deployment');
      } catch (err) {
        if (attempt >= 10) {
          const ready = await Promise.all(streamers.map(async (w) => `${w.port}: ${await fetch(`http://127.0.0.1:${w.port}/ready`).then((r) => r.text(), (e: Error) => e.message)}`));
          throw new Error(`no live session through the proxy after ${attempt} tries (${(err as Error)?.message ?? JSON.stringify(err)}); workers' /ready: ${ready.join('; ')}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  // Eight seconds of 16 kHz linear16 speech.
  const speech = () => t.audio('preamble-16k.wav').subarray(44, 44 + 8 * 32_000);
  const openSessions = async (port: number) => {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(/^live_sessions_open(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? 0);
  };

  test('REST through the proxy: the Deepgram SDK, the job API, both API replicas, the client address past the proxy', async () => {
    const res = (await sdk().listen.v1.media.transcribeFile(t.audio('preamble-rest.wav'), { model: 'nova-3' })) as any;
    assert.equal(res.results.channels[0].alternatives[0].transcript, PREAMBLE);
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${proxyUrl}/v1/transcriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.com/meeting.wav', mode: 'async' }) });
      assert.equal(res.status, 202);
    }
    const served = apis.map((a) => a.lines.filter((l) => l.includes('transcription submitted')).length);
    assert.ok(served.every((n) => n > 0), `requests per API replica: ${served.join(', ')}`);
  });

  test('Flux through the proxy: the SDK’s listen.v2 reaches a streaming worker on the same base URL', async () => {
    const flux = await openSdkFlux(proxyUrl, { encoding: 'linear16', sample_rate: 16000 }, { apiKey: 'open-deployment' });
    await sendAudio((c) => flux.conn.sendMedia(c), speech().subarray(0, 2 * 32_000), 3200, 10);
    flux.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await flux.closed).code, 1000);
    assert.equal(flux.messages[0]?.type, 'Connected');
    assert.ok(flux.messages.some((m) => m.type === 'TurnInfo'), 'turns came back through the proxy');
  });

  test('the Deepgram SDK’s own reconnect resumes its session on the other worker when its worker drains (a session id it chose, create_session=true)', { timeout: 90_000 }, async () => {
    const id = randomUUID();
    const live = await openSdkLive(proxyUrl, { model: 'nova-2', encoding: 'linear16', sample_rate: 16000, reconnectAttempts: 5, queryParams: { session_id: id, create_session: 'true' } }, 'open-deployment');
    const finals = () => live.messages.filter((m) => m.type === 'Results' && m.is_final).length;
    await sendAudio((c) => live.conn.sendMedia(c), speech().subarray(0, 4 * 32_000), 3200, 10);
    await eventually(async () => (finals() > 0 ? true : undefined), 20_000, 'finals before the drain');
    const counts = await Promise.all(streamers.map((s) => openSessions(s.port)));
    const holder = counts.findIndex((n) => n === 1);
    assert.ok(holder >= 0, `open sessions per worker: ${counts.join(', ')}`);
    const before = finals();

    streamers[holder]!.child.kill('SIGTERM');
    await streamers[holder]!.exited;
    // No code of ours: the SDK reconnects to the same URL by itself, and the proxy sends it to the worker that stayed.
    await eventually(async () => ((await openSessions(streamers[1 - holder]!.port)) === 1 ? true : undefined), 30_000, 'the SDK reconnected through the proxy');
    await sendAudio((c) => live.conn.sendMedia(c), speech().subarray(4 * 32_000), 3200, 10);
    await eventually(async () => (finals() > before ? true : undefined), 20_000, 'finals after the resume');
    live.conn.sendCloseStream({ type: 'CloseStream' });
    await eventually(async () => {
      const res = await fetch(`${proxyUrl}/v1/streams/${id}`);
      const body = (await res.json()) as { status: string; resume_count: number; resume_from_seconds: number };
      return body.status === 'ended' ? body : undefined;
    }, 20_000, 'the session ended').then((session) => {
      assert.equal(session.resume_count, 1, 'one session, resumed once on the other worker');
      assert.ok(session.resume_from_seconds >= 6, `finals cover audio from both workers (up to ${session.resume_from_seconds} s of 8)`);
    });

    // The drained worker's replacement, so the next test has two again.
    streamers[holder] = await startStreamer(streamers[holder]!.port);
    await streamers[holder]!.ready;
    await eventually(async () => ((await fetch(`http://127.0.0.1:${streamers[holder]!.port}/ready`)).ok ? true : undefined), 10_000, 'the replacement is ready');
  });

  test('live through the same base URL; a draining worker closes its session with 1012 and the next one lands on the other worker', { timeout: 60_000 }, async () => {
    const first = await openLive();
    await sendAudio((c) => first.conn.sendMedia(c), speech(), 3200, 10);
    await eventually(async () => (first.messages.some((m) => m.type === 'Results') ? true : undefined), 20_000, 'results through the proxy');
    const counts = await Promise.all(streamers.map((s) => openSessions(s.port)));
    const holder = counts.findIndex((n) => n === 1);
    assert.ok(holder >= 0, `open sessions per worker: ${counts.join(', ')}`);

    streamers[holder]!.child.kill('SIGTERM');
    const closed = await first.closed;
    assert.equal(closed.code, 1012, `closed with ${closed.code} ${closed.reason}`);

    const second = await openLive();
    await sendAudio((c) => second.conn.sendMedia(c), speech(), 3200, 10);
    await eventually(async () => (second.messages.some((m) => m.type === 'Results') ? true : undefined), 20_000, 'results from the other worker');
    assert.equal(await openSessions(streamers[1 - holder]!.port), 1, 'the new session is on the worker that stayed');
    second.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await second.closed).code, 1000);
  });
});
