import { AbortError, sleepUnlessAborted } from './http-util.js';
import type { SpeechEngine } from './engine/types.js';
import { FaultQueue } from './faults/faults.js';
import { type TranscriptRegistry } from './protocol/transcripts.js';
import type { EmulatorLogger, EmulatorStats, RecordedRequest } from './types.js';

/** Most recent requests kept in memory (older ones are dropped so long benchmarks don't grow without bound). */
export const MAX_RECORDED_REQUESTS = 10_000;

export interface EmulatorSettings {
  apiKey: string | null;
  callbackRetryDelayMs: number;
  callbackMaxAttempts: number;
  liveIdleTimeoutMs: number;
  logger: EmulatorLogger;
}

/** Everything the request handlers share: settings, registered transcripts, faults, the request log and counters. */
export class EmulatorState {
  readonly faults = new FaultQueue();
  readonly shutdown = new AbortController();
  private log: RecordedRequest[] = [];
  private inFlight = 0;
  private maxInFlight = 0;
  private total = 0;
  private liveOpen = 0;
  private maxLiveOpen = 0;

  constructor(
    readonly settings: EmulatorSettings,
    readonly transcripts: TranscriptRegistry,
    /** Recognises unregistered audio; null = synthetic words. */
    readonly engine: SpeechEngine | null = null,
  ) {}

  /** Adds a request to the log; the returned object is the stored one and may be updated later. */
  record(entry: RecordedRequest): RecordedRequest {
    this.log.push(entry);
    if (this.log.length > MAX_RECORDED_REQUESTS) this.log.splice(0, this.log.length - MAX_RECORDED_REQUESTS);
    return entry;
  }

  requests(): RecordedRequest[] {
    return this.log.map((r) => ({ ...r, query: { ...r.query } }));
  }

  /** Counts one REST request in flight; call the returned function (idempotent) when it has been answered. */
  beginRest(): () => void {
    this.inFlight += 1;
    this.total += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
    };
  }

  /** Counts one open live socket; call the returned function (idempotent) when it closes. */
  beginLive(): () => void {
    this.liveOpen += 1;
    this.maxLiveOpen = Math.max(this.maxLiveOpen, this.liveOpen);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.liveOpen -= 1;
    };
  }

  stats(): EmulatorStats {
    return { inFlight: this.inFlight, maxInFlight: this.maxInFlight, total: this.total, liveOpen: this.liveOpen, maxLiveOpen: this.maxLiveOpen };
  }

  /** Clears faults, the request log and the counters (requests still in flight keep counting). */
  reset(): void {
    this.faults.clear();
    this.log = [];
    this.total = 0;
    this.maxInFlight = this.inFlight;
    this.maxLiveOpen = this.liveOpen;
  }

  /** Sleeps unless the emulator is closing; resolves false if it was closed meanwhile. */
  async sleep(ms: number): Promise<boolean> {
    try {
      await sleepUnlessAborted(ms, this.shutdown.signal);
      return true;
    } catch (err) {
      if (err instanceof AbortError) return false;
      throw err;
    }
  }
}
