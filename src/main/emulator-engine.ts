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
 */
export async function chooseEmulatorEngine(config: Config): Promise<EmulatorEngineChoice> {
  const { engine, enginePython } = config.emulator;
  if (engine === 'synthetic') return { engine: 'synthetic', info: null };
  const python = enginePython ?? DEFAULT_ENGINE_PYTHON;
  const info = await probePocketsphinx(python);
  if (info) return { engine: 'pocketsphinx', enginePython: python, info };
  const missing = `the PocketSphinx engine is not installed (${python}). ${INSTALL_ENGINE_HINT}`;
  if (engine === 'pocketsphinx') throw new Error(`EMULATOR_ENGINE=pocketsphinx, but ${missing}`);
  return { engine: 'synthetic', info: null, missing };
}
