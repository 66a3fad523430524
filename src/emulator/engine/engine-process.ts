import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { RawFormat } from '../protocol/audio.js';
import { EngineFailure } from './types.js';

/** The Python side of the engine (src/emulator/engine/python). */
export const ENGINE_SCRIPT = path.join(import.meta.dirname, 'python', 'speech_engine.py');
/** How much of the engine's stderr is kept to explain a crash. */
const STDERR_TAIL = 2_000;

/** Command-line arguments describing raw audio (`encoding`, `sample_rate`, `channels` query parameters). */
export function formatArgs(format: RawFormat): string[] {
  const args = ['--channels', String(format.channels)];
  if (format.encoding) args.push('--encoding', format.encoding);
  if (format.sampleRate) args.push('--sample-rate', String(format.sampleRate));
  return args;
}

export interface EngineProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves when the process has exited and all its output lines were delivered. */
  exited: Promise<{ code: number | null; stderr: string }>;
}

/**
 * Starts `python speech_engine.py <args>`; every JSON line it prints goes to `onMessage`. Non-JSON lines
 * (a stray library print) are ignored rather than breaking the protocol.
 */
export function startEngineProcess(python: string, args: string[], onMessage: (message: Record<string, unknown>) => void): EngineProcess {
  // -E: ignore PYTHONPATH/PYTHONHOME that could point at another installation; -s: no user site-packages;
  // -B: no .pyc files next to the sources; -u: no buffering between the engine's prints and us.
  const child = spawn(python, ['-E', '-s', '-B', '-u', ENGINE_SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  // The engine may exit before reading all its input (bad audio); a broken pipe is not our error to report.
  child.stdin.on('error', () => {});
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    if (message && typeof message === 'object') onMessage(message as Record<string, unknown>);
  });
  const linesDone = new Promise<void>((resolve) => lines.once('close', resolve));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.once('error', (err) => reject(new EngineFailure(`could not start the speech engine (${python}): ${err.message}`)));
    child.once('close', (code) => void linesDone.then(() => resolve({ code, stderr })));
  });
  exited.catch(() => {});
  return { child, exited };
}
