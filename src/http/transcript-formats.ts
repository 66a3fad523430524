import { srt, webvtt } from '@deepgram/captions';
import { AppError } from '../domain/errors.js';
import type { LiveSegment, LiveSession } from '../domain/live.js';
import { deepgramResultFromLive } from '../domain/live-transcript.js';
import type { JobWithTranscript } from '../services/transcriptions.service.js';

export const FORMATS = ['json', 'txt', 'srt', 'vtt'] as const;
export type TranscriptFormat = (typeof FORMATS)[number];

const CONTENT_TYPES: Record<Exclude<TranscriptFormat, 'json'>, string> = {
  txt: 'text/plain; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
};

export function parseFormat(value: string | undefined): TranscriptFormat {
  if (value === undefined) return 'json';
  if ((FORMATS as readonly string[]).includes(value)) return value as TranscriptFormat;
  throw new AppError(400, 'invalid_request', `Query "format" must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(value)})`);
}

/** Plain text or captions, built from the stored Deepgram result with Deepgram's own captions package. */
export function renderTranscript(loaded: JobWithTranscript, format: Exclude<TranscriptFormat, 'json'>): { body: string; contentType: string } {
  if (!loaded.transcript) {
    throw new AppError(409, 'not_ready', `The job is ${loaded.job.status}; a ${format} transcript exists only once it has completed`);
  }
  const result = loaded.transcript.result as Parameters<typeof webvtt>[0];
  const body = format === 'txt' ? `${loaded.transcript.text}\n` : format === 'srt' ? srt(result) : webvtt(result);
  return { body, contentType: CONTENT_TYPES[format] };
}

/**
 * Plain text or captions of a live session's final results: each final with words is one utterance (Deepgram's
 * captions package breaks long ones into lines), on the session's timeline.
 */
export function renderLiveTranscript(session: LiveSession, segments: LiveSegment[], format: Exclude<TranscriptFormat, 'json'>): { body: string; contentType: string } {
  const { transcript, result } = deepgramResultFromLive(session.id, session.startedAt, segments, session.model);
  if (format === 'txt') return { body: transcript ? `${transcript}\n` : '', contentType: CONTENT_TYPES.txt };
  const captions = result as unknown as Parameters<typeof webvtt>[0];
  return { body: format === 'srt' ? srt(captions) : webvtt(captions), contentType: CONTENT_TYPES[format] };
}
