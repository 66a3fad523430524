import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ENGINE_SCRIPT } from './engine-process.js';
import { EngineFailure, EngineRequestWithdrawn } from './types.js';

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

/**
 * Which queue a decode waits in. A live stream's final (and the decode ahead of it) goes first: short, and someone
 * is waiting for it; then files; then interim re-decodes, which also wait while a final is decoding, so that the
 * final has every core its worker can use (interims are dropped by their stream when they fall behind, finals never).
 */
export type EnginePriority = 'final' | 'file' | 'interim';

interface Job {
  priority: EnginePriority;
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
  private readonly queues: Record<EnginePriority, Job[]> = { final: [], file: [], interim: [] };
  private closed = false;

  constructor(private readonly options: EnginePoolOptions) {
    for (let i = 0; i < Math.max(1, options.size); i++) this.spawnWorker();
  }

  /**
   * One request (`op` transcribe or recognize) with its audio; resolves with the worker's `result` or `error` line.
   * Aborting `withdraw` says the answer is no longer wanted: the request leaves the queue if no worker has it yet, a
   * running `recognize` is cancelled at its next check (before or after Whisper's encoder pass; anything else runs
   * to its end, unread), and the promise rejects with EngineRequestWithdrawn.
   */
  request(header: Record<string, unknown>, payload: Buffer, priority: EnginePriority, withdraw?: AbortSignal): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new EngineFailure('the speech engine is closed'));
    if (withdraw?.aborted) return Promise.reject(new EngineRequestWithdrawn());
    return new Promise((resolve, reject) => {
      const job: Job = { priority, header, payload, resolve, reject };
      this.queues[priority].push(job);
      withdraw?.addEventListener(
        'abort',
        () => {
          const queue = this.queues[priority];
          const waiting = queue.indexOf(job);
          if (waiting >= 0) queue.splice(waiting, 1);
          else for (const worker of this.workers) worker.cancel(job);
          reject(new EngineRequestWithdrawn());
        },
        { once: true },
      );
      this.dispatch();
    });
  }

  /** Finals and files waiting for a worker (interims do not count: they give way to anything else). */
  get queuedAhead(): number {
    return this.queues.final.length + this.queues.file.length;
  }

  close(): void {
    this.closed = true;
    for (const worker of this.workers) worker.kill();
    for (const queue of Object.values(this.queues)) for (const job of queue.splice(0)) job.reject(new EngineFailure('the speech engine is closed'));
  }

  private dispatch(): void {
    for (const worker of this.workers) {
      if (!worker.idle) continue;
      const job = this.queues.final.shift() ?? this.queues.file.shift() ?? (this.decodingFinal() ? undefined : this.queues.interim.shift());
      if (!job) return;
      worker.run(job);
    }
  }

  private decodingFinal(): boolean {
    for (const worker of this.workers) if (worker.running === 'final') return true;
    return false;
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
  /** Rises with every request this worker is given, so a late cancel cannot reach the next one. */
  private requestId = 0;
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

  get running(): EnginePriority | undefined {
    return this.current?.priority;
  }

  run(job: Job): void {
    this.current = job;
    this.requestId += 1;
    this.child.stdin.write(`${JSON.stringify({ ...job.header, id: this.requestId, bytes: job.payload.length })}\n`);
    this.child.stdin.write(job.payload);
  }

  /** Asks the worker to stop `job` if it is the one decoding (it answers `cancelled`, then takes the next). */
  cancel(job: Job): void {
    if (this.current === job) this.child.stdin.write(`${JSON.stringify({ op: 'cancel', id: this.requestId })}\n`);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
