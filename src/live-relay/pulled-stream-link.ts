import { randomUUID } from 'node:crypto';
import { parseWavHeader } from '../audio/wav-header.js';
import type { ClientLink, ClientLinkHandlers } from '../domain/live.js';

/** A WAV header not complete within this many bytes of a new response is not one we can strip. */
const HEADER_LIMIT = 64 * 1024;

export interface PulledStreamOptions {
  url: string;
  /** Opens the source (the SSRF-guarded client: every connection goes to a vetted public address). */
  open: (url: string, signal: AbortSignal) => Promise<Response>;
  /** A dropped source is opened again after firstDelayMs, doubling to maxDelayMs; given up after giveUpAfterMs of failing. */
  reconnect: { firstDelayMs: number; maxDelayMs: number; giveUpAfterMs: number };
  warn: (details: Record<string, unknown>, message: string) => void;
}

class SourceRefused extends Error {}

/**
 * A live audio stream at a URL, as the relay's client: its bytes are the client's audio frames. A source that drops
 * is opened again with backoff and its audio continues on the same timeline (a WAV source's new header is dropped,
 * the format being known already); a response that ends after its whole declared length is the stream's end (the
 * relay then finalizes, as for a client's CloseStream). Reading pauses while Deepgram is behind (the relay's
 * backpressure), which TCP passes on to the source.
 */
export class PulledStreamLink implements ClientLink {
  readonly connectionId = randomUUID();
  private open = true;
  private handlers: ClientLinkHandlers | undefined;
  private paused = false;
  private wakeUp: (() => void) | undefined;
  private readonly abort = new AbortController();
  private wav = false;
  /** Whether any audio came from the source (a source that never played is a failure, not an end). */
  played = false;
  reconnects = 0;
  private lastAudioAt = 0;
  /** Why the source was given up on, when it was. */
  failure: string | undefined;

  constructor(private readonly options: PulledStreamOptions) {}

  get isOpen(): boolean {
    return this.open;
  }

  attach(handlers: ClientLinkHandlers): void {
    this.handlers = handlers;
    void this.pull();
  }

  /** Results are stored by the relay; a URL has no one to send them to. */
  send(): void {}

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.abort.abort();
    this.wakeUp?.();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wakeUp?.();
  }

  private async pull(): Promise<void> {
    const { reconnect } = this.options;
    let failingSince: number | undefined;
    let delay = reconnect.firstDelayMs;
    while (this.open) {
      const attemptAt = Date.now();
      try {
        if (await this.read()) return this.finish();
      } catch (err) {
        if (!this.open) return;
        // A source that played since the last failure dropped anew: its backoff starts over.
        if (this.lastAudioAt >= attemptAt) {
          failingSince = undefined;
          delay = reconnect.firstDelayMs;
        }
        if (err instanceof SourceRefused && !this.played) return this.giveUp(err.message);
        failingSince ??= Date.now();
        if (Date.now() - failingSince >= reconnect.giveUpAfterMs) return this.giveUp((err as Error).message);
        this.options.warn({ url: redact(this.options.url), err: (err as Error).message, retryInMs: delay }, 'stream: the source dropped; opening it again');
      }
      if (!this.open) return;
      await this.sleep(delay);
      delay = Math.min(delay * 2, reconnect.maxDelayMs);
      this.reconnects += 1;
    }
  }

  /** One response; true when it ended after its whole declared length (the stream's end). */
  private async read(): Promise<boolean> {
    const res = await this.options.open(this.options.url, this.abort.signal);
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      const message = `the source answered ${res.status}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new SourceRefused(message);
      throw new Error(message);
    }
    const declared = res.headers.get('content-length');
    let received = 0;
    let head: Buffer | undefined = this.played && this.wav ? Buffer.alloc(0) : undefined;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (!this.open) return false;
      let data: Buffer = Buffer.from(chunk);
      received += data.length;
      if (head !== undefined) {
        // A reconnected WAV source starts with a new header: the relay knows the format, so only its samples go on.
        head = Buffer.concat([head, data]);
        const wav = parseWavHeader(head);
        if (!wav && head.length < HEADER_LIMIT) continue;
        data = wav ? head.subarray(wav.dataOffset) : head;
        head = undefined;
      }
      if (!this.played) this.wav = data.toString('latin1', 0, 4) === 'RIFF';
      this.played = true;
      this.lastAudioAt = Date.now();
      this.handlers?.frame({ kind: 'audio', data });
      while (this.paused && this.open) await new Promise<void>((resolve) => (this.wakeUp = resolve));
    }
    if (declared !== null && received >= Number(declared)) return true;
    throw new Error('the source closed the stream');
  }

  /** The stream ended: the relay finalizes and stores the last finals, as for a client's CloseStream. */
  private finish(): void {
    if (!this.open) return;
    this.handlers?.frame({ kind: 'control', type: 'CloseStream' });
  }

  private giveUp(message: string): void {
    if (!this.open) return;
    this.failure = message;
    if (this.played) return this.finish();
    this.open = false;
    this.handlers?.closed({ code: 1011, reason: message });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}

/** A URL for logs: no credentials, no query (a stream URL may carry a token). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
