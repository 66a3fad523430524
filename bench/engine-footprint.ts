import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_ENGINE_PYTHON } from '../src/emulator/index.js';
import { ENGINE_SCRIPT } from '../src/emulator/engine/engine-process.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';

export interface EngineFootprint {
  model: string;
  /** Seconds from process start to the model being ready (Python imports included). */
  startSeconds: number;
  /** What the worker itself reports for loading the model. */
  loadSeconds: number;
  /** Peak resident memory of the worker (VmHWM) after transcribing every file given. */
  peakRssMiB: number;
}

/** One pool worker (`speech_engine.py serve`) on its own: start-up, model load, and peak RSS over real files. */
export async function measureEngineFootprint(model: 'base' | 'tiny.en', files: string[]): Promise<EngineFootprint> {
  const started = performance.now();
  const child = spawn(DEFAULT_ENGINE_PYTHON, ['-E', '-s', '-B', '-u', ENGINE_SCRIPT, 'serve', '--model', model], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value)) as Record<string, unknown>;
  const ready = await next();
  const startSeconds = (performance.now() - started) / 1000;
  for (const file of files) {
    const audio = await readFile(path.join(AUDIO_DIR, file));
    child.stdin.write(`${JSON.stringify({ op: 'transcribe', model, bytes: audio.length })}\n`);
    child.stdin.write(audio);
    await next();
  }
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  child.kill();
  return { model, startSeconds, loadSeconds: Number(ready.load_seconds), peakRssMiB: peakKiB / 1024 };
}
