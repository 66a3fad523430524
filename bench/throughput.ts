import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../src/runtime/free-port.js';
import { DEV_SERVER_SQLITE_PRAGMAS, startTemporalDevServer } from '../src/temporal/dev-server.js';
import { startMediaServer } from '../test/helpers/media-server.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';
import { startInProcessPlatform } from './in-process-platform.js';
import { cpuMs, spawnEntry, stopChild } from './processes.js';
import { stopInOrder } from './stats.js';

const KEY = 'bench-key';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ThroughputResult {
  label: string;
  jobs: number;
  makespanSeconds: number;
  submitsPerSecond: number;
  /** 429s the submitters were answered (and waited out with Retry-After). */
  throttled: number;
  /** CPU per job in ms. */
  serverCpuMsPerJob: number;
  apiWorkerCpuMsPerJob: number;
  postgresCpuMsPerJob: number;
}

/** CPU time of every PostgreSQL process now (backends come and go; those that stay carry the work). */
function postgresCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const pid of execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number)) {
      try {
        out.set(pid, cpuMs(pid));
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no PostgreSQL processes visible
  }
  return out;
}
const postgresSpent = (before: Map<number, number>, after: Map<number, number>) => [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

/**
 * `jobs` async jobs through the API, one client, 16 submissions in flight (or `batchSize` jobs per batch request), against a Deepgram stand-in (the emulator,
 * its own process) that answers each call in `latencyMs`, under DEEPGRAM_MAX_CONCURRENT=`cap`. The API and the batch
 * worker run in this process, Temporal is a dev server on a SQLite file as under `npm start`. `env` holds the settings
 * that differ between rows; a submission answered 429 waits its Retry-After and is sent again.
 */
export async function benchThroughput(
  cliPath: string,
  options: { label: string; jobs: number; latencyMs: number; cap: number; env: Record<string, string>; batchSize?: number },
  log: (m: string) => void,
): Promise<ThroughputResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dtp-bench-throughput-'));
  const server = await startTemporalDevServer({ cliPath, port: await freePort(), uiPort: 0, headless: true, namespace: 'default', dbFile: path.join(dir, 'temporal.sqlite'), sqlitePragmas: DEV_SERVER_SQLITE_PRAGMAS });
  const emulatorPort = await freePort();
  const emulator = await spawnEntry('src/main/emulator.ts', { EMULATOR_PORT: String(emulatorPort), EMULATOR_API_KEY: KEY, EMULATOR_ENGINE: 'synthetic', LOG_LEVEL: 'warn' }, 'listening');
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  await fetch(`${emulatorUrl}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: options.latencyMs, times: 'Infinity' }) });
  const media = await startMediaServer(AUDIO_DIR);
  const platform = await startInProcessPlatform({
    temporalAddress: server.address,
    deepgramUrl: emulatorUrl,
    deepgramKey: KEY,
    taskQueue: 'bench-throughput',
    env: { DEEPGRAM_MAX_CONCURRENT: String(options.cap), ...options.env },
  });
  const url = media.file('testing-websocket.wav');
  let throttled = 0;
  const submit = async () => {
    for (;;) {
      const res = await fetch(`${platform.apiUrl}/v1/transcriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url, mode: 'async', duration_hint: 4.7 }) });
      if (res.status === 202) return void (await res.arrayBuffer());
      if (res.status !== 429) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
      throttled++;
      await res.arrayBuffer();
      await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
    }
  };
  const completed = async () => Number((await platform.db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'completed').executeTakeFirstOrThrow()).n);

  try {
    const serverBefore = cpuMs(server.pid);
    const ownBefore = process.cpuUsage();
    const postgresBefore = postgresCpuMs();
    const started = performance.now();
    let next = 0;
    if (options.batchSize) {
      // Batches one after another, each answered once its jobs are stored and handed to Temporal.
      for (let sent = 0; sent < options.jobs; sent += options.batchSize) {
        const items = Array.from({ length: Math.min(options.batchSize, options.jobs - sent) }, () => ({ url, mode: 'async', duration_hint: 4.7 }));
        const res = await fetch(`${platform.apiUrl}/v1/transcriptions/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
        const body = (await res.json()) as { accepted?: number };
        if (res.status !== 207 || body.accepted !== items.length) throw new Error(`batch answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
        log(`throughput (${options.label}): submitted ${sent + items.length}/${options.jobs}`);
      }
    } else {
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < options.jobs) {
            const n = ++next;
            await submit();
            if (n % 250 === 0) log(`throughput (${options.label}): submitted ${n}/${options.jobs}`);
          }
        }),
      );
    }
    const submitSeconds = (performance.now() - started) / 1000;
    let lastLog = performance.now();
    for (let done = await completed(); done < options.jobs; done = await completed()) {
      if (performance.now() - lastLog > 10_000) {
        log(`throughput (${options.label}): ${done}/${options.jobs} completed`);
        lastLog = performance.now();
      }
      await sleep(200);
    }
    const makespanSeconds = (performance.now() - started) / 1000;
    const own = process.cpuUsage(ownBefore);
    return {
      label: options.label,
      jobs: options.jobs,
      makespanSeconds,
      submitsPerSecond: options.jobs / submitSeconds,
      throttled,
      serverCpuMsPerJob: (cpuMs(server.pid) - serverBefore) / options.jobs,
      apiWorkerCpuMsPerJob: (own.user + own.system) / 1000 / options.jobs,
      postgresCpuMsPerJob: postgresSpent(postgresBefore, postgresCpuMs()) / options.jobs,
    };
  } finally {
    await stopInOrder(platform, media);
    await stopChild(emulator);
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
