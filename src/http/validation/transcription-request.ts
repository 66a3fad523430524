import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { DeepgramOptions, RequestedMode } from '../../domain/transcription.js';
import { DeepgramOptionsSchema } from './deepgram-options.js';

const MODES = ['auto', 'sync', 'async'] as const;

export const TranscriptionFieldsSchema = z.strictObject({
  url: z.string().optional(),
  upload_id: z.string().optional().describe('a finished resumable upload (POST /v1/uploads, tus) of yours, instead of "url"'),
  mode: z.string().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  duration_hint: z.number().positive().finite().optional(),
  webhook_url: z.string().optional(),
  priority: z.number().int().min(1).max(5).optional().describe('1 = first … 5 = last among your own jobs (default 3)'),
  max_duration_seconds: z.number().int().positive().optional().describe('mode "stream": stop after this long (default and most: LIVE_MAX_SESSION_SECONDS)'),
});

export interface TranscriptionFields {
  url?: string;
  uploadId?: string;
  /** `stream`: the URL is a live audio stream (only where the caller takes one: a JSON or form request's url). */
  mode: RequestedMode | 'stream';
  maxDurationSeconds?: number;
  options: DeepgramOptions;
  durationHint?: number;
  webhookUrl?: string;
  priority: number;
}

/**
 * Validates the fields of a transcription request, whichever way they arrived (JSON body, multipart
 * fields, query string). Throws an AppError saying exactly what is wrong.
 */
export function parseTranscriptionFields(body: unknown, audio: 'url' | 'upload', accepts: { stream?: boolean } = {}): TranscriptionFields {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(400, 'invalid_request', 'The request body must be a JSON object like {"url": "https://..."}');
  }
  const b = body as Record<string, unknown>;
  if (audio === 'url' && b.url === undefined && b.upload_id === undefined) throw new AppError(400, 'invalid_request', 'Field "url" (or "upload_id") is required');
  if (audio === 'url' && b.url !== undefined && b.upload_id !== undefined) throw new AppError(400, 'invalid_request', 'Send either a "url" or an "upload_id", not both');
  if (audio === 'upload' && (b.url !== undefined || b.upload_id !== undefined)) {
    throw new AppError(400, 'invalid_request', 'Send either an audio upload, a "url" or an "upload_id", not more than one');
  }
  const parsed = TranscriptionFieldsSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw new AppError(400, 'invalid_request', `Unknown field(s): ${issue.keys.join(', ')}`);
    throw new AppError(400, 'invalid_request', `Field "${issue.path.join('.')}": ${issue.message}`);
  }
  const { url, upload_id: uploadId, mode = 'auto', options = {}, duration_hint, webhook_url, priority = 3, max_duration_seconds } = parsed.data;
  if (url !== undefined && !isHttpUrl(url)) throw new AppError(400, 'invalid_url', 'Field "url" must be an absolute http:// or https:// URL');
  if (mode === 'stream') {
    if (audio === 'upload' || uploadId !== undefined) {
      throw new AppError(400, 'invalid_mode', 'mode "stream" transcribes a live audio stream from a "url"; send a file with mode auto, sync or async, or stream audio you hold to ws(s)://<host>/v1/listen');
    }
    if (!accepts.stream) throw new AppError(400, 'invalid_mode', 'mode "stream" is not taken here: submit it on its own to POST /v1/transcriptions');
  } else if (max_duration_seconds !== undefined) {
    throw new AppError(400, 'invalid_request', 'Field "max_duration_seconds" goes with mode "stream"');
  }
  if (mode !== 'stream' && !(MODES as readonly string[]).includes(mode)) {
    throw new AppError(400, 'invalid_mode', `Field "mode" must be one of ${[...MODES, 'stream'].join(', ')} (got ${JSON.stringify(mode)})`);
  }
  if (webhook_url !== undefined && !isHttpUrl(webhook_url)) {
    throw new AppError(400, 'invalid_url', 'Field "webhook_url" must be an absolute http:// or https:// URL');
  }
  return {
    ...(url !== undefined ? { url } : {}),
    ...(uploadId !== undefined ? { uploadId } : {}),
    mode: mode as RequestedMode | 'stream',
    ...(max_duration_seconds !== undefined ? { maxDurationSeconds: max_duration_seconds } : {}),
    options: parseOptions(options),
    ...(duration_hint !== undefined ? { durationHint: duration_hint } : {}),
    ...(webhook_url !== undefined ? { webhookUrl: webhook_url } : {}),
    priority,
  };
}

export function parseOptions(options: Record<string, unknown>): DeepgramOptions {
  if ('callback' in options || 'callback_method' in options) {
    throw new AppError(400, 'invalid_option', 'Option "callback" is managed by this service; use "webhook_url" to be told when the job is done');
  }
  const parsed = DeepgramOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw new AppError(400, 'unknown_option', `Unknown Deepgram option(s): ${issue.keys.join(', ')}`);
    throw new AppError(400, 'invalid_option', `Option "${issue.path.join('.')}": ${issue.message}`);
  }
  return parsed.data as DeepgramOptions;
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}
