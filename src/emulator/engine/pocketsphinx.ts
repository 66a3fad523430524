import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { RawFormat } from '../protocol/audio.js';
import { formatArgs, startEngineProcess } from './engine-process.js';
import { Limiter } from './limiter.js';
import {
  EngineAudioError,
  EngineFailure,
  type EngineEvent,
  type EngineInfo,
  type EngineSegment,
  type EngineStream,
  type EngineStreamEnd,
  type EngineStreamOptions,
  type EngineTranscript,
  type SpeechEngine,
} from './types.js';

/** Where `npm run setup` puts the engine's Python (a venv with pocketsphinx and av): <repo>/.tools/speech. */
export const DEFAULT_ENGINE_PYTHON = path.resolve(import.meta.dirname, '../../../.tools/speech/bin/python');
export const INSTALL_ENGINE_HINT = 'Run `npm run setup` to install PocketSphinx into .tools/speech (from PyPI).';
const PROBE_TIMEOUT_MS = 60_000;

export interface PocketsphinxOptions {
  /** Python that has the pocketsphinx and av packages. Default: the one `npm run setup` installs. */
  python?: string;
  /** Pre-recorded decodes running at once (each uses one core). Default: the number of cores. */
  concurrency?: number;
}

/** Asks the engine to describe itself; undefined when that Python or its packages are missing. */
export async function probePocketsphinx(python: string = DEFAULT_ENGINE_PYTHON): Promise<EngineInfo | undefined> {
  if (python.includes(path.sep) && !existsSync(python)) return undefined;
  let info: Record<string, unknown> | undefined;
  const proc = startEngineProcess(python, ['info'], (message) => {
    if (message.event === 'info') info = message;
  });
  proc.child.stdin.end();
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
  try {
    await proc.exited;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
  if (!info) return undefined;
  return {
    engine: String(info.engine),
    engineVersion: String(info.engine_version),
    model: String(info.model),
    decoder: String(info.decoder),
    decoderVersion: String(info.decoder_version),
    ffmpegVersion: String(info.ffmpeg_version),
  };
}

/** The PocketSphinx engine, or an EngineFailure saying how to install it. */
export async function createPocketsphinxEngine(options: PocketsphinxOptions = {}): Promise<SpeechEngine> {
  const python = options.python ?? DEFAULT_ENGINE_PYTHON;
  const info = await probePocketsphinx(python);
  if (!info) throw new EngineFailure(`The PocketSphinx speech engine is not installed (no working ${python}). ${INSTALL_ENGINE_HINT}`);
  return new PocketsphinxEngine(python, info, Math.max(1, options.concurrency ?? availableParallelism()));
}

class PocketsphinxEngine implements SpeechEngine {
  private readonly children = new Set<ChildProcess>();
  private readonly limiter: Limiter;

  constructor(
    private readonly python: string,
    readonly info: EngineInfo,
    concurrency: number,
  ) {
    this.limiter = new Limiter(concurrency);
  }

  transcribe(audio: Buffer, format: RawFormat, options: { multichannel: boolean }): Promise<EngineTranscript> {
    return this.limiter.run(async () => {
      let result: Record<string, unknown> | undefined;
      const args = ['transcribe', ...formatArgs(format), ...(options.multichannel ? ['--multichannel'] : [])];
      const proc = startEngineProcess(this.python, args, (message) => {
        result = message;
      });
      this.track(proc.child);
      proc.child.stdin.end(audio);
      const { code, stderr } = await proc.exited;
      if (result?.event === 'result') {
        return {
          duration: Number(result.duration),
          channels: Number(result.channels),
          codec: String(result.codec),
          segments: result.segments as EngineSegment[][],
        };
      }
      if (result?.event === 'error') throw new EngineAudioError(String(result.message));
      throw new EngineFailure(`the speech engine exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    });
  }

  openStream(format: RawFormat, options: EngineStreamOptions, onEvent: (event: EngineEvent) => void): EngineStream {
    let end: EngineStreamEnd | undefined;
    let error: string | undefined;
    const args = ['stream', ...formatArgs(format), '--endpoint', options.endpoint === null ? 'off' : String(options.endpoint)];
    if (options.partials) args.push('--partials');
    const proc = startEngineProcess(this.python, args, (message) => {
      if (message.event === 'end') end = message as unknown as EngineStreamEnd;
      else if (message.event === 'error') error = String(message.message);
      onEvent(message as unknown as EngineEvent);
    });
    this.track(proc.child);
    const frame = (kind: 'A' | 'F' | 'C', payload: Buffer = Buffer.alloc(0)): void => {
      if (proc.child.stdin.destroyed || proc.child.stdin.writableEnded) return;
      const header = Buffer.alloc(5);
      header.write(kind, 0, 'latin1');
      header.writeUInt32BE(payload.length, 1);
      proc.child.stdin.write(payload.length ? Buffer.concat([header, payload]) : header);
    };
    let ended: Promise<EngineStreamEnd> | undefined;
    return {
      write: (chunk) => frame('A', chunk),
      finalize: () => frame('F'),
      end: () =>
        (ended ??= (async () => {
          frame('C');
          proc.child.stdin.end();
          const { code, stderr } = await proc.exited;
          if (end) return end;
          if (error !== undefined) throw new EngineAudioError(error);
          throw new EngineFailure(`the speech engine exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
        })()),
      kill: () => {
        proc.child.kill('SIGKILL');
      },
    };
  }

  close(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }

  private track(child: ChildProcess): void {
    this.children.add(child);
    child.once('close', () => this.children.delete(child));
  }
}
