import { DeepgramError } from '@deepgram/sdk';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { readAudio } from './fixtures.js';
import { sdkClient, thrown } from './helpers.js';

describe('emulator REST faults and concurrency tracking', () => {
  let emulator: DeepgramEmulator;
  const audio = readAudio('testing-websocket.wav');

  before(async () => {
    emulator = await startDeepgramEmulator();
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.close());

  it('an injected 429 carries the Deepgram body and a Retry-After header, then the next request succeeds', async () => {
    emulator.injectFault({ status: 429, retryAfterSeconds: 7 });
    const err = await thrown(() => sdkClient(emulator).listen.v1.media.transcribeFile(audio, {}));
    assert.equal(err instanceof DeepgramError, true);
    assert.equal(err.statusCode, 429);
    assert.equal(err.body.err_code, 'TOO_MANY_REQUESTS');
    assert.equal(err.body.err_msg, 'Too many requests. Please try again later');
    assert.equal(err.rawResponse.headers.get('retry-after'), '7');
    assert.equal(err.rawResponse.headers.get('dg-request-id'), err.body.request_id);
    const ok = (await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {})) as any;
    assert.ok(ok.results);
    const [first, second] = emulator.requests();
    assert.equal(first?.status, 429);
    assert.equal(first?.audioBytes, audio.length, 'faulted requests still record what was sent');
    assert.equal(first?.audioSha256, second?.audioSha256);
    assert.match(first?.fault ?? '', /status 429/);
    assert.equal(second?.status, 200);
    assert.equal(second?.fault, undefined);
  });

  it('503 with overridden body fields, applied `times` times', async () => {
    emulator.injectFault({ status: 503, times: 2, errCode: 'CUSTOM', errMsg: 'custom message' });
    for (let i = 0; i < 2; i++) {
      const err = await thrown(() => sdkClient(emulator).listen.v1.media.transcribeFile(audio, {}));
      assert.equal(err.statusCode, 503);
      assert.equal(err.body.err_code, 'CUSTOM');
      assert.equal(err.body.err_msg, 'custom message');
    }
    assert.ok(((await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {})) as any).results);
  });

  it('faults are consumed in order and only by matching targets', async () => {
    emulator.injectFault({ target: 'live', status: 500 });
    emulator.injectFault({ status: 502 });
    emulator.injectFault({ target: 'any', status: 504 });
    assert.equal((await thrown(() => sdkClient(emulator).listen.v1.media.transcribeFile(audio, {}))).statusCode, 502);
    assert.equal((await thrown(() => sdkClient(emulator).listen.v1.media.transcribeFile(audio, {}))).statusCode, 504);
    assert.ok(((await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {})) as any).results);
    emulator.clearFaults();
  });

  it('times: Infinity applies until cleared', async () => {
    emulator.injectFault({ status: 500, times: Infinity });
    for (let i = 0; i < 3; i++) {
      assert.equal((await thrown(() => sdkClient(emulator).listen.v1.media.transcribeFile(audio, {}))).statusCode, 500);
    }
    emulator.clearFaults();
    assert.ok(((await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {})) as any).results);
  });

  it('latency delays a successful response', async () => {
    emulator.injectFault({ latencyMs: 300 });
    const started = Date.now();
    const res = (await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {})) as any;
    assert.ok(Date.now() - started >= 290, `took ${Date.now() - started} ms`);
    assert.ok(res.results);
    const fast = Date.now();
    await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {});
    assert.ok(Date.now() - fast < 250);
  });

  it('drop destroys the connection without a response (SDK error without statusCode)', async () => {
    emulator.injectFault({ drop: true });
    // SDK 5.13.0 does not clear its per-request timeout timer when fetch throws, so keep that timer short
    // (otherwise it holds the test process open for the default 60 s).
    const err = await thrown(() => sdkClient(emulator).listen.v1.media.transcribeFile(audio, {}, { timeoutInSeconds: 1 }));
    assert.equal(err instanceof DeepgramError, true);
    assert.equal(err.statusCode, undefined);
    const [rec] = emulator.requests();
    assert.equal(rec?.status, undefined);
    assert.equal(rec?.fault, 'drop');
    assert.ok(rec?.endedAt);
  });

  it('tracks in-flight and max in-flight REST requests', async () => {
    emulator.injectFault({ latencyMs: 400, times: 5 });
    const calls = Array.from({ length: 5 }, () => sdkClient(emulator).listen.v1.media.transcribeFile(audio, {}));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(emulator.stats().inFlight, 5);
    await Promise.all(calls);
    assert.deepEqual(emulator.stats(), { inFlight: 0, maxInFlight: 5, total: 5, liveOpen: 0, maxLiveOpen: 0 });
    // Sequential requests never overlap.
    emulator.reset();
    for (let i = 0; i < 3; i++) await sdkClient(emulator).listen.v1.media.transcribeFile(audio, {});
    assert.deepEqual(emulator.stats(), { inFlight: 0, maxInFlight: 1, total: 3, liveOpen: 0, maxLiveOpen: 0 });
  });
});
