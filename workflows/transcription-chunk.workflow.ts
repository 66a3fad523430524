import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ChunkTranscriptionInput } from '../src/domain/chunking.js';
import { throughOutages } from './outages.js';

/** Workflow type name of one chunk of a long file; renaming it breaks running chunks. */
export const TRANSCRIPTION_CHUNK_WORKFLOW = 'transcriptionChunk';

/**
 * One chunk of a long file: its Deepgram call on the Deepgram queue (the global caps and the tenant's fair share
 * apply to every chunk), with the job's retries and outage waits. A failed or crashed call redoes this chunk alone;
 * its answer is kept by the activity, so the workflow carries only the request id.
 */
export async function transcriptionChunk(input: ChunkTranscriptionInput): Promise<{ deepgramRequestId: string }> {
  const deepgram = proxyActivities<Activities>({
    taskQueue: input.deepgramTaskQueue,
    priority: { priorityKey: input.priority, fairnessKey: input.tenantId },
    startToCloseTimeout: input.timeouts.deepgramCallMs + 60_000,
    heartbeatTimeout: input.timeouts.heartbeatMs,
    retry: {
      initialInterval: input.retry.initialIntervalMs,
      backoffCoefficient: input.retry.backoffCoefficient,
      maximumAttempts: input.retry.maximumAttempts,
      maximumInterval: input.retry.maximumIntervalMs,
      nonRetryableErrorTypes: ['DeepgramRejected', 'DeepgramEndpointsDown', 'StorageUnavailable'],
    },
  });
  return throughOutages(() => deepgram.transcribeAudioChunk({ jobId: input.jobId, index: input.index }), Date.now() + input.outageMaxWaitMs);
}
