import { liveApiOf, type LiveSegment, type LiveSession } from '../domain/live.js';

/** The recording's state as a client reads it. */
function recordingView(session: LiveSession) {
  if (!session.record) return null;
  const { bytes, format, blobId } = session.recording;
  const status = blobId ? 'ready' : session.status === 'active' ? 'recording' : bytes > 0 ? 'finishing' : 'empty';
  const seconds = format?.kind === 'pcm' ? round(bytes / (format.sampleRate * format.channels * (format.bitsPerSample / 8))) : null;
  return { status, bytes, seconds, content_type: format?.kind === 'container' ? format.contentType : 'audio/wav', url: `/v1/streams/${session.id}/recording` } as const;
}

/** The public JSON shape of a live session. Field names are the API contract: snake_case, stable. */
export function streamView(session: LiveSession, links: { self: string; temporalUi?: string }) {
  return {
    id: session.id,
    status: session.deletedAt ? ('deleted' as const) : session.status,
    model: session.model,
    api: liveApiOf(session.options),
    options: session.options,
    started_at: session.startedAt.toISOString(),
    ended_at: session.endedAt?.toISOString() ?? null,
    audio_seconds: round(session.audioSeconds),
    /** Where a client reconnecting with session_id continues: the end of the last stored final result. */
    resume_from_seconds: round(session.committedSeconds),
    close_reason: session.closeReason,
    ...(session.closeMessage ? { close_message: session.closeMessage } : {}),
    reconnect_count: session.reconnectCount,
    resume_count: session.resumeCount,
    deepgram_request_ids: session.deepgramRequestIds,
    recording: recordingView(session),
    repass: session.repassJobId ? { job_id: session.repassJobId, links: { job: `/v1/transcriptions/${session.repassJobId}` } } : null,
    links: { self: links.self, ...(links.temporalUi ? { temporal_ui: links.temporalUi } : {}) },
  };
}

/** A session with its transcript: the final results' text joined, and every final result on the session timeline. */
export function streamWithTranscriptView(session: LiveSession, segments: LiveSegment[], links: { self: string; temporalUi?: string }) {
  const lastEnd = segments.reduce((end, s) => Math.max(end, s.end), 0);
  return {
    ...streamView(session, links),
    resume_from_seconds: round(Math.max(session.committedSeconds, lastEnd)),
    transcript: segments.map((s) => s.transcript).filter((t) => t.length > 0).join(' '),
    segments: segments.map((s) => ({
      seq: s.seq,
      channel: s.channel,
      start: s.start,
      end: s.end,
      transcript: s.transcript,
      confidence: s.confidence,
      speech_final: s.speechFinal,
      from_finalize: s.fromFinalize,
      words: s.words,
    })),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
