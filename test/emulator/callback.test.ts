import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { TESTING_TEXT, readAudio } from './fixtures.js';
import { sdkClient, startLocalServer, thrown, waitFor, type LocalServer } from './helpers.js';

interface Delivery {
  method: string;
  url: string;
  authorization?: string;
  body: any;
}

describe('emulator callback mode', () => {
  let emulator: DeepgramEmulator;
  let receiver: LocalServer;
  const deliveries: Delivery[] = [];
  let failuresToServe = 0;
  const audio = readAudio('testing-websocket.wav');

  before(async () => {
    emulator = await startDeepgramEmulator({ callbackRetryDelayMs: 50, callbackMaxAttempts: 4 });
    emulator.registerTranscript(audio, TESTING_TEXT);
    receiver = await startLocalServer((req, res, body) => {
      deliveries.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body: JSON.parse(body.toString()) });
      if (failuresToServe > 0) {
        failuresToServe--;
        res.writeHead(500);
      } else {
        res.writeHead(200);
      }
      res.end();
    });
  });
  beforeEach(() => {
    deliveries.length = 0;
    failuresToServe = 0;
    emulator.reset();
  });
  after(async () => {
    await emulator.close();
    await receiver.close();
  });

  it('answers with a request_id at once and POSTs the full result to the callback URL', async () => {
    const accepted = (await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {
      model: 'nova-3',
      smart_format: true,
      callback: `${receiver.url}/hook?job=1`,
      extra: 'callback_secret:s3cret',
    })) as any;
    assert.deepEqual(Object.keys(accepted), ['request_id']);
    await waitFor(() => deliveries.length === 1, 5_000, 'callback delivery');
    const [d] = deliveries;
    assert.equal(d!.method, 'POST');
    assert.equal(d!.url, '/hook?job=1');
    assert.equal(d!.body.metadata.request_id, accepted.request_id);
    assert.deepEqual(d!.body.metadata.extra, { callback_secret: 's3cret' });
    assert.equal(d!.body.results.channels[0].alternatives[0].transcript, TESTING_TEXT);
    await waitFor(() => emulator.requests().some((r) => r.kind === 'callback' && r.status === 200));
    const cb = emulator.requests().filter((r) => r.kind === 'callback');
    assert.equal(cb.length, 1);
    assert.equal(cb[0]!.id, accepted.request_id);
    assert.equal(cb[0]!.callbackUrl, `${receiver.url}/hook?job=1`);
  });

  it('retries a failing receiver until it answers 2xx', async () => {
    failuresToServe = 2;
    const accepted = (await sdkClient(emulator).listen.v1.media.transcribeFile(audio, { callback: `${receiver.url}/hook` })) as any;
    await waitFor(() => deliveries.length === 3, 5_000, 'three deliveries');
    assert.ok(deliveries.every((d) => d.body.metadata.request_id === accepted.request_id));
    await waitFor(() => emulator.requests().filter((r) => r.kind === 'callback' && r.endedAt).length === 3);
    const statuses = emulator.requests().filter((r) => r.kind === 'callback').map((r) => r.status);
    assert.deepEqual(statuses, [500, 500, 200]);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(deliveries.length, 3, 'no delivery after success');
  });

  it('gives up after callbackMaxAttempts', async () => {
    failuresToServe = 100;
    await sdkClient(emulator).listen.v1.media.transcribeFile(audio, { callback: `${receiver.url}/hook` });
    await waitFor(() => deliveries.length === 4, 5_000, 'four deliveries');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(deliveries.length, 4);
  });

  it('uses PUT with callback_method=put and basic auth from the URL', async () => {
    const hook = receiver.url.replace('http://', 'http://user:pa%40ss@');
    await sdkClient(emulator).listen.v1.media.transcribeFile(audio, { callback: `${hook}/put`, callback_method: 'PUT' });
    await waitFor(() => deliveries.length === 1);
    assert.equal(deliveries[0]!.method, 'PUT');
    assert.equal(deliveries[0]!.authorization, `Basic ${Buffer.from('user:pa@ss').toString('base64')}`);
  });

  it('delivers an err_code body (no results) when the audio is corrupt', async () => {
    const accepted = (await sdkClient(emulator).listen.v1.media.transcribeFile(Buffer.from('not audio at all'), {
      callback: `${receiver.url}/hook`,
    })) as any;
    await waitFor(() => deliveries.length === 1);
    const body = deliveries[0]!.body;
    assert.equal(body.results, undefined);
    assert.equal(body.err_code, 'Bad Request');
    assert.equal(body.request_id, accepted.request_id);
  });

  it('a callback fault delays the delivery', async () => {
    emulator.injectFault({ target: 'callback', latencyMs: 300 });
    const started = Date.now();
    await sdkClient(emulator).listen.v1.media.transcribeFile(audio, { callback: `${receiver.url}/hook` });
    assert.ok(Date.now() - started < 250, 'the accept is not delayed');
    await waitFor(() => deliveries.length === 1);
    assert.ok(Date.now() - started >= 290);
  });

  it('rejects a non-http callback URL with 400 "Invalid callback url."', async () => {
    const err = await thrown(() => sdkClient(emulator).listen.v1.media.transcribeFile(audio, { callback: 'ftp://example.com/x' }));
    assert.equal(err.statusCode, 400);
    assert.equal(err.body.err_msg, 'Invalid callback url.');
  });
});
