import { parseWavHeader, type WavFormat } from '../audio/wav-header.js';
import type { LiveOptions } from '../domain/live.js';

/** Raw encodings whose byte rate follows from sample_rate and channels. */
const BYTES_PER_SAMPLE: Record<string, number> = { linear16: 2, linear32: 4, mulaw: 1, alaw: 1 };
/** A WAV header not complete within this many bytes is not a WAV we can time. */
const HEADER_LIMIT = 64 * 1024;

export type ClockState = 'detecting' | 'timed' | 'untimed';

/**
 * Turns the client's audio bytes into seconds on the stream's own timeline, which is what lets the relay cut its
 * replay buffer at a final result and replay exactly the rest to a new Deepgram socket. Raw PCM-like audio is
 * timed from its parameters; a WAV stream from its header (kept, because a new socket needs it first). Other
 * containers (webm, ogg, mp3) cannot be cut by bytes, so they are 'untimed' and are never replayed.
 */
export class AudioClock {
  state: ClockState = 'detecting';
  /** Audio data bytes received (after any WAV header). */
  dataBytes = 0;
  /** The WAV header, sent first to every new upstream socket. */
  header: Buffer | undefined;
  /** The client's WAV format, when it streamed a WAV. */
  wav: WavFormat | undefined;
  byteRate = 0;
  private blockAlign = 1;
  private head: Buffer[] = [];
  private headBytes = 0;

  constructor(options: LiveOptions) {
    const encoding = typeof options.encoding === 'string' ? options.encoding : undefined;
    if (encoding === undefined) return;
    const bytes = BYTES_PER_SAMPLE[encoding];
    const sampleRate = Number(options.sample_rate);
    const channels = options.channels === undefined ? 1 : Number(options.channels);
    if (bytes !== undefined && sampleRate > 0 && channels > 0) {
      this.state = 'timed';
      this.blockAlign = bytes * channels;
      this.byteRate = this.blockAlign * sampleRate;
    } else {
      this.state = 'untimed';
    }
  }

  /** Seconds of audio received (0 while the format is unknown or untimed). */
  get seconds(): number {
    return this.state === 'timed' ? this.dataBytes / this.byteRate : 0;
  }

  /**
   * Takes a client chunk; returns the audio data in it (the bytes after a WAV header), which is what the replay
   * buffer keeps. While a WAV header is incomplete nothing is returned yet.
   */
  push(chunk: Buffer): Buffer {
    if (this.state !== 'detecting') {
      this.dataBytes += chunk.length;
      return chunk;
    }
    this.head.push(chunk);
    this.headBytes += chunk.length;
    const head = Buffer.concat(this.head);
    const isRiff = head.length < 4 ? 'RIFF'.startsWith(head.toString('latin1')) : head.toString('latin1', 0, 4) === 'RIFF';
    const wav = isRiff ? parseWavHeader(head) : null;
    if (wav && wav.byteRate > 0) {
      this.state = 'timed';
      this.byteRate = wav.byteRate;
      this.blockAlign = Math.max(1, (wav.channels * wav.bitsPerSample) / 8);
      this.header = head.subarray(0, wav.dataOffset);
      this.wav = wav;
      return this.release(head.subarray(wav.dataOffset));
    }
    if (isRiff && this.headBytes < HEADER_LIMIT) return Buffer.alloc(0);
    this.state = 'untimed';
    return this.release(head);
  }

  /** Bytes held back while deciding whether the stream starts with a WAV header. */
  get undecidedHead(): Buffer {
    return Buffer.concat(this.head);
  }

  /** Byte count of `seconds` of audio, on a sample-frame boundary. */
  bytesFor(seconds: number): number {
    if (this.state !== 'timed' || seconds <= 0) return 0;
    return Math.round((seconds * this.byteRate) / this.blockAlign) * this.blockAlign;
  }

  private release(data: Buffer): Buffer {
    this.head = [];
    this.dataBytes += data.length;
    return data;
  }
}
