import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../test/helpers/paths.js';
import { stopChild } from './processes.js';

/**
 * The benchmark's client (load-client.ts) in a process of its own, so its CPU is not counted as any system's: it hosts
 * the audio the stand-in fetches, and, given `apiUrl` and `jobs`, submits them when `go` is called.
 */
export async function startBenchClient(options: { apiUrl?: string; jobs?: number; batchSize?: number; label: string }, log: (m: string) => void) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/load-client.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      BENCH_CLIENT_API_URL: options.apiUrl ?? '',
      BENCH_CLIENT_JOBS: String(options.jobs ?? 0),
      BENCH_CLIENT_BATCH_SIZE: String(options.batchSize ?? 0),
      BENCH_CLIENT_LABEL: options.label,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the bench client exited with ${code}`))));
  exited.catch(() => undefined);
  const nextLine = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), exited]);
    if (line.done) throw new Error('the bench client closed its output');
    return line.value as string;
  };
  const ready = await nextLine();
  if (!ready.startsWith('ready ')) throw new Error(`the bench client did not start: ${ready}`);
  log(`${options.label}: client ready`);
  return {
    audioUrl: ready.slice('ready '.length),
    /** Submits the jobs; resolves once every submission was answered. */
    async go(): Promise<{ submitSeconds: number; throttled: number }> {
      child.stdin!.write('go\n');
      const line = await nextLine();
      if (!line.startsWith('done ')) throw new Error(`the bench client said: ${line}`);
      return JSON.parse(line.slice('done '.length)) as { submitSeconds: number; throttled: number };
    },
    stop: () => stopChild(child),
  };
}
