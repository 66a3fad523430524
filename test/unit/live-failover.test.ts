import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LiveConnectError, type LiveMessage, type LiveUpstream } from '../../src/adapters/deepgram/live-client.js';
import { createFailoverLiveClient, type FailoverLiveOptions } from '../../src/adapters/deepgram/live-failover.js';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { freePort } from '../../src/runtime/free-port.js';
import { AUDIO_DIR } from '../helpers/paths.js';

const KEY = 'emulator-key';
const OPTIONS = { model: 'nova-3', encoding: 'linear16', sample_rate: '16000' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An upstream socket opened through the client under test, with what came back on it. */
interface Opened {
  upstream: LiveUpstream;
  messages: LiveMessage[];
  closed: Promise<{ code: number; reason: string }>;
}

/** The failover client over real emulators, recording every handshake outcome it reports. */
function client(apiUrls: string[], settings: Partial<FailoverLiveOptions> = {}) {
  const attempts: Array<[string, string]> = [];
  const live = createFailoverLiveClient({
    apiUrls,
    apiKey: KEY,
    failureThreshold: 1,
    cooldownMs: 60_000,
    connectTimeoutSeconds: 5,
    onConnect: (endpoint, outcome) => attempts.push([endpoint, outcome]),
    ...settings,
  });
  const open = async (): Promise<Opened> => {
    const messages: LiveMessage[] = [];
    let onClosed!: (info: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
    const upstream = await live(OPTIONS, { message: (m) => messages.push(m), closed: onClosed });
    return { upstream, messages, closed };
  };
  return { live, open, attempts };
}

/** Sends a second of speech, then CloseStream, and waits for the socket to close: proof the socket works end to end. */
async function transcribeOnce(opened: Opened, pcm: Buffer): Promise<void> {
  for (let i = 0; i < 32_000; i += 3_200) assert.ok(opened.upstream.sendAudio(pcm.subarray(i, i + 3_200)));
  opened.upstream.sendControl('CloseStream');
  await opened.closed;
  assert.ok(opened.messages.some((m) => m.type === 'Results'), 'results came back on the socket');
}

const liveRequests = (emulator: DeepgramEmulator) => emulator.requests().filter((r) => r.kind === 'live');

describe('live failover across Deepgram endpoints (real emulators)', () => {
  let primary: DeepgramEmulator;
  let secondary: DeepgramEmulator;
  let pcm: Buffer;

  before(async () => {
    [primary, secondary] = await Promise.all([startDeepgramEmulator({ apiKey: KEY }), startDeepgramEmulator({ apiKey: KEY })]);
    pcm = (await readFile(path.join(AUDIO_DIR, 'preamble-16k.wav'))).subarray(44);
  });
  after(async () => {
    await primary?.close();
    await secondary?.close();
  });

  test('healthy endpoints: the first one in priority order serves', async () => {
    primary.reset();
    secondary.reset();
    const { open, attempts } = client([primary.url, secondary.url]);
    await transcribeOnce(await open(), pcm);
    assert.deepEqual(attempts, [[primary.url, '101']]);
    assert.equal(liveRequests(primary).length, 1);
    assert.equal(liveRequests(secondary).length, 0);
  });

  test('the first endpoint swallows the handshake (accepts TCP, never answers): after the connect timeout the second serves', async () => {
    secondary.reset();
    const held: Socket[] = [];
    const blackhole = createServer((socket) => held.push(socket)); // holds every connection open and says nothing
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    try {
      const silent = `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}`;
      const { open, attempts } = client([silent, secondary.url], { connectTimeoutSeconds: 1 });
      const started = Date.now();
      const opened = await open();
      const waited = Date.now() - started;
      assert.ok(waited >= 900 && waited < 4_000, `failed over after the 1 s connect timeout (${waited} ms)`);
      assert.deepEqual(attempts, [[silent, 'network'], [secondary.url, '101']]);
      await transcribeOnce(opened, pcm);
    } finally {
      for (const socket of held) socket.destroy();
      blackhole.close();
    }
  });

  test('the first endpoint is unreachable: the same open lands on the second, and later opens skip the first', async () => {
    secondary.reset();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { live, open, attempts } = client([closed, secondary.url]);
    await transcribeOnce(await open(), pcm);
    assert.deepEqual(attempts, [
      [closed, 'network'],
      [secondary.url, '101'],
    ]);
    assert.deepEqual(live.health(), [
      { endpoint: closed, state: 'open' },
      { endpoint: secondary.url, state: 'closed' },
    ]);
    (await open()).upstream.close();
    assert.deepEqual(attempts.slice(2), [[secondary.url, '101']], 'the tripped endpoint is not tried during its cooldown');
    assert.equal(liveRequests(secondary).length, 2);
  });

  test('5xx and 429 refusals move on to the next endpoint, which still counts as up', async () => {
    for (const status of [503, 429]) {
      primary.reset();
      secondary.reset();
      primary.injectFault({ target: 'live', status });
      const { live, open, attempts } = client([primary.url, secondary.url]);
      (await open()).upstream.close();
      assert.deepEqual(attempts, [
        [primary.url, String(status)],
        [secondary.url, '101'],
      ]);
      assert.equal(live.health()[0]!.state, 'closed', `${status}: the endpoint answered, so its breaker stays closed`);
      (await open()).upstream.close();
      assert.deepEqual(attempts.at(-1), [primary.url, '101'], `${status}: the next open goes back to the first endpoint`);
    }
  });

  test('a permanent refusal (400, 401, 402) is thrown as it is: no other endpoint is tried', async () => {
    for (const status of [400, 401, 402]) {
      primary.reset();
      secondary.reset();
      primary.injectFault({ target: 'live', status });
      const { live, open, attempts } = client([primary.url, secondary.url]);
      await assert.rejects(open(), (err: unknown) => {
        assert.ok(err instanceof LiveConnectError);
        assert.equal(err.kind, 'permanent');
        assert.equal(err.status, status);
        return true;
      });
      assert.deepEqual(attempts, [[primary.url, String(status)]]);
      assert.equal(liveRequests(secondary).length, 0, `${status}: the second endpoint never saw the request`);
      assert.equal(live.health()[0]!.state, 'closed');
    }
    // Without a fault, the emulator itself refuses a wrong key with 401: the same, end to end.
    const { open } = client([primary.url, secondary.url], { apiKey: 'wrong-key' });
    await assert.rejects(open(), (err: unknown) => err instanceof LiveConnectError && err.kind === 'permanent' && err.status === 401);
    assert.equal(liveRequests(secondary).length, 0);
  });

  test('every endpoint down: a transient LiveConnectError naming each; the next open tries them again', async () => {
    const [a, b] = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
    const { live, open, attempts } = client([a, b]);
    await assert.rejects(open(), (err: unknown) => {
      assert.ok(err instanceof LiveConnectError);
      assert.equal(err.kind, 'transient');
      assert.match(err.message, /No Deepgram Live endpoint could be opened/);
      assert.ok(err.message.includes(a) && err.message.includes(b), err.message);
      return true;
    });
    assert.deepEqual(live.health().map((h) => h.state), ['open', 'open']);
    // Both breakers are open, yet a live session cannot wait out a cooldown: each endpoint is tried once more.
    await assert.rejects(open(), (err: unknown) => err instanceof LiveConnectError && err.kind === 'transient');
    assert.deepEqual(attempts.map(([endpoint]) => endpoint), [a, b, a, b]);
  });

  test('a single endpoint whose breaker is open is found again as soon as it is back', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { live, open } = client([url]);
    await assert.rejects(open(), (err: unknown) => err instanceof LiveConnectError && err.kind === 'transient' && err.status === undefined);
    assert.equal(live.health()[0]!.state, 'open');
    const back = await startDeepgramEmulator({ apiKey: KEY, port });
    try {
      await transcribeOnce(await open(), pcm);
      assert.equal(live.health()[0]!.state, 'closed');
    } finally {
      await back.close();
    }
  });

  test('after the cooldown the first endpoint is tried again, and serves once it is back', async () => {
    let first = await startDeepgramEmulator({ apiKey: KEY });
    const port = first.port;
    secondary.reset();
    const { live, open, attempts } = client([first.url, secondary.url], { cooldownMs: 800 });
    try {
      await first.close();
      (await open()).upstream.close();
      assert.deepEqual(attempts, [
        [first.url, 'network'],
        [secondary.url, '101'],
      ]);
      first = await startDeepgramEmulator({ apiKey: KEY, port });
      (await open()).upstream.close();
      assert.deepEqual(attempts.at(-1), [secondary.url, '101'], 'during the cooldown the second endpoint serves, even though the first is back');
      assert.equal(liveRequests(first).length, 0);
      assert.equal(live.health()[0]!.state, 'open');

      await sleep(900);
      assert.equal(live.health()[0]!.state, 'half-open');
      await transcribeOnce(await open(), pcm);
      assert.deepEqual(attempts.at(-1), [first.url, '101'], 'after the cooldown the first endpoint is tried again');
      assert.equal(live.health()[0]!.state, 'closed');
      assert.equal(liveRequests(first).length, 1);
    } finally {
      await first.close();
    }
  });

  test('a socket dropped because its endpoint died: opening again (the relay reconnecting) lands on the next endpoint', async () => {
    const first = await startDeepgramEmulator({ apiKey: KEY });
    secondary.reset();
    const { open, attempts } = client([first.url, secondary.url], { failureThreshold: 3 });
    try {
      const before = await open();
      assert.ok(before.upstream.sendAudio(pcm.subarray(0, 3_200)));
      await first.close();
      const info = await before.closed;
      assert.ok(info.code !== 1000, `the drop is reported as a close (${info.code})`);
      assert.equal(before.upstream.sendAudio(pcm.subarray(0, 3_200)), false);

      await transcribeOnce(await open(), pcm);
      assert.deepEqual(attempts, [
        [first.url, '101'],
        [first.url, 'network'],
        [secondary.url, '101'],
      ]);
    } finally {
      await first.close();
    }
  });
});
