import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { SubmitTranscription } from '../../services/transcriptions.service.js';
import { DeepgramOptionsSchema } from './deepgram-options.js';

const MODES = ['auto', 'sync', 'async'] as const;

const CreateTranscriptionSchema = z.strictObject({
  url: z.string(),
  mode: z.string().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  duration_hint: z.number().positive().finite().optional(),
});

/** Turns a JSON body into a submit request, or throws an AppError saying exactly what is wrong. */
export function parseCreateTranscription(body: unknown): SubmitTranscription {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(400, 'invalid_request', 'The request body must be a JSON object like {"url": "https://..."}');
  }
  const b = body as Record<string, unknown>;
  if (b.url === undefined) throw new AppError(400, 'invalid_request', 'Field "url" is required');
  const parsed = CreateTranscriptionSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      throw new AppError(400, 'invalid_request', `Unknown field(s): ${issue.keys.join(', ')}`);
    }
    throw new AppError(400, 'invalid_request', `Field "${issue.path.join('.')}": ${issue.message}`);
  }
  const { url, mode = 'auto', options = {}, duration_hint } = parsed.data;
  if (!isHttpUrl(url)) throw new AppError(400, 'invalid_url', 'Field "url" must be an absolute http:// or https:// URL');
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new AppError(400, 'invalid_mode', `Field "mode" must be one of ${MODES.join(', ')} (got ${JSON.stringify(mode)})`);
  }
  return {
    source: { kind: 'url', url },
    mode: mode as SubmitTranscription['mode'],
    options: parseOptions(options),
    ...(duration_hint !== undefined ? { durationHint: duration_hint } : {}),
  };
}

export function parseOptions(options: Record<string, unknown>): SubmitTranscription['options'] {
  if ('callback' in options || 'callback_method' in options) {
    throw new AppError(400, 'invalid_option', 'Option "callback" is managed by this service; completion is reported through the job API');
  }
  const parsed = DeepgramOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      throw new AppError(400, 'unknown_option', `Unknown Deepgram option(s): ${issue.keys.join(', ')}`);
    }
    throw new AppError(400, 'invalid_option', `Option "${issue.path.join('.')}": ${issue.message}`);
  }
  return parsed.data as SubmitTranscription['options'];
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}
