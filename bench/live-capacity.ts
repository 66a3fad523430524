import { TEST_PAYLOAD_KEYS_ENV } from '../test/helpers/payload-keys.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../src/runtime/free-port.js';
import { createTestDatabase } from '../test/helpers/database.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';
import { TimedStream } from './live-stream-client.js';
import { cpuMs, machineTicks, rssBytes, spawnEntry, stopChild } from './processes.js';
import { summarize } from './stats.js';

const KEY = 'bench-key';
const QUERY = 'model=nova-3&encoding=linear16&sample_rate=16000&interim_results=true';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CapacityLevel {
  streams: number;
  p50: number;
  p99: number;
  rssMiB: number;
  perSessionKiB: number;
  /** CPU used during the window, in % of one core: the streaming worker, the emulator, this load generator. */
  workerCpu: number;
  emulatorCpu: number;
  clientsCpu: number;
  /** The whole machine's CPU use (all cores, every process), in %. */
  machineCpu: number;
  failed: number;
  /** Close code and reason of the first stream that failed, if any. */
  firstFailure?: string;
  holds: boolean;
}


/**
 * How many real-time 16 kHz streams one streaming worker (its own process) holds: streams are added in steps, each
 * sending 100 ms of audio every 100 ms (staggered), and each step is measured for `windowMs`. A step holds when no
 * stream failed and the p99 round trip of interim results stays under `maxP99Ms`. Memory is the worker's RSS. The
 * emulator runs as its own process too, so the streaming worker, the emulator and the clients each get their CPU.
 */
export async function benchLiveCapacity(temporalAddress: string, options: { levels: number[]; windowMs: number; maxP99Ms: number }, log: (m: string) => void) {
  const database = await createTestDatabase();
  const pcm = (await readFile(path.join(AUDIO_DIR, 'preamble-16k.wav'))).subarray(44);
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const max = Math.max(...options.levels);
  log('starting the emulator and a streaming worker, each as its own process ...');
  // Synthetic words: this measures the relay, not the emulator's offline speech engine.
  const emulatorEnv = { EMULATOR_PORT: String(emulatorPort), EMULATOR_API_KEY: KEY, EMULATOR_ENGINE: 'synthetic', LOG_LEVEL: 'warn' };
  const emulator = await spawnEntry('src/main/emulator.ts', emulatorEnv, 'listening');
  const child = await spawnEntry(
    'src/main/streaming-worker.ts',
    {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporalAddress,
      DEEPGRAM_API_URL: `http://127.0.0.1:${emulatorPort}`,
      DEEPGRAM_API_KEY: KEY,
      STREAMING_PORT: String(port),
      HOST: '127.0.0.1',
      LIVE_TASK_QUEUE: 'bench-live-capacity',
      PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_ENV,
      LIVE_MAX_SESSIONS_PER_WORKER: String(max + 10),
      DEEPGRAM_MAX_LIVE_SESSIONS: String(max + 10),
    },
    'streaming worker running',
  );
  const url = `ws://127.0.0.1:${port}/v1/listen?${QUERY}`;
  const streams: TimedStream[] = [];
  // One ticker, ten slots: each stream sends every 100 ms, a tenth of them every 10 ms, so load is even.
  let slot = 0;
  const ticker = setInterval(() => {
    for (let i = slot; i < streams.length; i += 10) streams[i]!.sendNext();
    slot = (slot + 1) % 10;
  }, 10);
  const levels: CapacityLevel[] = [];
  try {
    // Warm up (module loading, JIT, first workflow) so the baseline is the idle worker, not a cold one.
    const warm = new TimedStream(url, pcm);
    await warm.open();
    for (let i = 0; i < 20; i++) (warm.sendNext(), await sleep(50));
    await warm.close();
    await sleep(1_000);
    const baseline = rssBytes(child.pid!);
    for (const target of options.levels) {
      log(`live capacity: ${target} concurrent streams ...`);
      while (streams.length < target) {
        const batch = Array.from({ length: Math.min(25, target - streams.length) }, () => new TimedStream(url, pcm));
        await Promise.all(batch.map((s) => s.open()));
        streams.push(...batch);
      }
      // Measure once every session's relay is running (its first result arrived).
      const deadline = Date.now() + 60_000;
      while (streams.some((s) => s.liveSince === undefined) && Date.now() < deadline) await sleep(200);
      await sleep(1_000);
      for (const s of streams) (s.latencies.length = 0), (s.recording = true);
      const cpuBefore = { worker: cpuMs(child.pid!), emulator: cpuMs(emulator.pid!), clients: process.cpuUsage(), machine: machineTicks() };
      await sleep(options.windowMs);
      for (const s of streams) s.recording = false;
      const clients = process.cpuUsage(cpuBefore.clients);
      const percent = (ms: number) => (100 * ms) / options.windowMs;
      const machine = machineTicks();
      const stats = summarize(streams.flatMap((s) => s.latencies));
      const failures = streams.filter((s) => s.unexpectedClose || !s.isOpen);
      const failed = failures.length;
      const first = failures[0]?.unexpectedClose;
      const rss = rssBytes(child.pid!);
      const holds = failed === 0 && stats.n > 0 && stats.p99 <= options.maxP99Ms;
      levels.push({
        streams: target,
        p50: stats.p50,
        p99: stats.p99,
        rssMiB: rss / 2 ** 20,
        perSessionKiB: (rss - baseline) / target / 1024,
        workerCpu: percent(cpuMs(child.pid!) - cpuBefore.worker),
        emulatorCpu: percent(cpuMs(emulator.pid!) - cpuBefore.emulator),
        clientsCpu: percent((clients.user + clients.system) / 1000),
        machineCpu: (100 * (machine.busy - cpuBefore.machine.busy)) / (machine.total - cpuBefore.machine.total),
        failed,
        ...(first ? { firstFailure: `${first.code} ${first.reason}` } : {}),
        holds,
      });
      if (!holds) break;
    }
    return { baselineMiB: baseline / 2 ** 20, levels };
  } finally {
    clearInterval(ticker);
    await Promise.all(streams.map((s) => s.close().catch(() => undefined)));
    await stopChild(child);
    await stopChild(emulator);
    await database.drop();
  }
}
