import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startDeepgramEmulator } from '../../src/emulator/index.js';
import { readAudio } from './fixtures.js';
import { sdkClient, startLocalServer, waitFor } from './helpers.js';
import { openLive } from './live-helpers.js';

describe('emulator lifecycle', () => {
  it('close() ends open live sockets and pending callback retries at once, and frees the port', async () => {
    const emulator = await startDeepgramEmulator({ callbackRetryDelayMs: 30_000 });
    let deliveries = 0;
    const receiver = await startLocalServer((_req, res) => {
      deliveries++;
      res.writeHead(503);
      res.end();
    });
    try {
      await sdkClient(emulator).listen.v1.media.transcribeFile(readAudio('testing-websocket.wav'), { callback: `${receiver.url}/cb` });
      await waitFor(() => deliveries === 1, 5_000, 'first delivery');
      const live = await openLive(emulator, { model: 'nova-3' });
      assert.equal(emulator.stats().liveOpen, 1);
      const started = Date.now();
      await emulator.close();
      assert.ok(Date.now() - started < 1_000, `close took ${Date.now() - started} ms`);
      assert.equal((await live.closed).code, 1006);
      const refused = await fetch(`${emulator.url}/_emulator/health`).then(
        () => 'answered',
        () => 'refused',
      );
      assert.equal(refused, 'refused');
      await emulator.close(); // idempotent
    } finally {
      await receiver.close();
    }
  });

  it('GET /health answers without a key (container and Kubernetes probes), other unknown paths 404', async () => {
    const emulator = await startDeepgramEmulator({ apiKey: 'probe-key-0123456789' });
    try {
      const health = await fetch(`${emulator.url}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', engine: 'synthetic' });
      assert.equal((await fetch(`${emulator.url}/healthz`)).status, 404);
    } finally {
      await emulator.close();
    }
  });

  it('apiKey: null disables auth; port and url agree', async () => {
    const emulator = await startDeepgramEmulator({ apiKey: null });
    try {
      assert.equal(emulator.url, `http://127.0.0.1:${emulator.port}`);
      const res = await fetch(`${emulator.url}/v1/listen`, { method: 'POST', body: readAudio('testing-websocket.wav') });
      assert.equal(res.status, 200);
      assert.ok(res.headers.get('dg-request-id'));
    } finally {
      await emulator.close();
    }
  });
});
