import WebSocket from 'ws';

/** 100 ms of 16 kHz mono linear16. */
export const CHUNK_BYTES = 3_200;
const CHUNK_SECONDS = 0.1;

/**
 * One live stream as a benchmark client: sends 100 ms chunks when told (looping the audio), and times every
 * interim Results message against the chunk that completed the audio it reports on. An interim result's
 * `start + duration` is exactly the audio time at which the server produced it, so this is the real round trip:
 * client → (relay →) Deepgram emulator → (relay →) client.
 */
export class TimedStream {
  readonly latencies: number[] = [];
  recording = false;
  /** When the first result arrived: audio sent before it may have waited for the session to start. */
  liveSince: number | undefined;
  unexpectedClose: { code: number; reason: string } | undefined;
  private ws!: WebSocket;
  private sent = 0;
  private readonly sendTimes: number[] = [];
  private closing = false;
  private closed!: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly pcm: Buffer,
    private readonly headers: Record<string, string> = {},
  ) {}

  open(): Promise<void> {
    this.ws = new WebSocket(this.url, { headers: this.headers, perMessageDeflate: false });
    this.ws.on('message', (data) => this.onMessage(data.toString()));
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        if (!this.closing) this.unexpectedClose = { code, reason: reason.toString() };
        resolve();
      }),
    );
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  sendNext(): void {
    if (!this.isOpen) return;
    const offset = (this.sent * CHUNK_BYTES) % (this.pcm.length - (this.pcm.length % CHUNK_BYTES));
    this.sendTimes.push(performance.now());
    this.sent += 1;
    this.ws.send(this.pcm.subarray(offset, offset + CHUNK_BYTES));
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.isOpen) this.ws.send(JSON.stringify({ type: 'CloseStream' }));
    const timer = setTimeout(() => this.ws.terminate(), 10_000);
    await this.closed;
    clearTimeout(timer);
  }

  private onMessage(text: string): void {
    this.liveSince ??= performance.now();
    if (!this.recording) return;
    const m = JSON.parse(text) as { type?: string; is_final?: boolean; start?: number; duration?: number };
    if (m.type !== 'Results' || m.is_final || m.start === undefined || m.duration === undefined) return;
    const sentAt = this.sendTimes[Math.round((m.start + m.duration) / CHUNK_SECONDS) - 1];
    // Audio sent while the session was still starting measures start-up, not the relay.
    if (sentAt !== undefined && sentAt > this.liveSince) this.latencies.push(performance.now() - sentAt);
  }
}
