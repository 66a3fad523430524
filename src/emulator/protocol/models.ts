import { createHash } from 'node:crypto';
import type { EngineInfo, LocalModel } from '../engine/types.js';

/** How the transcript of a response was produced; shows in `model_info[uuid].name`. */
export type TranscriptSource = 'registered' | 'synthetic' | 'engine';

export interface ModelInfo {
  uuid: string;
  name: string;
  version: string;
  arch: string;
}

/** Deepgram's own name for a model family: nova-3 → general-nova-3, nova-2-meeting → 2-meeting-nova. */
function realModelName(model: string | undefined): { name: string; arch: string } {
  if (!model || model === 'base' || model === 'general' || model === 'base-general') return { name: 'general', arch: 'base' };
  const nova = /^nova-(\d)(?:-(.+))?$/.exec(model);
  if (nova) {
    const [, gen, variant = 'general'] = nova;
    return gen === '2' ? { name: `2-${variant}-nova`, arch: 'nova-2' } : { name: `${variant}-nova-${gen}`, arch: `nova-${gen}` };
  }
  if (model === 'nova') return { name: 'general-nova', arch: 'nova' };
  const dash = model.indexOf('-');
  return { name: model, arch: dash > 0 ? model.slice(0, dash) : model };
}

/** A uuid-shaped id derived from a string, so the same model always gets the same uuid. */
export function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The emulator marks its output in `name` (`emulator-registered` / `emulator-synthetic`) and keeps the requested
 * model recognisable: `arch` is the real arch (nova-3) and `version` carries Deepgram's model name
 * (e.g. `general-nova-3-emulator`).
 */
export function modelInfo(model: string | undefined, source: TranscriptSource): ModelInfo {
  const real = realModelName(model);
  return {
    uuid: stableUuid(`emulator:${source}:${real.name}:${real.arch}`),
    name: `emulator-${source}`,
    version: `${real.name}-emulator`,
    arch: real.arch,
  };
}

export const SYNTHETIC_WARNING = {
  parameter: 'emulator',
  type: 'synthetic_transcript',
  message: 'No transcript is registered for this audio; the words are synthetic.',
} as const;

/** model_info for words recognised by the local engine: named after the local model that answered, never after Deepgram's. */
export function engineModelInfo(info: EngineInfo, model: LocalModel): ModelInfo {
  return {
    uuid: stableUuid(`local:${model}:${info.engine}:${info.engineVersion}`),
    name: `local-${model}`,
    version: `faster-whisper-${info.engineVersion}`,
    arch: 'whisper',
  };
}

export function engineWarning(info: EngineInfo, model: LocalModel) {
  return {
    parameter: 'model',
    type: 'local_engine',
    message:
      `Transcribed offline by the local engine (${model}, faster-whisper ${info.engineVersion} on ${info.device}), not by Deepgram; ` +
      'smart_format does no number or entity formatting and diarize labels every word speaker 0.',
  };
}
