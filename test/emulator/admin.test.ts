import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { readAudio } from './fixtures.js';
import { sdkClient, thrown } from './helpers.js';

describe('emulator admin HTTP API', () => {
  let emulator: DeepgramEmulator;
  const audio = readAudio('testing-websocket.wav');
  const admin = (path: string, init?: { method?: string; body?: unknown }) =>
    fetch(`${emulator.url}/_emulator/${path}`, {
      method: init?.method ?? 'GET',
      headers: init?.body ? { 'content-type': 'application/json' } : {},
      body: init?.body ? JSON.stringify(init.body) : undefined,
    });

  before(async () => {
    emulator = await startDeepgramEmulator({ apiKey: 'secret' });
  });
  after(() => emulator.close());

  it('health, transcripts by sha256 and by audio_base64', async () => {
    assert.equal((await admin('health')).status, 200);
    const sha = createHash('sha256').update(audio).digest('hex');
    assert.equal((await admin('transcripts', { method: 'POST', body: { sha256: sha, text: 'Registered over HTTP.' } })).status, 200);
    const res = (await sdkClient(emulator, 'secret').listen.v1.media.transcribeFile(audio, { punctuate: true })) as any;
    assert.equal(res.results.channels[0].alternatives[0].transcript, 'Registered over HTTP.');
    assert.equal(res.metadata.model_info[res.metadata.models[0]].name, 'emulator-registered');

    const other = readAudio('preamble-16k.wav');
    const body = { audio_base64: other.toString('base64'), text: 'Base64 registration.' };
    assert.equal((await admin('transcripts', { method: 'POST', body })).status, 200);
    const res2 = (await sdkClient(emulator, 'secret').listen.v1.media.transcribeFile(other, { punctuate: true })) as any;
    assert.equal(res2.results.channels[0].alternatives[0].transcript, 'Base64 registration.');
    assert.equal((await admin('transcripts', { method: 'POST', body: { text: 'x' } })).status, 400);
  });

  it('faults (times: null = always), requests, stats, reset', async () => {
    assert.equal((await admin('reset', { method: 'POST' })).status, 200);
    assert.equal((await admin('faults', { method: 'POST', body: { status: 503, times: null } })).status, 200);
    for (let i = 0; i < 3; i++) {
      assert.equal((await thrown(() => sdkClient(emulator, 'secret').listen.v1.media.transcribeFile(audio, {}))).statusCode, 503);
    }
    assert.equal((await admin('faults', { method: 'DELETE' })).status, 200);
    await sdkClient(emulator, 'secret').listen.v1.media.transcribeFile(audio, { model: 'nova-3', keyterm: ['a', 'b'] });

    const requests = (await (await admin('requests')).json()) as any[];
    assert.deepEqual(requests.map((r) => r.status), [503, 503, 503, 200]);
    assert.deepEqual(requests[3].query.keyterm, ['a', 'b']);
    assert.equal(requests[3].audioSha256, createHash('sha256').update(audio).digest('hex'));
    const stats = (await (await admin('stats')).json()) as any;
    assert.deepEqual(stats, { inFlight: 0, maxInFlight: 1, total: 4, liveOpen: 0, maxLiveOpen: 0 });

    await admin('reset', { method: 'POST' });
    assert.deepEqual(await (await admin('requests')).json(), []);
    assert.equal(((await (await admin('stats')).json()) as any).total, 0);
    assert.equal((await admin('faults', { method: 'POST', body: { target: 'nowhere' } })).status, 400);
    assert.equal((await admin('nope')).status, 404);
  });

  it('the admin API needs no key but /v1/listen does', async () => {
    const res = await fetch(`${emulator.url}/v1/listen`, { method: 'POST', body: audio, headers: { authorization: 'Bearer secret' } });
    assert.equal(res.status, 200);
    const unauth = await fetch(`${emulator.url}/v1/listen`, { method: 'POST', body: audio });
    assert.equal(unauth.status, 401);
    assert.equal(((await unauth.json()) as any).err_code, 'INVALID_AUTH');
  });
});
