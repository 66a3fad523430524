import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createDeepgramTranscriber } from '../adapters/deepgram/transcriber.js';
import type { Db } from '../db/database.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface BatchWorkerOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  db: Db;
  deepgram: { apiUrl: string; apiKey?: string; timeoutSeconds: number };
  callbacks: { publicBaseUrl?: string; secret?: string };
  /** Pre-built workflow bundle (tests build once); otherwise the worker bundles `workflows/` itself. */
  workflowBundle?: { code: string };
  identity?: string;
  shutdownGraceMs?: number;
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped; rejects if it crashed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** The batch worker: workflows plus Deepgram, storage and bookkeeping activities on the transcription queue. */
export async function startBatchWorker(options: BatchWorkerOptions): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const activities = createActivities({
    db: options.db,
    transcriber: createDeepgramTranscriber(options.deepgram),
    callbacks: options.callbacks,
  });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities,
    shutdownGraceTime: options.shutdownGraceMs ?? 10_000,
    ...(options.identity ? { identity: options.identity } : {}),
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
