import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from './search-attributes.js';

/**
 * Dynamic config of the dev server: Temporal's task-queue fairness (server ≥ 1.29; priority needs nothing from 1.31).
 * A production cluster needs the same `matching.enableFairness` (README, Tenants and keys).
 */
export const DEV_SERVER_DYNAMIC_CONFIG = [
  'matching.enableFairness=true',
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
  // Per-workflow time skipping, asked for by a workflow's start request only (tests of the long timers).
  'frontend.WorkflowTimeSkippingEnabled=true',
  // A start may hand its first workflow task straight to a worker sharing the client's connection (npm start's API).
  'system.enableEagerWorkflowStart=true',
] as const;

/**
 * SQLite settings for a dev server on a file (`npm start`): write-ahead logging lets readers go on while the server
 * writes, and `synchronous=normal` syncs at checkpoints rather than at every commit (a power cut may lose the last
 * transactions; a crashed process loses nothing). Measured by `npm run bench` (BENCH_ONLY=floor).
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'] as const;

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  /** SQLite file; omitted = in-memory (tests). */
  dbFile?: string;
  /** `PRAGMA=VALUE` settings of that file (e.g. `journal_mode=wal`: readers stop waiting on the writer). */
  sqlitePragmas?: readonly string[];
  headless?: boolean;
  namespace: string;
  readyTimeoutMs?: number;
  onLog?: (line: string) => void;
  /** The Web UI decodes payloads through this remote codec (Temporal's codec server protocol). */
  uiCodecEndpoint?: string;
  /** `KEY=VALUE` dynamic config; default DEV_SERVER_DYNAMIC_CONFIG (benchmarks compare against others). */
  dynamicConfig?: readonly string[];
}

export interface DevServer {
  address: string;
  /** The server's process (benchmarks read its CPU time). */
  pid: number;
  uiUrl: string | null;
  stop(): Promise<void>;
  /** SIGKILL, as a crash would (the chaos run); resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Runs `temporal server start-dev` as a child process and waits until its frontend answers.
 * The readiness wait is ours (not the testing package's 5 s window) because a first start
 * migrates its SQLite file, which takes longer on a small machine.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace, '--log-level', 'warn'];
  if (options.dbFile) {
    await mkdir(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
    for (const pragma of options.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  }
  if (options.headless) args.push('--headless');
  else {
    args.push('--ui-port', String(options.uiPort));
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  // Task-queue fairness (tenants share Deepgram's capacity by their fairness key); priority is on by default.
  for (const setting of options.dynamicConfig ?? DEV_SERVER_DYNAMIC_CONFIG) args.push('--dynamic-config-value', setting);

  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      output.push(line);
      if (output.length > 50) output.shift();
      options.onLog?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));

  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (true) {
    if (exited !== null) throw new Error(`temporal server start-dev exited with code ${exited}:\n${output.join('\n')}`);
    if (await answers(address)) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`Temporal dev server did not become ready at ${address} in time:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    address,
    pid: child.pid!,
    uiUrl: options.headless ? null : `http://127.0.0.1:${options.uiPort}`,
    stop: () => stopChild(child),
    kill: () => killChild(child),
  };
}

async function answers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '1s' });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
