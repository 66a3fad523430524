import { isFluxModel, type LiveOptions } from './live.js';
import type { DeepgramOptions } from './transcription.js';

/** Live options that mean the same for a pre-recorded request; the rest (encoding, endpointing, interim results…) are about streaming. */
const CARRIED_OVER = new Set([
  'model', 'language', 'version', 'punctuate', 'smart_format', 'diarize', 'diarize_model', 'numerals', 'profanity_filter', 'dictation',
  'filler_words', 'detect_entities', 'measurements', 'multichannel', 'mip_opt_out', 'keyterm', 'keywords', 'search', 'replace', 'redact', 'tag',
]);
const FLUX_CARRIED_OVER = new Set(['keyterm', 'numerals', 'profanity_filter', 'mip_opt_out', 'tag']);
const BOOLEAN_VALUES: Record<string, boolean> = { true: true, false: false };

/**
 * The pre-recorded options a re-pass of a live session's recording uses unless it is given its own: the session's
 * own options that apply to a file, true/false as booleans. A Flux model is live only: its re-pass uses the default
 * model (Flux's `redact` values are not the file API's either, so a Flux session carries only what both share).
 */
export function batchOptionsFromLive(options: LiveOptions): DeepgramOptions {
  const out: DeepgramOptions = {};
  const flux = isFluxModel(options.model);
  for (const [key, value] of Object.entries(options)) {
    if (!CARRIED_OVER.has(key) || (flux && !FLUX_CARRIED_OVER.has(key))) continue;
    out[key] = typeof value === 'string' && value in BOOLEAN_VALUES ? BOOLEAN_VALUES[value]! : value;
  }
  return out;
}
