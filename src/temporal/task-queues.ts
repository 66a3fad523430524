/** Workflow ids are the job ids: one business key, so a repeated submit can never start a second run. */
export function transcriptionWorkflowId(jobId: string): string {
  return jobId;
}
