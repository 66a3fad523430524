import type { JobWithTranscript } from '../services/transcriptions.service.js';

/** The public JSON shape of a job. Field names are the API contract: snake_case, stable. */
export function jobView({ job, transcript }: JobWithTranscript, links: { self: string; temporalUi?: string }) {
  return {
    id: job.id,
    status: job.status,
    mode: job.mode ?? job.requestedMode,
    ...(transcript ? { transcript: transcript.text, result: transcript.result } : {}),
    ...(job.error ? { error: job.error } : {}),
    duration_seconds: job.durationSeconds,
    deepgram_request_id: job.deepgramRequestId,
    created_at: job.createdAt.toISOString(),
    completed_at: job.completedAt?.toISOString() ?? null,
    links: { self: links.self, ...(links.temporalUi ? { temporal_ui: links.temporalUi } : {}) },
  };
}

/** HTTP status for a job that failed while the client waited: the job's own error decides. */
export function failedJobStatus(code: string | undefined): 422 | 502 {
  return code === 'deepgram_rejected' ? 422 : 502;
}
