import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { RepassRequest } from '../../services/live-recordings.service.js';
import { isHttpUrl, parseOptions } from './transcription-request.js';

export const RepassRequestSchema = z.strictObject({
  options: z.record(z.string(), z.unknown()).optional().describe("pre-recorded options; default: the session's own options that apply to a file"),
  webhook_url: z.string().optional(),
  priority: z.number().int().min(1).max(5).optional().describe('1 = first … 5 = last among your own jobs (default 3)'),
});

/** `POST /v1/streams/:id/transcribe`: an empty body (or none) re-passes with the session's own options. */
export function parseRepassRequest(body: unknown): RepassRequest {
  if (body === undefined || body === null) return {};
  const parsed = RepassRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw new AppError(400, 'invalid_request', `Unknown field(s): ${issue.keys.join(', ')}`);
    throw new AppError(400, 'invalid_request', `Field "${issue.path.join('.') || 'body'}": ${issue.message}`);
  }
  const { options, webhook_url: webhookUrl, priority } = parsed.data;
  if (webhookUrl !== undefined && !isHttpUrl(webhookUrl)) throw new AppError(400, 'invalid_url', 'Field "webhook_url" must be an absolute http:// or https:// URL');
  return { ...(options ? { options: parseOptions(options) } : {}), ...(webhookUrl ? { webhookUrl } : {}), ...(priority ? { priority } : {}) };
}
