import { wavHeader } from '../../src/audio/wav-header.js';

/** The 44-byte header of a 16-bit PCM mono WAV holding `dataBytes` of samples at `sampleRate`. */
export function pcmWavHeader(dataBytes: number, sampleRate: number): Buffer {
  return wavHeader({ formatTag: 1, sampleRate, channels: 1, bitsPerSample: 16 }, dataBytes);
}

/** A PCM WAV of silence: exact, known durations for routing tests without shipping large files. */
export function silentWav(seconds: number, sampleRate = 8000): Buffer {
  const dataBytes = Math.round(seconds * sampleRate) * 2;
  return Buffer.concat([pcmWavHeader(dataBytes, sampleRate), Buffer.alloc(dataBytes)]);
}
