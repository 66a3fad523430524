import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../src/runtime/free-port.js';
import { DEV_SERVER_SQLITE_PRAGMAS, startTemporalDevServer } from '../src/temporal/dev-server.js';
import { startInProcessPlatform } from './in-process-platform.js';
import { cpuMs } from './processes.js';
import { stopInOrder } from './stats.js';
import { startDeepgramStandIn } from './deepgram-stand-in.js';
import { startBenchClient } from './bench-client.js';

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
 * `jobs` async jobs through the API, one client (its own process, which also hosts the audio), 16 submissions in
 * flight (or `batchSize` jobs per batch request), against a Deepgram stand-in (the emulator, its own process) that
 * answers each call in `latencyMs`, under DEEPGRAM_MAX_CONCURRENT=`cap`. The API and the batch worker run in this
 * process on one Temporal connection, Temporal is a dev server on a SQLite file, as under `npm start`. `env` holds the
 * settings that differ between rows; a submission answered 429 waits its Retry-After and is sent again.
 */
export async function benchThroughput(
  cliPath: string,
  options: { label: string; jobs: number; latencyMs: number; cap: number; env: Record<string, string>; batchSize?: number },
  log: (m: string) => void,
): Promise<ThroughputResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dtp-bench-throughput-'));
  const server = await startTemporalDevServer({ cliPath, port: await freePort(), uiPort: 0, headless: true, namespace: 'default', dbFile: path.join(dir, 'temporal.sqlite'), sqlitePragmas: DEV_SERVER_SQLITE_PRAGMAS });
  const standIn = await startDeepgramStandIn(options.latencyMs);
  const platform = await startInProcessPlatform({
    temporalAddress: server.address,
    deepgramUrl: standIn.url,
    deepgramKey: standIn.key,
    taskQueue: 'bench-throughput',
    env: { DEEPGRAM_MAX_CONCURRENT: String(options.cap), ...options.env },
  });
  const client = await startBenchClient({ apiUrl: platform.apiUrl, jobs: options.jobs, batchSize: options.batchSize, label: `throughput (${options.label})` }, log);
  const completed = async () => Number((await platform.db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'completed').executeTakeFirstOrThrow()).n);

  try {
    const serverBefore = cpuMs(server.pid);
    const ownBefore = process.cpuUsage();
    const postgresBefore = postgresCpuMs();
    const started = performance.now();
    const { submitSeconds, throttled } = await client.go();
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
    await client.stop();
    await stopInOrder(platform);
    await standIn.stop();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
