import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createBlobStore } from '../adapters/blob-store/index.js';
import { createDeepgramTranscriber } from '../adapters/deepgram/transcriber.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface BatchWorkerOptions {
  config: Config;
  temporalAddress: string;
  db: Db;
  /** The Deepgram endpoint to call (the launcher may substitute the emulator). */
  deepgram: { apiUrl: string; apiKey?: string };
  /** Pre-built workflow bundle (tests build once); otherwise the worker bundles `workflows/` itself. */
  workflowBundle?: { code: string };
  shutdownGraceMs?: number;
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped; rejects if it crashed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** The batch worker: workflows plus Deepgram, storage, bookkeeping and webhook activities on the transcription queue. */
export async function startBatchWorker(options: BatchWorkerOptions): Promise<RunningWorker> {
  const { config, db } = options;
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const activities = createActivities({
    db,
    transcriber: createDeepgramTranscriber({ ...options.deepgram, timeoutSeconds: config.deepgram.timeoutSeconds }),
    callbacks: { publicBaseUrl: config.http.publicBaseUrl, secret: config.callbacks.secret },
    blobs: createBlobStore(db, { kind: config.uploads.store, dir: config.uploads.dir }),
    urls: config.urls,
    webhooks: config.webhooks,
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities,
    shutdownGraceTime: options.shutdownGraceMs ?? 10_000,
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
