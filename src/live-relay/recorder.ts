import type { RecordingFormat } from '../domain/live.js';

/** Where a recorder puts its parts: one stored stretch [byteOffset, byteOffset + bytes) of the session's audio. */
export interface RecordingSink {
  appendPart(part: { sessionId: string; tenantId: string; byteOffset: number; chunks: Buffer[]; format: RecordingFormat }): Promise<void>;
}

/** Audio held before it is written as a part (16 s of 16 kHz linear16); a flush before each batch of finals writes it sooner. */
const PART_BYTES = 512 * 1024;
/** A gap in the timeline (a part lost with a dead worker) is filled with silence up to this much, so timestamps stay true. */
const MAX_SILENCE_BYTES = 64 * 1024 * 1024;

export interface RecorderInit {
  sink: RecordingSink;
  sessionId: string;
  tenantId: string;
  /** Bytes of this session's audio already recorded (earlier connections). */
  recordedBytes: number;
  warn: (details: Record<string, unknown>, message: string) => void;
}

/**
 * Keeps a live session's audio as it streams, on the session's own byte timeline: a resumed connection, whose audio
 * starts again at the resume point, adds only what goes past what is already recorded, so the recording has neither
 * gaps nor doubled audio across reconnects. Memory is bounded: audio is written out in parts of PART_BYTES, and
 * before every batch of final results is stored (`flush`), so what the session row says is committed is always
 * recorded too, and a client resuming from there finds nothing missing.
 */
export class LiveRecorder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Session byte position of the next byte this recorder keeps. */
  private position = 0;
  private pendingStart = 0;
  private format: RecordingFormat | undefined;
  private writing: Promise<void> = Promise.resolve();
  private disabled = false;
  private recorded: number;

  constructor(private readonly init: RecorderInit) {
    this.recorded = init.recordedBytes;
  }

  /**
   * The first audio of this connection: its format, and where its first data byte sits on the session timeline
   * (`startByte`; null for container audio, which cannot be cut by time).
   */
  begin(format: RecordingFormat, startByte: number | null): void {
    this.format = format;
    if (startByte === null) {
      // A container stream cannot be joined to one recorded before it: only the session's first connection is kept.
      if (this.recorded > 0) {
        this.disabled = true;
        this.init.warn({ sessionId: this.init.sessionId }, 'live: a resumed container stream is not added to the recording (only PCM-like audio can be joined)');
      }
      this.position = 0;
    } else {
      this.position = startByte;
      const gap = startByte - this.recorded;
      if (gap > 0 && gap <= MAX_SILENCE_BYTES) {
        this.init.warn({ sessionId: this.init.sessionId, missingBytes: gap }, 'live: recording resumed past its end; the gap is filled with silence');
        this.position = this.recorded;
        this.keep(Buffer.alloc(gap));
      }
    }
    if (this.pendingBytes === 0) this.pendingStart = this.position;
  }

  get active(): boolean {
    return this.format !== undefined && !this.disabled;
  }

  /** Audio data bytes in order; what the recording already has is skipped. */
  push(data: Buffer): void {
    if (!this.active || data.length === 0) return;
    const end = this.position + data.length;
    if (end <= this.recorded) {
      this.position = end;
      this.pendingStart = end;
      return;
    }
    const skip = Math.max(0, this.recorded - this.position);
    if (skip > 0) {
      this.position += skip;
      this.pendingStart = this.position;
    }
    this.keep(skip > 0 ? data.subarray(skip) : data);
    if (this.pendingBytes >= PART_BYTES) void this.flush().catch(() => undefined);
  }

  /** Writes what is pending as one part; calls are serialised, and a failed part is kept for the next one. */
  flush(): Promise<void> {
    this.writing = this.writing.catch(() => undefined).then(() => this.write());
    return this.writing;
  }

  private keep(data: Buffer): void {
    if (this.pendingBytes === 0) this.pendingStart = this.position;
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.position += data.length;
  }

  private async write(): Promise<void> {
    if (this.pendingBytes === 0 || !this.format) return;
    const chunks = this.pending;
    const byteOffset = this.pendingStart;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingStart = byteOffset + bytes;
    try {
      await this.init.sink.appendPart({ sessionId: this.init.sessionId, tenantId: this.init.tenantId, byteOffset, chunks, format: this.format });
      this.recorded = Math.max(this.recorded, byteOffset + bytes);
    } catch (err) {
      this.pending = [...chunks, ...this.pending];
      this.pendingBytes += bytes;
      this.pendingStart = byteOffset;
      throw err;
    }
  }
}
