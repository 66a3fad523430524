import { randomUUID } from 'node:crypto';
import type { BatchCommon, BatchJob, TranscriptionBatchInput } from '../domain/batch.js';
import type { WebhookTarget } from '../domain/transcription.js';

/** Jobs one dispatcher start may carry (as a batch request may). */
const MAX_JOBS_PER_START = 1000;

interface Waiting {
  job: BatchJob;
  done: (taken: boolean) => void;
}

interface Group {
  taskQueue: string;
  common: BatchCommon;
  webhookRetry: WebhookTarget['retry'];
  waiting: Waiting[];
  starting: boolean;
}

/**
 * Group commit for workflow starts. Async submissions that arrive while a start is in flight for the same owner and
 * region wait for the next one, which carries them all (the batch dispatcher starts each job's own workflow). At low
 * load every submission starts at once, as before; under a burst, one start serves as many submissions as arrived
 * during the last one, so accepting jobs one by one is no longer bounded by Temporal's start rate. Each submission is
 * still answered only after Temporal has its job, so nothing accepted can be lost.
 */
export function createStartCoalescer(start: (input: TranscriptionBatchInput) => Promise<boolean>) {
  const groups = new Map<string, Group>();

  async function pump(key: string, group: Group): Promise<void> {
    group.starting = true;
    try {
      while (group.waiting.length > 0) {
        const taken = group.waiting.splice(0, MAX_JOBS_PER_START);
        const input: TranscriptionBatchInput = { batchId: randomUUID(), taskQueue: group.taskQueue, common: group.common, webhookRetry: group.webhookRetry, jobs: taken.map((w) => w.job) };
        const ok = await start(input).catch(() => false);
        for (const w of taken) w.done(ok);
      }
    } finally {
      group.starting = false;
      if (group.waiting.length === 0) groups.delete(key);
    }
  }

  return {
    /** Resolves true once Temporal has the job (its dispatcher started), false when Temporal did not take it. */
    start(taskQueue: string, common: BatchCommon, webhookRetry: WebhookTarget['retry'], job: BatchJob): Promise<boolean> {
      // Jobs share a dispatcher only when everything but the job itself is the same.
      const key = JSON.stringify([taskQueue, common, webhookRetry]);
      let group = groups.get(key);
      if (!group) {
        group = { taskQueue, common, webhookRetry, waiting: [], starting: false };
        groups.set(key, group);
      }
      const result = new Promise<boolean>((done) => group.waiting.push({ job, done }));
      if (!group.starting) void pump(key, group);
      return result;
    },
  };
}

export type StartCoalescer = ReturnType<typeof createStartCoalescer>;
