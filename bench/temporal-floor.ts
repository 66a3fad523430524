import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { freePort } from '../src/runtime/free-port.js';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';
import { floorActivities } from './floor/floor-activities.js';
import { cpuMs } from './processes.js';

export interface FloorResult {
  label: string;
  jobs: number;
  makespanSeconds: number;
  startsPerSecond: number;
  /** CPU per job in ms: the Temporal server, and this process (client and worker). */
  serverCpuMsPerJob: number;
  clientWorkerCpuMsPerJob: number;
}

/**
 * Temporal's own floor for `jobs` jobs: a dev server on a SQLite file (with the given pragmas), workflows of one
 * activity each that calls the Deepgram stand-in (`deepgram`, answering after `latencyMs`) or, without one, waits
 * `latencyMs`, at most `cap` activities at once. What this project's per-job workflow cannot
 * beat, measured on the same machine, CLI and SDK.
 */
export async function benchTemporalFloor(
  cliPath: string,
  options: { label: string; jobs: number; latencyMs: number; cap: number; sqlitePragmas: readonly string[]; deepgram?: { url: string; key: string; audioUrl: string } },
  log: (m: string) => void,
): Promise<FloorResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dtp-bench-floor-'));
  const server = await startTemporalDevServer({ cliPath, port: await freePort(), uiPort: 0, headless: true, namespace: 'default', dbFile: path.join(dir, 'temporal.sqlite'), sqlitePragmas: options.sqlitePragmas });
  const taskQueue = 'floor';
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  try {
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(import.meta.dirname, 'floor/floor.workflow.ts'), logger: new DefaultLogger('WARN') });
    const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowBundle: { code }, activities: floorActivities(options.deepgram), maxConcurrentActivityTaskExecutions: options.cap });
    const running = worker.run();
    const serverCpuBefore = cpuMs(server.pid);
    const ownCpuBefore = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    const handles: Array<Promise<unknown>> = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < options.jobs) {
          const n = next++;
          const handle = await client.workflow.start('floorJob', { taskQueue, workflowId: `floor-${n}`, args: [options.latencyMs] });
          handles.push(handle.result());
          if ((n + 1) % 250 === 0) log(`Temporal floor (${options.label}): started ${n + 1}/${options.jobs}`);
        }
      }),
    );
    const startSeconds = (performance.now() - started) / 1000;
    await Promise.all(handles);
    const makespanSeconds = (performance.now() - started) / 1000;
    const own = process.cpuUsage(ownCpuBefore);
    const result = {
      label: options.label,
      jobs: options.jobs,
      makespanSeconds,
      startsPerSecond: options.jobs / startSeconds,
      serverCpuMsPerJob: (cpuMs(server.pid) - serverCpuBefore) / options.jobs,
      clientWorkerCpuMsPerJob: (own.user + own.system) / 1000 / options.jobs,
    };
    worker.shutdown();
    await running;
    return result;
  } finally {
    await connection.close();
    await workerConnection.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
