import type { Db } from '../db/database.js';
import { insertLiveSegments } from '../db/repositories/live-segments.repository.js';
import { recordLiveProgress } from '../db/repositories/live-sessions.repository.js';
import type { LiveSegment } from '../domain/live.js';

export interface RelayTotals {
  audioSeconds: number;
  upstreamReconnects: number;
  committedSeconds: number;
  requestIds: string[];
}

/** Progress alone (audio seconds, no new finals) is written every this many rounds: it changes every second. */
const PROGRESS_EVERY_ROUNDS = 10;

/**
 * Writes final results to PostgreSQL in batches while the session runs (every `intervalMs`, and at the end), with
 * the session's progress counters in the same round. A failed write keeps its batch for the next round, so a
 * database blip delays segments but loses none while the relay lives.
 */
export class SegmentWriter {
  private pending: LiveSegment[] = [];
  private reported: RelayTotals = { audioSeconds: 0, upstreamReconnects: 0, committedSeconds: 0, requestIds: [] };
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private rounds = 0;

  constructor(
    private readonly deps: {
      db: Db;
      sessionId: string;
      intervalMs: number;
      totals: () => RelayTotals;
      onError: (err: unknown) => void;
      /** Runs before a batch of finals is stored; if it fails the batch waits (the recording flushes here). */
      beforeWrite?: () => Promise<void>;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.rounds += 1;
      if (this.pending.length > 0 || this.rounds % PROGRESS_EVERY_ROUNDS === 0) void this.flush().catch(this.deps.onError);
    }, this.deps.intervalMs);
  }

  add(segment: LiveSegment): void {
    this.pending.push(segment);
  }

  /** Audio received that the session row does not count yet (progress is written in rounds). */
  unreportedAudioSeconds(): number {
    return Math.max(0, this.deps.totals().audioSeconds - this.reported.audioSeconds);
  }

  /** Writes what is pending; calls are serialised so batches land in order. */
  flush(): Promise<void> {
    this.writing = this.writing.catch(() => undefined).then(() => this.write());
    return this.writing;
  }

  /** Stops the timer and writes the rest; rejects if the last write fails. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    const totals = this.deps.totals();
    const progressed =
      totals.audioSeconds !== this.reported.audioSeconds ||
      totals.upstreamReconnects !== this.reported.upstreamReconnects ||
      totals.requestIds.length !== this.reported.requestIds.length;
    if (batch.length === 0 && !progressed) return;
    // What this round writes is fixed now: finals and request ids arriving while it writes wait for the next round
    // (ids seen only later must not count as written).
    this.pending = [];
    const requestIds = [...totals.requestIds];
    try {
      // The recording first: the audio under these finals (received before them) is stored before they are.
      if (batch.length > 0) await this.deps.beforeWrite?.();
      await insertLiveSegments(this.deps.db, this.deps.sessionId, batch);
      await recordLiveProgress(this.deps.db, this.deps.sessionId, {
        audioSecondsDelta: totals.audioSeconds - this.reported.audioSeconds,
        reconnectsDelta: totals.upstreamReconnects - this.reported.upstreamReconnects,
        committedSeconds: totals.committedSeconds,
        newRequestIds: requestIds.slice(this.reported.requestIds.length),
      });
      this.reported = { ...totals, requestIds };
    } catch (err) {
      this.pending = [...batch, ...this.pending];
      throw err;
    }
  }
}
