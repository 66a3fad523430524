import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DeepgramCallTimeout } from '../../src/adapters/deepgram/errors.js';
import { createFailoverTranscriber } from '../../src/adapters/deepgram/failover-transcriber.js';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { AUDIO_DIR } from '../helpers/paths.js';

/** What the failover transcriber does with each outcome of a call, against two real Deepgram-protocol endpoints. */
describe('Deepgram failover: unknown outcomes are not failures', () => {
  let primary: DeepgramEmulator;
  let secondary: DeepgramEmulator;
  let audio: Buffer;
  const listens = (e: DeepgramEmulator) => e.requests().filter((r) => r.method === 'POST' && r.path === '/v1/listen').length;
  const transcriber = () => createFailoverTranscriber({ apiUrls: [primary.url, secondary.url], apiKey: 'k', timeoutSeconds: 1, failureThreshold: 1, cooldownMs: 60_000 });
  // As the activity does: the upload is opened anew for every send.
  const request = () => ({
    audio: { kind: 'upload' as const, contentType: 'audio/wav', open: async () => ({ body: Readable.from([audio]), sizeBytes: audio.length }) },
    options: {},
  });

  before(async () => {
    [primary, secondary] = await Promise.all([startDeepgramEmulator({ apiKey: 'k' }), startDeepgramEmulator({ apiKey: 'k' })]);
    audio = await readFile(path.join(AUDIO_DIR, 'testing-websocket.wav'));
  });
  beforeEach(() => {
    primary.reset();
    secondary.reset();
  });
  after(async () => {
    await primary.close();
    await secondary.close();
  });

  test('a call that times out on our side is an unknown outcome: no failover (that would bill twice), no strike against the circuit', async () => {
    const failover = transcriber();
    primary.injectFault({ latencyMs: 2_500 }); // answers, but after our 1 s timeout
    await assert.rejects(failover.transcribe(request()), DeepgramCallTimeout);
    assert.equal(listens(secondary), 0, 'the secondary was not asked while the primary may still be working');
    assert.deepEqual(failover.health().map((h) => h.state), ['closed', 'closed']);
    // The retry (Temporal's, after a backoff) goes to the same endpoint.
    const response = await failover.transcribe(request());
    assert.ok(response.results);
    assert.equal(listens(primary), 2);
    assert.equal(listens(secondary), 0);
  });

  test('an endpoint that cannot be reached is failed over at once and its circuit opens (the control)', async () => {
    const failover = transcriber();
    primary.injectFault({ drop: true });
    const response = await failover.transcribe(request());
    assert.ok(response.results);
    assert.equal(listens(secondary), 1);
    const received = secondary.requests().find((r) => r.path === '/v1/listen');
    assert.equal(received?.audioSha256, createHash('sha256').update(audio).digest('hex'), 'the failover sent the whole upload again');
    assert.deepEqual(failover.health().map((h) => h.state), ['open', 'closed']);
  });
});
