/** Workflow ids are the job ids, which the server always generates: a repeated submit can never start a second run. */
export function transcriptionWorkflowId(jobId: string): string {
  return jobId;
}

/** Deepgram calls run on their own queue so Temporal can cap their rate and concurrency for all workers at once. */
export function deepgramTaskQueue(taskQueue: string): string {
  return `${taskQueue}-deepgram`;
}

/**
 * Data residency: a pinned region's work runs on its own task queues, polled only by workers that serve that region
 * (WORKER_REGIONS), so its audio never passes through another region's workers. The default region keeps the base
 * queue names.
 */
export function regionTaskQueue(taskQueue: string, region: string | null): string {
  return region === null || region === 'default' ? taskQueue : `${taskQueue}-region-${region}`;
}
