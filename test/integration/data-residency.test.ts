import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import type { StreamingWorker } from '../../src/runtime/streaming-worker.js';
import { eventually, liveEnv, openRawLive, sendAudio, startTestStreamingWorker } from '../helpers/live.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startSharedParts } from '../helpers/shared-parts.js';
import { EMULATOR_KEY, startStack, type SharedParts, type Stack } from '../helpers/stack.js';
import { silentWav } from '../helpers/audio.js';

const ADMIN = 'admin-secret-0123456789abcdef';

/**
 * Data residency: a key pinned to `eu` is served only by the EU Deepgram endpoint and by workers that serve `eu`
 * (WORKER_REGIONS); unpinned keys stay on the default endpoint and queues.
 */
describe('data residency', () => {
  let shared: Awaited<ReturnType<typeof startSharedParts>>;
  let parts: SharedParts;
  let eu: DeepgramEmulator;
  let api: Stack;
  let usWorkerStack: Stack | undefined;
  let euWorkerStack: Stack | undefined;
  let usStreaming: StreamingWorker | undefined;
  let euStreaming: StreamingWorker | undefined;
  let env: Record<string, string>;
  let euKey: string;
  let defaultKey: string;

  const submit = (key: string) =>
    fetch(api.url('/v1/transcriptions?mode=async'), { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: silentWav(2) }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );
  const status = async (key: string, id: string) =>
    ((await (await fetch(api.url(`/v1/transcriptions/${id}`), { headers: { authorization: `Token ${key}` } })).json()) as any).status as string;

  before(async () => {
    shared = await startSharedParts();
    parts = shared.parts;
    eu = await startDeepgramEmulator({ apiKey: EMULATOR_KEY });
    env = liveEnv(parts, { ADMIN_API_KEY: ADMIN, DEEPGRAM_API_URL_EU: eu.url });
    // The API alone: which worker serves which region is up to the workers started below.
    api = await startStack(parts, { env, worker: false });
    const admin = (body: unknown) =>
      fetch(api.url('/v1/admin/keys'), { method: 'POST', headers: { authorization: `Token ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as any }),
      );
    await fetch(api.url('/v1/admin/tenants'), { method: 'POST', headers: { authorization: `Token ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'eu-co' }) });
    await fetch(api.url('/v1/admin/tenants'), { method: 'POST', headers: { authorization: `Token ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'us-co' }) });
    const pinned = await admin({ tenant: 'eu-co', region: 'EU' });
    assert.equal(pinned.status, 201);
    assert.equal(pinned.body.region, 'eu');
    euKey = pinned.body.secret;
    defaultKey = (await admin({ tenant: 'us-co' })).body.secret;
  });
  after(async () => {
    await euStreaming?.stop();
    await usStreaming?.stop();
    await euWorkerStack?.stop();
    await usWorkerStack?.stop();
    await api?.stop();
    await eu?.close();
    await shared?.stop();
  });

  test('an EU job waits for an EU worker and only reaches the EU endpoint; default jobs never do', async () => {
    usWorkerStack = await startStack(parts, { env: { ...env, WORKER_REGIONS: 'default' } });
    const euJob = await submit(euKey);
    const usJob = await submit(defaultKey);
    assert.equal(euJob.status, 202);
    await eventually(async () => ((await status(defaultKey, usJob.body.id)) === 'completed' ? true : undefined), 20_000, 'the default job');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await status(euKey, euJob.body.id), 'queued', 'no worker of the default region takes EU work');
    assert.equal(eu.requests().length, 0);

    euWorkerStack = await startStack(parts, { env: { ...env, WORKER_REGIONS: 'eu' } });
    await eventually(async () => ((await status(euKey, euJob.body.id)) === 'completed' ? true : undefined), 20_000, 'the EU job');
    assert.equal(eu.requests().filter((r) => r.kind === 'rest').length, 1, 'the EU job went to the EU endpoint');
    const defaultCalls = parts.emulator.requests().filter((r) => r.kind === 'rest').length;
    assert.equal(defaultCalls, 1, 'and only the default job to the default one');
  });

  test('live: a streaming worker of another region refuses a pinned key (403 wrong_region); one of its region relays to the EU endpoint', async () => {
    const audio = await readFile(path.join(AUDIO_DIR, 'testing-websocket.wav'));
    usStreaming = (await startTestStreamingWorker(parts, { ...env, WORKER_REGIONS: 'default' })).worker;
    euStreaming = (await startTestStreamingWorker(parts, { ...env, WORKER_REGIONS: 'eu' })).worker;
    const query = 'model=nova-2&encoding=linear16&sample_rate=16000';
    await assert.rejects(openRawLive(`${usStreaming.url}/v1/listen?${query}`, ['token', euKey]), /refused with 403/);
    await assert.rejects(openRawLive(`${euStreaming.url}/v1/listen?${query}`, ['token', defaultKey]), /refused with 403/);

    const live = await openRawLive(`${euStreaming.url}/v1/listen?${query}`, ['token', euKey]);
    await sendAudio((c) => live.ws.send(c), audio.subarray(44), 3200, 0);
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    assert.ok(eu.requests().some((r) => r.kind === 'live'), 'the Deepgram Live socket was opened on the EU endpoint');
    assert.ok(!parts.emulator.requests().some((r) => r.kind === 'live'));
  });
});
