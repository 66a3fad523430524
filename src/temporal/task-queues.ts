/** Workflow ids are the job ids: one business key, so a repeated submit can never start a second run. */
export function transcriptionWorkflowId(jobId: string): string {
  return jobId;
}

/** Deepgram calls run on their own queue so Temporal can cap their rate and concurrency for all workers at once. */
export function deepgramTaskQueue(taskQueue: string): string {
  return `${taskQueue}-deepgram`;
}
