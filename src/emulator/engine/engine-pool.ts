import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ENGINE_SCRIPT } from './engine-process.js';
import { EngineFailure } from './types.js';

/** How much of a worker's stderr is kept to explain a crash. */
const STDERR_TAIL = 2_000;

export interface EnginePoolOptions {
  python: string;
  /** Worker processes; each decodes one request at a time on `threads` CPU threads. */
  size: number;
  /** The model every worker loads at start (others load on first use). */
  model: string;
  threads: number;
  onWorkerEvent?: (event: { kind: 'ready'; device: string; loadSeconds: number } | { kind: 'exit'; detail: string }) => void;
}

/** Decodes that must answer before interim re-decodes (a final, a file) go first. */
export type EnginePriority = 'high' | 'low';

interface Job {
  header: Record<string, unknown>;
  payload: Buffer;
  resolve: (answer: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

/**
 * Long-lived `speech_engine.py serve` processes, each holding its Whisper model in memory, sharing one queue. A
 * worker that dies fails the request it was on (EngineFailure) and is replaced; the queue waits for the replacement.
 */
export class EnginePool {
  private readonly workers = new Set<PoolWorker>();
  private readonly queues: Record<EnginePriority, Job[]> = { high: [], low: [] };
  private closed = false;

  constructor(private readonly options: EnginePoolOptions) {
    for (let i = 0; i < Math.max(1, options.size); i++) this.spawnWorker();
  }

  /** One request (`op` transcribe or recognize) with its audio; resolves with the worker's `result` or `error` line. */
  request(header: Record<string, unknown>, payload: Buffer, priority: EnginePriority = 'high'): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new EngineFailure('the speech engine is closed'));
    return new Promise((resolve, reject) => {
      this.queues[priority].push({ header, payload, resolve, reject });
      this.dispatch();
    });
  }

  /** Requests waiting for a worker. */
  get queued(): number {
    return this.queues.high.length + this.queues.low.length;
  }

  close(): void {
    this.closed = true;
    for (const worker of this.workers) worker.kill();
    for (const job of [...this.queues.high.splice(0), ...this.queues.low.splice(0)]) job.reject(new EngineFailure('the speech engine is closed'));
  }

  private dispatch(): void {
    for (const worker of this.workers) {
      if (!worker.idle) continue;
      const job = this.queues.high.shift() ?? this.queues.low.shift();
      if (!job) return;
      worker.run(job);
    }
  }

  private spawnWorker(): void {
    const worker = new PoolWorker(this.options, {
      onIdle: () => this.dispatch(),
      onExit: (detail) => {
        this.workers.delete(worker);
        this.options.onWorkerEvent?.({ kind: 'exit', detail });
        // A crash loop (a broken install) must not spin: the replacement starts after a pause.
        if (!this.closed) setTimeout(() => !this.closed && this.spawnWorker(), 1_000).unref();
      },
    });
    this.workers.add(worker);
  }
}

class PoolWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private ready = false;
  private current: Job | undefined;
  private stderr = '';

  constructor(options: EnginePoolOptions, hooks: { onIdle: () => void; onExit: (detail: string) => void }) {
    const args = ['-E', '-s', '-B', '-u', ENGINE_SCRIPT, 'serve', '--model', options.model, '--threads', String(options.threads)];
    this.child = spawn(options.python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {});
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // a stray library print is not an answer
      }
      if (message.event === 'ready') {
        this.ready = true;
        options.onWorkerEvent?.({ kind: 'ready', device: String(message.device), loadSeconds: Number(message.load_seconds) });
        hooks.onIdle();
        return;
      }
      const job = this.current;
      this.current = undefined;
      job?.resolve(message);
      hooks.onIdle();
    });
    let gone = false;
    const exited = (detail: string) => {
      if (gone) return; // 'error' and 'exit' can both arrive
      gone = true;
      this.ready = false;
      this.current?.reject(new EngineFailure(`the speech engine exited (${detail}): ${this.stderr.trim().split('\n').at(-1) ?? ''}`));
      this.current = undefined;
      hooks.onExit(detail);
    };
    this.child.once('error', (err) => exited(`could not start ${options.python}: ${err.message}`));
    this.child.once('exit', (code, signal) => exited(signal ? `signal ${signal}` : `code ${code}`));
  }

  get idle(): boolean {
    return this.ready && !this.current;
  }

  run(job: Job): void {
    this.current = job;
    this.child.stdin.write(`${JSON.stringify({ ...job.header, bytes: job.payload.length })}\n`);
    this.child.stdin.write(job.payload);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
