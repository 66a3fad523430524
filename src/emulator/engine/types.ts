import type { RawFormat } from '../protocol/audio.js';

/** What the local engine says about itself (`speech_engine.py info`); shown in model_info and the banner. */
export interface EngineInfo {
  engine: string;
  engineVersion: string;
  /** The model that answers unless a request names another (whisper-base or whisper-tiny). */
  model: LocalModel;
  /** The inference runtime (CTranslate2) and the device it runs on ('cpu' or 'cuda'). */
  runtimeVersion: string;
  device: string;
  decoder: string;
  decoderVersion: string;
  ffmpegVersion: string;
}

/** The local models, by the names a request uses (Deepgram's own names for its hosted Whisper). */
export type LocalModel = 'whisper-base' | 'whisper-tiny';

/** [word, start s, end s, confidence 0..1, the engine's punctuated and cased form], times from the start of the audio. */
export type EngineWord = [string, number, number, number, string?];

/** One utterance the engine cut at a pause ('endpoint'), in long speech ('max'), on request or at the end. */
export interface EngineSegment {
  start: number;
  end: number;
  words: EngineWord[];
  reason: 'endpoint' | 'max' | 'finalize' | 'eof';
}

/** A whole file, transcribed. */
export interface EngineTranscript {
  /** Seconds of decoded audio. */
  duration: number;
  channels: number;
  codec: string;
  /** Segments per transcribed channel: one entry (downmixed) unless multichannel was asked for. */
  segments: EngineSegment[][];
  /** The language per transcribed channel: the one asked for, or the one detected, with the detector's confidence. */
  languages: Array<{ language: string; confidence: number }>;
  model: LocalModel;
}

export interface EngineTranscribeOptions {
  multichannel: boolean;
  model: LocalModel;
  /** Deepgram's language tag; undefined = English, as Deepgram. */
  language?: string;
  detectLanguage: boolean;
}

/** Events of a live stream, in audio order. */
export type EngineEvent =
  | { event: 'speech'; t: number }
  | { event: 'partial'; start: number; t: number; words: EngineWord[] }
  | ({ event: 'final' } & EngineSegment)
  | { event: 'progress'; t: number }
  /** The audio cannot be decoded; nothing more follows. */
  | { event: 'error'; message: string };

export interface EngineStreamEnd {
  duration: number;
  channels: number;
  codec: string;
}

export interface EngineStreamOptions {
  /** Pause (s) that ends an utterance; null = never on a pause (Deepgram's endpointing=false). */
  endpoint: number | null;
  /** Report hypotheses of the open utterance (for interim results). */
  partials: boolean;
  /** The model for finals; interim hypotheses use the fast one. */
  model: LocalModel;
  language?: string;
}

/** A live decode: audio in, events out as the audio is recognised. */
export interface EngineStream {
  write(chunk: Buffer): void;
  /** Ends the open utterance once the audio written so far is decoded (a 'final' with reason 'finalize' follows). */
  finalize(): void;
  /** No more audio: resolves when the last events have been delivered; rejects with EngineAudioError on bad audio. */
  end(): Promise<EngineStreamEnd>;
  /** Stops at once (socket gone, or a registered transcript took over). */
  kill(): void;
}

/** A local speech recogniser the emulator can use for audio that has no registered transcript. */
export interface SpeechEngine {
  readonly info: EngineInfo;
  transcribe(audio: Buffer, format: RawFormat, options: EngineTranscribeOptions): Promise<EngineTranscript>;
  openStream(format: RawFormat, options: EngineStreamOptions, onEvent: (event: EngineEvent) => void): EngineStream;
  /** Stops every running decode. */
  close(): void;
}

/** The audio could not be decoded (Deepgram answers 400 / closes a live socket with DATA-0000). */
export class EngineAudioError extends Error {
  override name = 'EngineAudioError';
}

/** The engine process failed for another reason (a crash, or it is not installed). */
export class EngineFailure extends Error {
  override name = 'EngineFailure';
}

/** A decode whose answer its requester no longer wants (an interim overtaken by its final, a decode ahead of a pause that was not an endpoint). */
export class EngineRequestWithdrawn extends Error {
  override name = 'EngineRequestWithdrawn';
  constructor() {
    super('the decode was withdrawn');
  }
}
