import { createHash, type Hash } from 'node:crypto';
import { parseWavHeader, probeAudio, probeStreamByteRate, rawByteRate, type RawFormat } from '../audio.js';
import { LIVE_PREFIX_BYTES, sha256Hex } from '../transcripts.js';

/** Bytes of a containerised stream's head kept to find its format. */
const HEAD_LIMIT = 64 * 1024;
/** Non-WAV container streams up to this size are kept whole, so the final duration is measured, not estimated. */
const CONTAINER_KEEP_LIMIT = 256 * 1024 * 1024;

export type ClockState = 'detecting' | 'ready' | 'undecodable';

/**
 * Turns the bytes of a live stream into audio seconds. Raw audio (`encoding` + `sample_rate`) is counted from the
 * byte rate; containerised audio (no `encoding`) is recognised from its first bytes: a WAV header gives the exact
 * format, other containers are probed with music-metadata for a bitrate.
 */
export class StreamClock {
  bytes = 0;
  state: ClockState = 'detecting';
  channels: number;
  private byteRate: number | undefined;
  private dataOffset = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  private probing: Promise<void> | undefined;
  /** Every chunk of a non-WAV container stream (undefined for raw/WAV, or once over CONTAINER_KEEP_LIMIT). */
  private container: Buffer[] | undefined;
  private readonly hash: Hash = createHash('sha256');
  private digest: string | undefined;

  constructor(
    private readonly format: RawFormat,
    private readonly onReady: () => void,
  ) {
    this.channels = format.channels;
    if (format.encoding) {
      this.byteRate = rawByteRate(format);
      this.state = this.byteRate ? 'ready' : 'undecodable';
    } else {
      this.container = [];
    }
  }

  /** Audio seconds received so far (0 until the format is known). */
  get seconds(): number {
    if (this.state !== 'ready' || !this.byteRate) return 0;
    return Math.max(0, this.bytes - this.dataOffset) / this.byteRate;
  }

  /** True once 8 KiB (the transcript-matching prefix) have arrived. */
  get prefixComplete(): boolean {
    return this.headBytes >= LIVE_PREFIX_BYTES;
  }

  /** sha256 of the first 8 KiB of the stream (or of all of it, if shorter). */
  prefixSha256(): string {
    return sha256Hex(Buffer.concat(this.head).subarray(0, LIVE_PREFIX_BYTES));
  }

  /** sha256 of everything received; once called, later audio is not counted in it (call it at the end). */
  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }

  push(chunk: Buffer): void {
    if (this.digest) return;
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.headBytes < HEAD_LIMIT) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
    } else if (this.container) {
      this.container.push(chunk);
    }
    if (this.container && this.bytes > CONTAINER_KEEP_LIMIT) this.container = undefined;
    if (this.state === 'detecting') void this.detect(false);
  }

  /** The stream ended: decide on the format with whatever arrived; measure a non-WAV container's real duration. */
  async finish(): Promise<void> {
    if (this.state === 'detecting') await this.detect(true);
    if (this.state !== 'ready' || !this.container) return;
    const whole = Buffer.concat([...this.head, ...this.container]);
    this.container = undefined;
    try {
      const info = await probeAudio(whole);
      if (info.duration > 0) this.byteRate = this.bytes / info.duration;
    } catch {
      // keep the estimate
    }
  }

  private detect(final: boolean): Promise<void> {
    const head = Buffer.concat(this.head);
    const wav = parseWavHeader(head);
    if (wav.status === 'ok') {
      this.byteRate = wav.byteRate;
      this.dataOffset = wav.dataOffset;
      this.container = undefined;
      this.channels = wav.channels;
      return this.ready();
    }
    if (wav.status === 'need-more' && !final && this.headBytes < HEAD_LIMIT) return Promise.resolve();
    if (this.probing) return this.probing;
    if (!final && this.headBytes < LIVE_PREFIX_BYTES) return Promise.resolve();
    this.probing = probeStreamByteRate(head).then((probe) => {
      if (this.state !== 'detecting') return;
      if (!probe) {
        this.state = 'undecodable';
        this.onReady();
        return;
      }
      this.byteRate = probe.byteRate;
      this.channels = probe.channels;
      return this.ready();
    });
    return this.probing;
  }

  private ready(): Promise<void> {
    this.state = 'ready';
    this.onReady();
    return Promise.resolve();
  }
}
