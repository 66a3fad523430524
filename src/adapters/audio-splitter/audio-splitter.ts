import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** Where `npm run setup` puts a Python with PyAV (FFmpeg's decoders, from its wheel): the speech engine's venv. */
export const DEFAULT_AUDIO_TOOLS_PYTHON = path.resolve(import.meta.dirname, '../../../.tools/speech/bin/python');
const SPLIT_SCRIPT = path.resolve(import.meta.dirname, '../../audio/python/split_audio.py');

export interface SplitChunk {
  index: number;
  path: string;
  startSeconds: number;
  endSeconds: number;
}

export interface SplitResult {
  durationSeconds: number;
  channels: number;
  sampleRate: number;
  /** WAV files (16-bit PCM, the source's channels and rate), cut in pauses. */
  chunks: SplitChunk[];
}

/** No Python with PyAV here (`npm run setup` not run on this worker): long files go whole. */
export class AudioSplitterUnavailableError extends Error {
  override name = 'AudioSplitterUnavailableError';
}

/** The audio could not be decoded for cutting. */
export class AudioSplitError extends Error {
  override name = 'AudioSplitError';
}

export interface AudioSplitter {
  split(input: string, outDir: string, options: { chunkSeconds: number; signal?: AbortSignal; onProgress?: (event: Record<string, unknown>) => void }): Promise<SplitResult>;
}

/** Cuts audio with PyAV in a child process (src/audio/python/split_audio.py); bounded memory whatever the file's length. */
export function createAudioSplitter(options: { python?: string } = {}): AudioSplitter {
  const python = options.python ?? DEFAULT_AUDIO_TOOLS_PYTHON;
  return {
    async split(input, outDir, { chunkSeconds, signal, onProgress }) {
      await access(python, constants.X_OK).catch(() => {
        throw new AudioSplitterUnavailableError(`no Python with PyAV at ${python} (run \`npm run setup\`, or set AUDIO_TOOLS_PYTHON)`);
      });
      const child = spawn(python, ['-E', '-s', '-B', SPLIT_SCRIPT, input, outDir, '--chunk-seconds', String(chunkSeconds)], { stdio: ['ignore', 'pipe', 'pipe'], signal });
      let stdout = '';
      let stderrTail = '';
      let pending = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        pending += d;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          try {
            onProgress?.(JSON.parse(line) as Record<string, unknown>);
          } catch {
            stderrTail = (stderrTail + line + '\n').slice(-2_000);
          }
        }
      });
      const code = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', resolve);
      });
      let answer: { error?: string; duration?: number; channels?: number; sample_rate?: number; chunks?: Array<{ index: number; path: string; start: number; end: number }> } = {};
      try {
        answer = JSON.parse(stdout.trim() || '{}');
      } catch {
        // Reported below with the process's own output.
      }
      if (answer.error) throw new AudioSplitError(answer.error);
      if (code !== 0 || !answer.chunks) throw new Error(`the audio splitter exited with ${code}: ${stderrTail.trim() || stdout.trim()}`);
      return {
        durationSeconds: answer.duration!,
        channels: answer.channels!,
        sampleRate: answer.sample_rate!,
        chunks: answer.chunks.map((c) => ({ index: c.index, path: c.path, startSeconds: c.start, endSeconds: c.end })),
      };
    },
  };
}
