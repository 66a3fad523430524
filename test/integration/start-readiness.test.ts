import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { liveEnv, startTestStreamingWorker } from '../helpers/live.js';
import { getJson, startStack } from '../helpers/stack.js';

/** Under `npm start` the live endpoint shares the API's port and is attached after the API listens. */
describeWithStack('npm start layout: ready only when every part is', { stack: false }, (t) => {
  const upgradeStatus = (url: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/listen?encoding=linear16&sample_rate=16000`);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => {
        resolve(101);
        ws.close();
      });
      ws.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
    });

  test('before the live endpoint is attached: /ready 503 naming it, and a WebSocket upgrade 503 (not 426); after: 200 and live sessions open', async () => {
    const stack = await startStack(t.parts, { awaitsLiveEndpoint: true });
    t.defer(() => stack.stop());
    const early = await getJson(stack.url('/ready'));
    assert.equal(early.status, 503);
    assert.equal(early.body.checks.live, false);
    assert.equal(await upgradeStatus(stack.api.url), 503);

    const { worker } = await startTestStreamingWorker(t.parts, liveEnv(t.parts), stack.api.httpServer);
    t.defer(() => worker.stop());
    stack.api.liveEndpointAttached();
    const ready = await getJson(stack.url('/ready'));
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.checks.live, true);
    assert.equal(await upgradeStatus(stack.api.url), 101);
  });
});
