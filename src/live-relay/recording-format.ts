import type { WavFormat } from '../audio/wav-header.js';
import type { LiveOptions, RecordingFormat } from '../domain/live.js';

/** Deepgram's raw encodings a WAV file can hold: its format tag and bits per sample. */
const RAW_ENCODINGS: Record<string, { formatTag: number; bitsPerSample: number }> = {
  linear16: { formatTag: 1, bitsPerSample: 16 },
  linear32: { formatTag: 1, bitsPerSample: 32 },
  alaw: { formatTag: 6, bitsPerSample: 8 },
  mulaw: { formatTag: 7, bitsPerSample: 8 },
};

/** Containers a player recognises by their first bytes. */
function containerType(first: Buffer): string {
  if (first.length >= 4 && first.readUInt32BE(0) === 0x1a45dfa3) return 'audio/webm';
  if (first.toString('latin1', 0, 4) === 'OggS') return 'audio/ogg';
  if (first.toString('latin1', 0, 4) === 'fLaC') return 'audio/flac';
  if (first.toString('latin1', 0, 3) === 'ID3' || (first.length >= 2 && first[0] === 0xff && (first[1]! & 0xe0) === 0xe0)) return 'audio/mpeg';
  if (first.toString('latin1', 4, 8) === 'ftyp') return 'audio/mp4';
  return 'application/octet-stream';
}

/**
 * What a session's recording holds: PCM-like audio (the encoding it declared, or the WAV it streamed) becomes a WAV
 * file; anything else is kept in the client's own container.
 */
export function recordingFormatOf(options: LiveOptions, wav: WavFormat | undefined, first: Buffer): RecordingFormat {
  if (wav) return { kind: 'pcm', formatTag: wav.formatTag, sampleRate: wav.sampleRate, channels: wav.channels, bitsPerSample: wav.bitsPerSample };
  const raw = typeof options.encoding === 'string' ? RAW_ENCODINGS[options.encoding] : undefined;
  const sampleRate = Number(options.sample_rate);
  if (raw && sampleRate > 0) return { kind: 'pcm', ...raw, sampleRate, channels: options.channels === undefined ? 1 : Number(options.channels) };
  return { kind: 'container', contentType: containerType(first) };
}
