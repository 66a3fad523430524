import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './paths.js';

export interface AppProcess {
  child: ChildProcess;
  /** Every line the process wrote to stdout and stderr. */
  lines: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Runs an entry point (`src/main/*.ts`) as its own process, the way `npm run api|worker` does; `compiled: true`
 * runs a compiled `.js` entry with plain node, as the image does (`cwd` its build directory).
 */
export function startAppProcess(entry: string, env: Record<string, string>, readyWhen: string, options: { compiled?: boolean; cwd?: string } = {}): AppProcess {
  const child = spawn(process.execPath, options.compiled ? [entry] : ['--import', 'tsx', entry], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const collect = (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (line.includes(readyWhen)) markReady();
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return {
    child,
    lines,
    exited,
    ready: Promise.race([ready, exited.then((code) => Promise.reject(new Error(`${entry} exited with ${code} before it was ready:\n${lines.join('\n')}`)))]),
  };
}
