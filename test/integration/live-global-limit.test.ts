import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { findLiveSession } from '../../src/db/repositories/live-sessions.repository.js';
import type { Metrics } from '../../src/observability/metrics.js';
import type { StreamingWorker } from '../../src/runtime/streaming-worker.js';
import { eventually, liveEnv, openRawLive, sendAudio, sleep, startTestStreamingWorker, type RawLive } from '../helpers/live.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const QUERY = 'model=nova-2&encoding=linear16&sample_rate=16000&interim_results=true';
const BYTES_PER_SECOND = 16_000 * 2;
const LIMIT_REASON = /3 live sessions are open, the limit across all streaming workers \(DEEPGRAM_MAX_LIVE_SESSIONS=3\)/;

describeWithStack('DEEPGRAM_MAX_LIVE_SESSIONS: one cap on live sessions across every streaming worker', { stack: false }, (t) => {
  let workers: StreamingWorker[];
  let metrics: Metrics[];
  const pcm = () => t.audio('preamble-16k.wav').subarray(44);

  before(async () => {
    // Two workers with room for ten each, sharing one live queue and one database: only the global cap can bind.
    const env = liveEnv(t.parts, {
      DEEPGRAM_MAX_LIVE_SESSIONS: '3',
      LIVE_MAX_SESSIONS_PER_WORKER: '10',
      LIVE_RESUME_WINDOW_MS: '3000',
      LIVE_KEEPALIVE_INTERVAL_MS: '300',
      LIVE_PERSIST_INTERVAL_MS: '200',
    });
    const started = [await startTestStreamingWorker(t.parts, env), await startTestStreamingWorker(t.parts, env)];
    workers = started.map((s) => s.worker);
    metrics = started.map((s) => s.metrics);
    for (const worker of workers) t.defer(() => worker.stop());
  });

  const open = (worker: StreamingWorker, extra = '') => openRawLive(`${worker.url}/v1/listen?${QUERY}${extra}`);
  /** Resolves the close if the server closes the socket within `ms`, else undefined (the session was admitted). */
  const closedWithin = (live: RawLive, ms: number) => Promise.race([live.closed, sleep(ms).then(() => undefined)]);
  /** Streams a second of speech and returns the session id Deepgram's results carry (proof the relay works). */
  const speak = async (live: RawLive) => {
    await sendAudio((c) => live.ws.send(c), pcm().subarray(0, BYTES_PER_SECOND), 3200, 5);
    return (await live.waitFor((m) => m.type === 'Results')).metadata.request_id as string;
  };
  const finish = async (live: RawLive) => {
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
  };
  const ended = (sessionId: string) =>
    eventually(async () => ((await findLiveSession(t.parts.db, sessionId))?.status === 'ended' ? true : undefined), 20_000, `session ${sessionId} to end`);

  test('four clients race for three places on two workers: one is closed with 1013, Deepgram never holds more than three streams, and a freed place is taken again', { timeout: 90_000 }, async () => {
    t.parts.emulator.reset();
    const [a, b] = workers as [StreamingWorker, StreamingWorker];
    const clients = await Promise.all([open(a), open(b), open(a), open(b)]);
    const outcomes = await Promise.all(clients.map((c) => closedWithin(c, 3_000)));

    const refused = outcomes.filter((o) => o !== undefined);
    assert.equal(refused.length, 1, `exactly one client is turned away (got ${JSON.stringify(refused)})`);
    assert.equal(refused[0]!.code, 1013, 'close code 1013: try again later');
    assert.match(refused[0]!.reason, LIMIT_REASON);

    const admitted = clients.filter((_, i) => outcomes[i] === undefined);
    const ids = await Promise.all(admitted.map(speak));
    assert.equal(new Set(ids).size, 3, 'three working sessions');
    assert.equal(t.parts.emulator.stats().maxLiveOpen, 3, 'Deepgram saw at most three live streams at once');
    const connected = await Promise.all(metrics.map(async (m) => (await m.registry.getSingleMetric('live_sessions_open')!.get()).values[0]!.value));
    assert.equal(connected.reduce((a, b) => a + b, 0), 3, `live_sessions_open on the two workers: ${connected}`);

    // A session that ends frees its place for the next client, on either worker.
    await finish(admitted[0]!);
    await ended(ids[0]!);
    const next = await open(b);
    assert.equal(await closedWithin(next, 2_000), undefined, 'the freed place is given to a new client');
    ids.push(await speak(next));
    const overflow = await open(a);
    const overflowClosed = await closedWithin(overflow, 5_000);
    assert.equal(overflowClosed?.code, 1013, 'full again: the next client is turned away');

    for (const live of [...admitted.slice(1), next]) await finish(live);
    for (const id of ids.slice(1)) await ended(id);
    assert.ok(t.parts.emulator.stats().maxLiveOpen <= 3, `Deepgram saw ${t.parts.emulator.stats().maxLiveOpen} live streams at once`);

    // Operators see the refusals, labelled by which limit turned the client away.
    const scraped = (await Promise.all(metrics.map((m) => m.registry.getSingleMetricAsString('live_sessions_refused_total')))).join('\n');
    const refusals = [...scraped.matchAll(/live_sessions_refused_total\{reason="global_limit"\} (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.equal(refusals, 2, scraped);
  });

  test('a client that dropped keeps its place for the resume window: it comes back while the platform is full; once the window passes the place is free', { timeout: 90_000 }, async () => {
    const [a, b] = workers as [StreamingWorker, StreamingWorker];
    const clients = [await open(a), await open(b), await open(a)];
    const ids = await Promise.all(clients.map(speak));

    // The first client loses its connection (no CloseStream): its session waits for it, holding its place.
    clients[0]!.ws.terminate();
    await sleep(500);
    const stranger = await open(b);
    assert.equal((await closedWithin(stranger, 5_000))?.code, 1013, 'no place for a new session while the dropped one may come back');

    const back = await open(b, `&session_id=${ids[0]}`);
    assert.equal(await closedWithin(back, 2_000), undefined, 'the dropped client resumes although the platform is full');
    assert.equal(await speak(back), ids[0], 'and continues its own session');

    // This time it goes for good: after the resume window the session ends and its place is free again.
    back.ws.terminate();
    await ended(ids[0]!);
    assert.equal((await findLiveSession(t.parts.db, ids[0]!))?.closeReason, 'client_disconnected');
    const newcomer = await open(a);
    assert.equal(await closedWithin(newcomer, 2_000), undefined, 'the place is free once the session ended');
    await speak(newcomer);

    for (const live of [...clients.slice(1), newcomer]) await finish(live);

    const scraped = (await Promise.all(metrics.map((m) => m.registry.metrics()))).join('\n');
    const sum = (pattern: RegExp) => [...scraped.matchAll(pattern)].reduce((total, m) => total + Number(m[1]), 0);
    assert.equal(sum(/^live_sessions_ended_total\{reason="client_disconnected"\} (\d+)$/gm), 1, 'the session that never came back, counted once');
    assert.ok(sum(/^audio_seconds_processed_total\{mode="live"\} ([\d.]+)$/gm) >= 5, 'live audio is counted (a second per client and resume)');
  });
});
