import type { LocalModel } from './types.js';

/** The engine's name for each local model (speech_engine.py --model). */
export const ENGINE_MODEL_NAMES: Record<LocalModel, string> = { 'whisper-base': 'base', 'whisper-tiny': 'tiny.en' };

/** The fast model, for interim re-decodes of a live utterance. */
export const FAST_MODEL: LocalModel = 'whisper-tiny';

/**
 * The local model for a request's `model`: the two local names as asked; every other name (nova-3, enhanced,
 * Deepgram's larger whisper-* models) gets the configured default, as a stand-in for the model asked for.
 */
export function localModelFor(requested: string | undefined, fallback: LocalModel): LocalModel {
  if (requested === 'whisper-base' || requested === 'whisper-tiny') return requested;
  return fallback;
}
