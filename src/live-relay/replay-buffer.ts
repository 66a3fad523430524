/**
 * The client's audio since the last final result: what a new Deepgram socket must hear again after the old one
 * dropped. Positions are data-byte offsets from the start of this relay's audio. Bounded: past `maxBytes` the
 * oldest audio is dropped (and `overflowed` says a replay is no longer complete).
 */
export class ReplayBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Data-byte position of the first buffered byte. */
  start = 0;
  overflowed = false;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.size;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.size += data.length;
    if (this.size > this.maxBytes) {
      this.overflowed = true;
      this.trimTo(this.start + (this.size - this.maxBytes));
    }
  }

  /** Forgets everything before data-byte position `position` (audio a final result already covers). */
  trimTo(position: number): void {
    while (this.chunks.length > 0 && this.start < position) {
      const first = this.chunks[0]!;
      const drop = Math.min(first.length, position - this.start);
      if (drop === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(drop);
      this.start += drop;
      this.size -= drop;
    }
  }

  contents(): Buffer[] {
    return [...this.chunks];
  }
}
