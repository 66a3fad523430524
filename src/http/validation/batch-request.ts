import { fileJobMode } from '../../domain/transcription.js';
import { z } from 'zod';
import { MAX_BATCH_ITEMS } from '../../domain/batch.js';
import { AppError } from '../../domain/errors.js';
import type { BatchItem } from '../../services/batch-submission.js';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency-key.js';
import { parseTranscriptionFields } from './transcription-request.js';

export const BatchRequestSchema = z.strictObject({
  items: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS).describe(`1 to ${MAX_BATCH_ITEMS} transcription requests, each answered on its own`),
});

/**
 * The body of `POST /v1/transcriptions/batch`. A body that is not a batch is refused whole (400); an item that is not
 * a valid request is refused on its own, in its place, and the others go ahead.
 */
export function parseBatchRequest(body: unknown): BatchItem[] {
  const parsed = BatchRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') throw new AppError(400, 'invalid_request', `Unknown field(s): ${issue.keys.join(', ')}`);
    if (issue.code === 'too_big') throw new AppError(400, 'invalid_request', `A batch holds at most ${MAX_BATCH_ITEMS} items`);
    throw new AppError(400, 'invalid_request', issue.path.length > 0 ? `Field "${issue.path.join('.')}": ${issue.message}` : 'The request body must be a JSON object like {"items": [{"url": "https://..."}]}');
  }
  return parsed.data.items.map(parseItem);
}

function parseItem(item: unknown): BatchItem {
  try {
    const { idempotency_key: key, ...fields } = (typeof item === 'object' && item !== null && !Array.isArray(item) ? item : { item }) as Record<string, unknown>;
    if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key))) {
      throw new AppError(400, 'invalid_idempotency_key', 'Field "idempotency_key" must be 1–128 characters of letters, digits, ".", "_", ":" or "-"');
    }
    const parsed = parseTranscriptionFields(typeof item === 'object' && item !== null && !Array.isArray(item) ? fields : item, 'url');
    if (parsed.uploadId !== undefined) throw new AppError(400, 'invalid_request', 'A batch item takes a "url"; submit resumable uploads one by one with "upload_id"');
    return {
      source: { kind: 'url', url: parsed.url! },
      mode: fileJobMode(parsed.mode),
      options: parsed.options,
      priority: parsed.priority,
      ...(parsed.durationHint !== undefined ? { durationHint: parsed.durationHint } : {}),
      ...(parsed.webhookUrl ? { webhookUrl: parsed.webhookUrl } : {}),
      ...(key !== undefined ? { idempotencyKey: key as string } : {}),
    };
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}
