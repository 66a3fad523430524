import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpuMs } from './processes.js';
import { callDeepgramStandIn } from './deepgram-stand-in.js';

export interface QueuePeerResult {
  makespanSeconds: number;
  submitsPerSecond: number;
  /** CPU per job in ms: Redis, and this process (producer and worker). */
  redisCpuMsPerJob: number;
  clientWorkerCpuMsPerJob: number;
}

/** The pid of the Redis server listening on `port`, to read its CPU time; undefined when it cannot be found. */
function redisPid(port: number): number | undefined {
  try {
    const pids = execFileSync('pgrep', ['-f', `redis-server.*:${port}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    return pids.map(Number).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server'));
  } catch {
    return undefined;
  }
}

/**
 * The reference design's queue (BullMQ on Redis): `jobs` jobs added one by one, a worker running `cap` at once, each
 * calling the Deepgram stand-in (`deepgram`, answering after `latencyMs`), or without one waiting `latencyMs`. No
 * durability beyond Redis, no workflow: the queue alone.
 */
export async function benchBullmqPeer(options: { jobs: number; latencyMs: number; cap: number; redisUrl: string; deepgram?: { url: string; key: string; audioUrl: string } }, log: (m: string) => void): Promise<QueuePeerResult> {
  const url = new URL(options.redisUrl);
  const port = Number(url.port || 6379);
  // BullMQ's workers hold blocking commands: their client must not give up on a request (maxRetriesPerRequest: null).
  const connection = new Redis({ host: url.hostname, port, maxRetriesPerRequest: null });
  const name = `dtp-bench-${Date.now()}`;
  const queue = new Queue(name, { connection });
  let done = 0;
  let resolveAll!: () => void;
  const allDone = new Promise<void>((resolve) => (resolveAll = resolve));
  const worker = new Worker(
    name,
    async () => {
      if (options.deepgram) await callDeepgramStandIn(options.deepgram, options.deepgram.audioUrl);
      else await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    },
    { connection, concurrency: options.cap },
  );
  worker.on('completed', () => {
    if (++done === options.jobs) resolveAll();
  });
  const pid = redisPid(port);
  try {
    await worker.waitUntilReady();
    const redisBefore = pid ? cpuMs(pid) : 0;
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < options.jobs) {
          const n = next++;
          await queue.add('transcribe', { jobId: n }, { removeOnComplete: true });
        }
      }),
    );
    const submitSeconds = (performance.now() - started) / 1000;
    log(`BullMQ peer: ${options.jobs} added in ${submitSeconds.toFixed(1)} s`);
    await allDone;
    const makespanSeconds = (performance.now() - started) / 1000;
    const own = process.cpuUsage(ownBefore);
    return {
      makespanSeconds,
      submitsPerSecond: options.jobs / submitSeconds,
      redisCpuMsPerJob: pid ? (cpuMs(pid) - redisBefore) / options.jobs : Number.NaN,
      clientWorkerCpuMsPerJob: (own.user + own.system) / 1000 / options.jobs,
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();
  }
}
