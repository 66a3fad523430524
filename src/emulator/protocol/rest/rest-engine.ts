import type { RawFormat } from '../audio.js';
import { segmentWords } from '../../engine/engine-words.js';
import { localModelFor } from '../../engine/local-models.js';
import { EngineAudioError, type SpeechEngine } from '../../engine/types.js';
import { corruptAudio } from '../errors.js';
import type { TranscriptOptions } from '../params.js';
import { prerecordedResponse } from '../responses.js';

export interface EngineRequest {
  id: string;
  sha256: string;
  audio: Buffer;
  format: RawFormat;
  options: TranscriptOptions;
}

/** Pre-recorded audio without a registered transcript, recognised by the local engine (400 when it can't be decoded). */
export async function engineTranscription(engine: SpeechEngine, request: EngineRequest): Promise<{ status: number; body: unknown }> {
  const { id, sha256, audio, format, options } = request;
  let transcript;
  try {
    transcript = await engine.transcribe(audio, format, {
      multichannel: options.multichannel,
      model: localModelFor(options.model, engine.info.model),
      language: options.language,
      detectLanguage: options.detectLanguage,
    });
  } catch (err) {
    if (err instanceof EngineAudioError) return { status: 400, body: corruptAudio(id, err.message) };
    throw err;
  }
  return {
    status: 200,
    body: prerecordedResponse({
      requestId: id,
      sha256,
      duration: transcript.duration,
      audioChannels: transcript.segments.length,
      options,
      engine: { info: engine.info, model: transcript.model, channels: transcript.segments.map(segmentWords), languages: transcript.languages },
    }),
  };
}
