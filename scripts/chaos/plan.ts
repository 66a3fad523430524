/** How big a chaos run is: the full run (`npm run chaos`) or the short one CI runs (`npm run chaos -- --short`). */
export interface ChaosPlan {
  name: 'full' | 'short';
  /** Async jobs, submitted evenly over the chaos window. */
  jobs: number;
  /** Live sessions, started over the first half of the window. */
  liveSessions: number;
  /** Audio each live session streams in real time. */
  liveAudioSeconds: number;
  /** How long processes are being killed. */
  windowSeconds: number;
  /** A batch worker (the two in turn) is SIGKILLed this often. */
  batchKillEveryMs: number;
  /** The streaming worker is SIGKILLed once it has run this long. */
  streamingKillAfterMs: number;
  /** When, as a share of the window, the Temporal server is SIGKILLed or PostgreSQL restarted. */
  disasters: Array<{ at: number; kind: 'temporal' | 'postgres-fast' | 'postgres-immediate' }>;
  /** After the window, how long jobs and webhooks may take to finish. */
  drainSeconds: number;
}

export const FULL: ChaosPlan = {
  name: 'full',
  jobs: 300,
  liveSessions: 20,
  liveAudioSeconds: 12,
  windowSeconds: 180,
  batchKillEveryMs: 5_000,
  streamingKillAfterMs: 10_000,
  disasters: [
    { at: 0.25, kind: 'temporal' },
    { at: 0.45, kind: 'postgres-fast' },
    { at: 0.7, kind: 'temporal' },
    { at: 0.85, kind: 'postgres-immediate' },
  ],
  drainSeconds: 180,
};

export const SHORT: ChaosPlan = {
  name: 'short',
  jobs: 40,
  liveSessions: 4,
  liveAudioSeconds: 8,
  windowSeconds: 30,
  batchKillEveryMs: 4_000,
  streamingKillAfterMs: 8_000,
  disasters: [
    { at: 0.3, kind: 'temporal' },
    { at: 0.6, kind: 'postgres-immediate' },
  ],
  drainSeconds: 120,
};
