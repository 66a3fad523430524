import { parseBuffer } from 'music-metadata';

/** What the emulator needs to know about a piece of audio. */
export interface AudioInfo {
  /** Seconds of audio. */
  duration: number;
  /** Channels in the audio (Deepgram reports 1 in metadata unless multichannel=true). */
  channels: number;
}

/** Thrown when audio cannot be decoded; maps to Deepgram's 400 "corrupt or unsupported data". */
export class AudioError extends Error {
  override name = 'AudioError';
}

/** Thrown for a bad audio-related query parameter; maps to 400 INVALID_QUERY_PARAMETER. */
export class AudioParamError extends Error {
  override name = 'AudioParamError';
}

/** Bytes per sample of the raw encodings whose duration follows from the byte count. */
const RAW_BYTES_PER_SAMPLE: Record<string, number> = { linear16: 2, linear32: 4, mulaw: 1, alaw: 1 };
/** Encodings Deepgram accepts for raw (headerless or codec-framed) audio. */
export const KNOWN_ENCODINGS = new Set([
  'linear16', 'linear32', 'flac', 'alaw', 'mulaw', 'amr-nb', 'amr-wb', 'opus', 'ogg-opus', 'speex', 'g729',
]);
/** Nominal byte rates (bytes/second) used to estimate the duration of compressed raw streams. */
const NOMINAL_BYTE_RATE: Record<string, number> = {
  'amr-nb': 1_600, 'amr-wb': 3_000, opus: 4_000, 'ogg-opus': 4_000, speex: 3_000, g729: 1_000,
};

export interface RawFormat {
  encoding?: string;
  sampleRate?: number;
  channels: number;
}

/** Reads and validates `encoding`, `sample_rate` and `channels` query values. */
export function parseRawFormat(params: { encoding?: string; sample_rate?: string; channels?: string }): RawFormat {
  const { encoding } = params;
  if (encoding !== undefined && !KNOWN_ENCODINGS.has(encoding)) {
    throw new AudioParamError(`Invalid query parameter: encoding=${encoding} is not a supported encoding.`);
  }
  const sampleRate = params.sample_rate === undefined ? undefined : Number(params.sample_rate);
  if (sampleRate !== undefined && (!Number.isInteger(sampleRate) || sampleRate <= 0)) {
    throw new AudioParamError(`Invalid query parameter: sample_rate=${params.sample_rate} must be a positive integer.`);
  }
  const channels = params.channels === undefined ? 1 : Number(params.channels);
  if (!Number.isInteger(channels) || channels <= 0 || channels > 32) {
    throw new AudioParamError(`Invalid query parameter: channels=${params.channels} must be a positive integer.`);
  }
  return { encoding, sampleRate, channels };
}

/** Bytes per second of a raw stream, or undefined when it can't be known from the parameters. */
export function rawByteRate(format: RawFormat): number | undefined {
  const { encoding, sampleRate, channels } = format;
  if (!encoding) return undefined;
  const bps = RAW_BYTES_PER_SAMPLE[encoding];
  if (bps !== undefined) return sampleRate ? bps * channels * sampleRate : undefined;
  if (encoding === 'flac') return sampleRate ? Math.round(2 * channels * sampleRate * 0.6) : undefined;
  return NOMINAL_BYTE_RATE[encoding];
}

/** Duration and channel count of a complete audio upload (REST). */
export async function probeAudio(audio: Buffer, format: RawFormat = { channels: 1 }): Promise<AudioInfo> {
  if (audio.length === 0) throw new AudioError('empty body');
  const looksContainerised = parseWavHeader(audio).status === 'ok' || !format.encoding;
  if (!looksContainerised) {
    const rate = rawByteRate(format);
    if (rate === undefined) throw new AudioError(`cannot decode raw ${format.encoding} without sample_rate`);
    return { duration: audio.length / rate, channels: format.channels };
  }
  let parsed;
  try {
    parsed = await parseBuffer(audio, undefined, { duration: true, skipCovers: true });
  } catch (err) {
    throw new AudioError((err as Error).message);
  }
  const f = parsed.format;
  let duration = f.duration;
  if ((duration === undefined || !Number.isFinite(duration)) && f.bitrate) duration = (audio.length * 8) / f.bitrate;
  if (duration === undefined || !Number.isFinite(duration) || duration < 0 || f.hasAudio === false) {
    throw new AudioError('no decodable audio stream');
  }
  return { duration, channels: f.numberOfChannels ?? 1 };
}

/**
 * Probes a (possibly partial) non-WAV container prefix for an estimated byte rate. music-metadata derives `bitrate`
 * from the buffer length when a header announces the total duration (e.g. an MP3 Xing frame), which is meaningless
 * for a prefix; then a nominal rate for the codec is used instead.
 */
export async function probeStreamByteRate(prefix: Buffer): Promise<{ byteRate: number; channels: number } | undefined> {
  try {
    const parsed = await parseBuffer(prefix, undefined, { duration: false, skipCovers: true });
    const f = parsed.format;
    if (!f.container && !f.codec) return undefined;
    const derivedFromLength = f.duration !== undefined && f.bitrate !== undefined && (f.bitrate * f.duration) / 8 <= prefix.length * 1.01;
    const nominal = /opus|vorbis|speex/i.test(`${f.codec} ${f.container}`) ? 4_000 : 16_000;
    const byteRate = f.bitrate && !derivedFromLength ? f.bitrate / 8 : nominal;
    return { byteRate, channels: f.numberOfChannels ?? 1 };
  } catch {
    return undefined;
  }
}

export type WavHeader =
  | { status: 'need-more' }
  | { status: 'not-wav' }
  | { status: 'ok'; dataOffset: number; channels: number; sampleRate: number; byteRate: number; formatTag: number; bitsPerSample: number };

/** Parses a RIFF/WAVE header from the first bytes of a stream; tolerates a data size of 0 or 0xFFFFFFFF (streaming). */
export function parseWavHeader(buf: Buffer): WavHeader {
  if (buf.length < 12) {
    const riff = Buffer.from('RIFF');
    return riff.subarray(0, Math.min(4, buf.length)).equals(buf.subarray(0, 4)) ? { status: 'need-more' } : { status: 'not-wav' };
  }
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') return { status: 'not-wav' };
  let offset = 12;
  let fmt: { formatTag: number; channels: number; sampleRate: number; byteRate: number; bitsPerSample: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'data') {
      if (!fmt) return { status: 'not-wav' };
      return { status: 'ok', dataOffset: body, ...fmt };
    }
    if (id === 'fmt ') {
      if (body + 16 > buf.length) return { status: 'need-more' };
      fmt = {
        formatTag: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
      if (!fmt.channels || !fmt.sampleRate || !fmt.byteRate) return { status: 'not-wav' };
    }
    offset = body + size + (size % 2);
  }
  return { status: 'need-more' };
}
