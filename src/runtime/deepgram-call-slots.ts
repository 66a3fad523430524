import type { ActivitySlotInfo, CustomSlotSupplier, SlotPermit } from '@temporalio/worker';
import type { Db } from '../db/database.js';
import { releaseAllCallSlots, releaseCallSlot, renewCallSlots, tryAcquireCallSlot } from '../db/repositories/deepgram-call-slots.repository.js';
import type { Logger } from '../observability/logger.js';

export interface GlobalCallSlotsOptions {
  db: Db;
  /** This worker, unique among all batch workers (its leases are renewed and released by it). */
  holder: string;
  /** DEEPGRAM_MAX_CONCURRENT: places shared by every batch worker. */
  limit: number;
  /** A lease not renewed for this long is presumed lost with its worker and given to another. */
  leaseMs: number;
  /** How often a worker with no place asks again. */
  retryMs?: number;
  logger?: Logger;
}

/** How long a place given back with no reservation waiting is kept for the next one before it is released. */
const PARK_MS = 1_000;
/** At most this many such places per worker: the rest go back at once, for any worker to take. */
const MAX_PARKED = 8;

interface CallSlotPermit extends SlotPermit {
  leaseId: string;
}

export type GlobalCallSlots = CustomSlotSupplier<ActivitySlotInfo> & {
  /**
   * One place for a Deepgram call made outside the Deepgram task queue (a sync job's local activity), if one is free
   * now: null otherwise (the job then queues like any other). Renewed with the others until given back.
   */
  tryTake(): Promise<string | null>;
  giveBack(leaseId: string): void;
  /** Starts renewing this worker's leases. */
  start(): void;
  /** Stops renewing and gives back whatever places are still held. */
  stop(): Promise<void>;
};

/**
 * A Temporal slot supplier for the Deepgram-calls worker whose slots are leases in PostgreSQL, so that
 * DEEPGRAM_MAX_CONCURRENT holds across every batch worker however many run: the worker polls for a Deepgram task
 * only once it holds a place, and excess work waits in Temporal's queue. Temporal reserves a slot before each
 * poll, so an idle worker holds a place or two per poller; they are used the moment a task arrives. A place given
 * back while no reservation waits is kept up to a second for the next one (at most eight per worker).
 */
export function createGlobalCallSlots(options: GlobalCallSlotsOptions): GlobalCallSlots {
  const { db, holder, limit, leaseMs, logger } = options;
  const retryMs = options.retryMs ?? 200;
  let renewal: NodeJS.Timeout | undefined;
  let databaseDown = false;
  let stopping = false;
  const held = new Set<string>();
  /** Released by Temporal but not yet deleted (the database did not answer): retried on every renewal tick. */
  const unreleased = new Set<string>();

  const release = (leaseId: string) =>
    releaseCallSlot(db, leaseId).then(
      () => unreleased.delete(leaseId),
      () => unreleased.add(leaseId),
    );
  /** Reservations of this worker waiting for a place: a place it gives back goes straight to one of them. */
  const waiting = new Set<(leaseId: string) => void>();
  /**
   * Places given back while no reservation waited, kept a moment for the next one (which comes as soon as a poller
   * has taken a task): under a steady stream of calls a place is taken and given back once, not once per call.
   */
  const parked = new Map<string, NodeJS.Timeout>();
  const parkMs = Math.min(PARK_MS, Math.floor(leaseMs / 3));

  function park(leaseId: string): boolean {
    if (stopping || parked.size >= MAX_PARKED || parkMs <= 0) return false;
    const timer = setTimeout(() => {
      parked.delete(leaseId);
      held.delete(leaseId);
      void release(leaseId);
    }, parkMs);
    timer.unref();
    parked.set(leaseId, timer);
    return true;
  }

  /** A parked place, if any (no query). */
  function unpark(): string | undefined {
    const next = parked.entries().next();
    if (next.done) return undefined;
    const [leaseId, timer] = next.value;
    clearTimeout(timer);
    parked.delete(leaseId);
    return leaseId;
  }

  /** Waits `ms` (then the caller asks the database again) unless this worker hands over a place first. */
  function waitForPlace(ms: number, signal: AbortSignal): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), ms);
      const aborted = () => done(undefined);
      const take = (leaseId: string) => done(leaseId);
      signal.addEventListener('abort', aborted, { once: true });
      waiting.add(take);
      function done(leaseId: string | undefined) {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        waiting.delete(take);
        resolve(leaseId);
      }
    });
  }

  /**
   * A place this worker is done with: handed to one of its own waiting reservations (the lease row stays, no query,
   * no gap), else deleted for any worker to take.
   */
  function giveBack(leaseId: string): void {
    const next = waiting.values().next();
    if (!next.done) {
      next.value(leaseId);
      return;
    }
    if (park(leaseId)) return;
    held.delete(leaseId);
    void release(leaseId); // must not block; a failed delete is retried, and the lease lapses anyway
  }

  async function reserveSlot(_ctx: unknown, abortSignal: AbortSignal): Promise<CallSlotPermit> {
    const kept = abortSignal.aborted ? undefined : unpark();
    if (kept) return { leaseId: kept };
    while (!abortSignal.aborted) {
      try {
        const leaseId = await tryAcquireCallSlot(db, { holder, limit, leaseMs });
        if (databaseDown) logger?.info('Deepgram call slots: the database answers again');
        databaseDown = false;
        if (leaseId && abortSignal.aborted) {
          await release(leaseId);
          break;
        }
        if (leaseId) {
          held.add(leaseId);
          return { leaseId };
        }
      } catch (err) {
        // No database, no new Deepgram calls from this worker: waiting is safe, exceeding the cap is not.
        if (!databaseDown) logger?.warn({ err }, 'Deepgram call slots: the database is unreachable; Deepgram tasks wait');
        databaseDown = true;
      }
      const handed = await waitForPlace(retryMs + Math.random() * retryMs, abortSignal);
      if (handed && abortSignal.aborted) {
        giveBack(handed);
        break;
      }
      if (handed) return { leaseId: handed };
    }
    throw abortSignal.reason;
  }

  return {
    type: 'custom',
    reserveSlot,
    async tryTake() {
      const kept = unpark();
      if (kept) return kept;
      const leaseId = await tryAcquireCallSlot(db, { holder, limit, leaseMs }).catch(() => null);
      if (leaseId) held.add(leaseId);
      return leaseId;
    },
    giveBack,
    // Eager dispatch would bypass the shared count; Deepgram tasks come from polling only.
    tryReserveSlot: () => null,
    markSlotUsed: () => undefined,
    releaseSlot: ({ permit }) => giveBack((permit as CallSlotPermit).leaseId),
    start() {
      renewal = setInterval(() => {
        renewCallSlots(db, [...held], leaseMs).catch((err: unknown) => logger?.warn({ err }, 'Deepgram call slot leases not renewed'));
        for (const leaseId of unreleased) void release(leaseId);
      }, Math.max(100, Math.floor(leaseMs / 3)));
      renewal.unref();
    },
    async stop() {
      stopping = true;
      for (const timer of parked.values()) clearTimeout(timer);
      parked.clear();
      clearInterval(renewal);
      await releaseAllCallSlots(db, holder).catch((err: unknown) => logger?.warn({ err }, 'Deepgram call slots not released; they lapse on their own'));
    },
  };
}
