import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, openRawLive } from '../helpers/live.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

/** What a WebSocket-aware load balancer and Prometheus see of a standalone streaming worker (`npm run streaming-worker`). */
describeWithStack('streaming worker /health, /ready and /metrics', { stack: { worker: false, env: { LIVE_MAX_SESSIONS_PER_WORKER: '1' } }, streaming: true }, (t) => {
  const http = (path: string) => `${t.streaming.url.replace(/^ws/, 'http')}${path}`;
  const ready = async () => {
    const res = await fetch(http('/ready'));
    return { status: res.status, body: (await res.json()) as any };
  };

  test('ready while it has room; not ready (capacity) when full, so the balancer sends new sessions elsewhere; 503 shutting_down once stopping', { timeout: 60_000 }, async () => {
    assert.equal((await fetch(http('/health'))).status, 200);
    assert.deepEqual(await ready(), {
      status: 200,
      body: { status: 'ready', checks: { temporal_workers: true, database: true, capacity: true }, open_sessions: 0, max_sessions: 1 },
    });

    const live = await openRawLive(`${t.streaming.url}/v1/listen?model=nova-2&encoding=linear16&sample_rate=16000`);
    const full = await ready();
    assert.equal(full.status, 503);
    assert.equal(full.body.status, 'not_ready');
    assert.deepEqual(full.body.checks, { temporal_workers: true, database: true, capacity: false });
    assert.match(await (await fetch(http('/metrics'))).text(), /^live_sessions_open 1$/m);

    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    await eventually(async () => ((await ready()).status === 200 ? true : undefined), 10_000, 'ready again once the session ended');

    const stopping = t.streaming.stop();
    const draining = await ready();
    assert.deepEqual(draining, { status: 503, body: { status: 'shutting_down', checks: {} } });
    await stopping;
  });
});
