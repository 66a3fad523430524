import type { JobWithTranscript } from '../services/transcriptions.service.js';

/** The public JSON shape of a job. Field names are the API contract: snake_case, stable. */
export function jobView({ job, transcript, queuePosition, stream }: JobWithTranscript, links: { self: string; temporalUi?: string }) {
  return {
    id: job.id,
    status: job.status,
    ...(queuePosition !== undefined ? { queue_position: queuePosition } : {}),
    mode: job.mode ?? job.requestedMode,
    priority: job.priority,
    ...(transcript ? { transcript: transcript.text, result: transcript.result } : stream ? { transcript: stream.text } : {}),
    ...(job.error ? { error: job.error } : {}),
    duration_seconds: job.durationSeconds,
    ...(job.chunks ? { chunks: { total: job.chunks.total, completed: job.chunks.completed } } : {}),
    ...(stream ? { stream: { finals: stream.finals, audio_seconds: stream.audioSeconds, session: `/v1/streams/${job.id}` } } : {}),
    deepgram_request_id: job.deepgramRequestId,
    created_at: job.createdAt.toISOString(),
    completed_at: job.completedAt?.toISOString() ?? null,
    links: { self: links.self, ...(links.temporalUi ? { temporal_ui: links.temporalUi } : {}) },
  };
}

/**
 * HTTP status for a job that failed while the client waited. Deepgram refusing the audio or options (its 400)
 * is the client's to fix: 422. Anything else (auth, credits, outages after retries) is upstream: 502.
 */
export function failedJobStatus(error: { code: string; status?: number } | null | undefined): 422 | 502 {
  return error?.code === 'deepgram_rejected' && error.status === 400 ? 422 : 502;
}
