/**
 * The project's parts as real processes (`src/main/*.ts`, the way `npm run api|worker|…` starts them), each one
 * restartable after a SIGKILL. Output goes to a log file per part, kept across restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export interface PartSpec {
  name: string;
  entry: string;
  env: Record<string, string>;
  /** A line the process prints once it is ready. */
  readyWhen: string;
}

export class Part {
  private child: ChildProcess | undefined;
  private readonly log: WriteStream;
  /** When the current process became ready (undefined while starting or dead). */
  readySince: number | undefined;
  starts = 0;
  kills = 0;
  /** Stopped for good (the run is over): never started again. */
  retired = false;
  /** Whether the last exit was a kill or stop of ours (undefined: still running, or never started). */
  lastExitWasOurs: boolean | undefined;
  private ours = false;

  constructor(
    readonly spec: PartSpec,
    logDir: string,
  ) {
    this.log = createWriteStream(path.join(logDir, `${spec.name}.log`), { flags: 'a' });
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once it printed its ready line (rejects if it exits first or takes too long). */
  start(timeoutMs = 120_000): Promise<void> {
    if (this.retired) return Promise.reject(new Error(`${this.spec.name} is stopped for good`));
    this.starts++;
    this.readySince = undefined;
    this.log.write(`\n===== start #${this.starts} at ${new Date().toISOString()} =====\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', this.spec.entry], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.ours = false;
    this.lastExitWasOurs = undefined;
    return new Promise<void>((resolve, reject) => {
      let pending = '';
      let done = false;
      const timer = setTimeout(() => finish(new Error(`${this.spec.name} was not ready within ${timeoutMs} ms`)), timeoutMs);
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else {
          this.readySince = Date.now();
          resolve();
        }
      };
      const collect = (chunk: Buffer) => {
        this.log.write(chunk);
        if (done) return;
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        if (lines.some((l) => l.includes(this.spec.readyWhen))) finish();
      };
      child.stdout!.on('data', collect);
      child.stderr!.on('data', collect);
      child.on('exit', (code, signal) => {
        this.log.write(`===== exited (${signal ?? code}) at ${new Date().toISOString()} =====\n`);
        if (this.child === child) {
          this.readySince = undefined;
          this.lastExitWasOurs = this.ours;
        }
        finish(new Error(`${this.spec.name} exited (${signal ?? code}) before it was ready; see its log`));
      });
    });
  }

  /** SIGKILL, as a crashed machine; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.kills++;
    this.ours = true;
    this.readySince = undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (graceful), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.retired = true;
    const child = this.child;
    if (!child || !this.alive) return;
    this.ours = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  closeLog(): Promise<void> {
    return new Promise((resolve) => this.log.end(resolve));
  }
}
