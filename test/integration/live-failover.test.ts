import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import type { StreamingWorker } from '../../src/runtime/streaming-worker.js';
import { eventually, liveEnv, openRawLive, sendAudio, startTestStreamingWorker, type RawLive } from '../helpers/live.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startSharedParts } from '../helpers/shared-parts.js';
import { EMULATOR_KEY, getJson, startStack, type SharedParts, type Stack } from '../helpers/stack.js';

const QUERY = 'model=nova-3&encoding=linear16&sample_rate=16000&interim_results=true&punctuate=true';
const BYTES_PER_SECOND = 16_000 * 2;
const COOLDOWN_MS = 12_000;

describe('live sessions fail over across Deepgram endpoints (DEEPGRAM_API_URL lists two)', () => {
  let shared: Awaited<ReturnType<typeof startSharedParts>>;
  let parts: SharedParts;
  let stack: Stack;
  let streaming: StreamingWorker;
  let primary: DeepgramEmulator;
  let secondary: DeepgramEmulator;
  let primaryPort: number;
  let pcm: Buffer;

  const session = async (id: string) => (await getJson(stack.url(`/v1/streams/${id}`))).body;
  const ended = (id: string) => eventually(async () => ((await session(id)).status === 'ended' ? session(id) : undefined), 20_000, `session ${id} to end`);
  const liveRequests = (emulator: DeepgramEmulator) => emulator.requests().filter((r) => r.kind === 'live');
  /** deepgram_calls_total{kind="live"} for one endpoint and outcome, from the worker's /metrics. */
  const handshakes = async (endpoint: string, outcome: string) => {
    const text = await (await fetch(`${streaming.url.replace(/^ws/, 'http')}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`deepgram_calls_total{kind="live",endpoint="${endpoint}",outcome="${outcome}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  /** A raw client that also notes when each message arrived. */
  const open = async (): Promise<RawLive & { arrivals: number[] }> => {
    const live = await openRawLive(`${streaming.url}/v1/listen?${QUERY}`);
    const arrivals: number[] = [];
    live.ws.on('message', () => arrivals.push(Date.now()));
    return Object.assign(live, { arrivals });
  };
  const finalsOf = (live: RawLive) => live.messages.filter((m) => m.type === 'Results' && m.is_final);
  /** Finals follow each other on one timeline: none lost, none repeated. */
  const assertContinuous = (finals: any[]) => {
    assert.equal(finals[0].start, 0);
    for (let i = 1; i < finals.length; i++) {
      const previousEnd = finals[i - 1].start + finals[i - 1].duration;
      assert.ok(Math.abs(finals[i].start - previousEnd) < 0.002, `final ${i} starts at ${finals[i].start}, previous ended at ${previousEnd}`);
    }
  };

  before(async () => {
    shared = await startSharedParts();
    parts = shared.parts;
    pcm = (await readFile(path.join(AUDIO_DIR, 'preamble-16k.wav'))).subarray(44);
    [primary, secondary] = await Promise.all([startDeepgramEmulator({ apiKey: EMULATOR_KEY }), startDeepgramEmulator({ apiKey: EMULATOR_KEY })]);
    primaryPort = primary.port;
    const env = liveEnv(parts, {
      DEEPGRAM_API_URL: `${primary.url},${secondary.url}`,
      DEEPGRAM_CIRCUIT_FAILURES: '1',
      DEEPGRAM_CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS),
      LIVE_PERSIST_INTERVAL_MS: '200',
    });
    stack = await startStack(parts, { worker: false, env });
    streaming = (await startTestStreamingWorker(parts, env)).worker;
  });
  after(async () => {
    await streaming?.stop();
    await stack?.stop();
    await primary?.close();
    await secondary?.close();
    await shared?.stop();
  });

  test('the first endpoint dies mid-session: the session continues on the second, the client sees only a short pause', { timeout: 60_000 }, async () => {
    const live = await open();
    const sending = sendAudio((c) => live.ws.send(c), pcm, 3200, 25); // 100 ms of audio every 25 ms
    // Kill the first endpoint once a few finals came from it: its live sockets drop, its port refuses connections.
    await eventually(async () => (finalsOf(live).length >= 3 ? true : undefined), 15_000, 'finals from the first endpoint');
    const finalsBefore = finalsOf(live).length;
    await primary.close();
    const droppedAt = Date.now();
    await sending;
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    const closed = await live.closed;
    assert.equal(closed.code, 1000, 'the client socket was never dropped');
    assert.equal(live.messages.at(-1).type, 'Metadata');

    const finals = finalsOf(live);
    assert.ok(finals.length > finalsBefore + 3, `finals kept arriving after the drop (${finalsBefore} before, ${finals.length} in all)`);
    assertContinuous(finals);
    const total = pcm.length / BYTES_PER_SECOND;
    const last = finals.at(-1);
    const end = last.start + last.duration;
    assert.ok(end >= total - 0.01 && end < total + 0.6, `finals cover all the audio (end at ${end}, audio is ${total} s)`);
    // The pause: from the drop to the next message the client got.
    const resumedAt = live.arrivals.find((t) => t > droppedAt)!;
    assert.ok(resumedAt - droppedAt < 2_500, `results resumed ${resumedAt - droppedAt} ms after the drop`);

    const sessionId = finals[0].metadata.request_id;
    assert.ok(live.messages.filter((m) => m.type === 'Results').every((m) => m.metadata.request_id === sessionId), 'one session id across both endpoints');
    const stored = await ended(sessionId);
    assert.equal(stored.close_reason, 'client_closed');
    assert.equal(stored.reconnect_count, 1);
    assert.ok(Math.abs(stored.audio_seconds - total) < 0.01, `audio_seconds ${stored.audio_seconds}`);
    assert.deepEqual(
      stored.segments.map((s: any) => [s.start, s.end, s.transcript]),
      finals.map((m) => [m.start, Math.round((m.start + m.duration) * 1e6) / 1e6, m.channel.alternatives[0].transcript]),
      'exactly the finals the client saw are stored, once each',
    );
    assert.equal(liveRequests(secondary).length, 1);
    assert.ok((liveRequests(secondary)[0]!.audioBytes ?? 0) < pcm.length, 'the second endpoint got only the audio since the last final');
    assert.deepEqual(stored.deepgram_request_ids, [...liveRequests(primary), ...liveRequests(secondary)].map((r) => r.id), 'a Deepgram request on each endpoint');

    assert.equal(await handshakes(primary.url, '101'), 1);
    assert.equal(await handshakes(primary.url, 'network'), 1, 'the reconnect found the first endpoint unreachable');
    assert.equal(await handshakes(secondary.url, '101'), 1);
    assert.deepEqual(streaming.deepgramHealth(), [
      { endpoint: primary.url, state: 'open' },
      { endpoint: secondary.url, state: 'closed' },
    ]);
  });

  test('a session started while the first endpoint is down goes straight to the second', { timeout: 30_000 }, async () => {
    assert.equal(streaming.deepgramHealth()[0]!.state, 'open', 'precondition: still within the first endpoint’s cooldown');
    const live = await open();
    await sendAudio((c) => live.ws.send(c), pcm.subarray(0, 3 * BYTES_PER_SECOND), 3200, 10);
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    const sessionId = finalsOf(live)[0].metadata.request_id;
    const stored = await ended(sessionId);
    assert.equal(stored.reconnect_count, 0);
    assert.ok(stored.segments.length > 0);
    assert.equal(await handshakes(primary.url, 'network'), 1, 'the first endpoint was not tried');
    assert.equal(await handshakes(secondary.url, '101'), 2);
    assert.deepEqual(stored.deepgram_request_ids, [liveRequests(secondary).at(-1)!.id]);
  });

  test('the first endpoint comes back: after the cooldown new sessions go to it again', { timeout: 40_000 }, async () => {
    primary = await startDeepgramEmulator({ apiKey: EMULATOR_KEY, port: primaryPort });
    await eventually(async () => (streaming.deepgramHealth()[0]!.state === 'half-open' ? true : undefined), COOLDOWN_MS + 5_000, 'the cooldown to end');
    const live = await open();
    await sendAudio((c) => live.ws.send(c), pcm.subarray(0, 2 * BYTES_PER_SECOND), 3200, 10);
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    const stored = await ended(finalsOf(live)[0].metadata.request_id);
    assert.equal(liveRequests(primary).length, 1, 'the restarted first endpoint served the session');
    assert.deepEqual(stored.deepgram_request_ids, [liveRequests(primary)[0]!.id]);
    assert.equal(streaming.deepgramHealth()[0]!.state, 'closed');
    assert.equal(await handshakes(primary.url, '101'), 2);
  });
});
