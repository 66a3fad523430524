import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, test } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { eventually, liveEnv, openRawLive, sendAudio, startTestStreamingWorker } from '../helpers/live.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { EMULATOR_KEY, startStack } from '../helpers/stack.js';
import { silentWav } from '../helpers/audio.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const ADMIN = 'admin-secret-0123456789abcdef';

/**
 * Data residency: a key pinned to `eu` is served only by the EU Deepgram endpoint and by workers that serve `eu`
 * (WORKER_REGIONS); unpinned keys stay on the default endpoint and queues.
 */
let eu: DeepgramEmulator;

// The API alone, and the EU endpoint: which worker serves which region is up to the workers each test starts.
describeWithStack(
  'data residency',
  {
    streaming: false,
    stack: {
      worker: false,
      env: async (parts) => {
        eu = await startDeepgramEmulator({ apiKey: EMULATOR_KEY });
        return liveEnv(parts, { ADMIN_API_KEY: ADMIN, DEEPGRAM_API_URL_EU: eu.url });
      },
    },
  },
  (t) => {
  let euKey: string;
  let defaultKey: string;
  /** Starts a part for this suite, stopped at its end. */
  const own = async <T extends { stop(): Promise<unknown> }>(part: Promise<T>): Promise<T> => {
    const started = await part;
    t.defer(() => started.stop());
    return started;
  };

  const submit = (key: string) =>
    fetch(t.stack.url('/v1/transcriptions?mode=async'), { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav' }, body: silentWav(2) }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );
  const status = async (key: string, id: string) =>
    ((await (await fetch(t.stack.url(`/v1/transcriptions/${id}`), { headers: { authorization: `Token ${key}` } })).json()) as any).status as string;

  before(async () => {
    t.defer(() => eu.close());
    const admin = (body: unknown) =>
      fetch(t.stack.url('/v1/admin/keys'), { method: 'POST', headers: { authorization: `Token ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as any }),
      );
    for (const name of ['eu-co', 'us-co']) {
      await fetch(t.stack.url('/v1/admin/tenants'), { method: 'POST', headers: { authorization: `Token ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    }
    const pinned = await admin({ tenant: 'eu-co', region: 'EU' });
    assert.equal(pinned.status, 201);
    assert.equal(pinned.body.region, 'eu');
    euKey = pinned.body.secret;
    defaultKey = (await admin({ tenant: 'us-co' })).body.secret;
  });

  test('an EU job waits for an EU worker and only reaches the EU endpoint; default jobs never do', async () => {
    await own(startStack(t.parts, { env: { ...t.env, WORKER_REGIONS: 'default' } }));
    const euJob = await submit(euKey);
    const usJob = await submit(defaultKey);
    assert.equal(euJob.status, 202);
    await eventually(async () => ((await status(defaultKey, usJob.body.id)) === 'completed' ? true : undefined), 20_000, 'the default job');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await status(euKey, euJob.body.id), 'queued', 'no worker of the default region takes EU work');
    assert.equal(eu.requests().length, 0);

    await own(startStack(t.parts, { env: { ...t.env, WORKER_REGIONS: 'eu' } }));
    await eventually(async () => ((await status(euKey, euJob.body.id)) === 'completed' ? true : undefined), 20_000, 'the EU job');
    assert.equal(eu.requests().filter((r) => r.kind === 'rest').length, 1, 'the EU job went to the EU endpoint');
    const defaultCalls = t.parts.emulator.requests().filter((r) => r.kind === 'rest').length;
    assert.equal(defaultCalls, 1, 'and only the default job to the default one');
  });

  test('live: a streaming worker of another region refuses a pinned key (403 wrong_region); one of its region relays to the EU endpoint', async () => {
    const audio = await readFile(path.join(AUDIO_DIR, 'testing-websocket.wav'));
    const usStreaming = (await own(startTestStreamingWorker(t.parts, { ...t.env, WORKER_REGIONS: 'default' }).then((s) => s.worker)));
    const euStreaming = (await own(startTestStreamingWorker(t.parts, { ...t.env, WORKER_REGIONS: 'eu' }).then((s) => s.worker)));
    const query = 'model=nova-2&encoding=linear16&sample_rate=16000';
    await assert.rejects(openRawLive(`${usStreaming.url}/v1/listen?${query}`, ['token', euKey]), /refused with 403/);
    await assert.rejects(openRawLive(`${euStreaming.url}/v1/listen?${query}`, ['token', defaultKey]), /refused with 403/);

    const live = await openRawLive(`${euStreaming.url}/v1/listen?${query}`, ['token', euKey]);
    await sendAudio((c) => live.ws.send(c), audio.subarray(44), 3200, 0);
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    assert.ok(eu.requests().some((r) => r.kind === 'live'), 'the Deepgram Live socket was opened on the EU endpoint');
    assert.ok(!t.parts.emulator.requests().some((r) => r.kind === 'live'));
  });
});
