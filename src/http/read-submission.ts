import type { Context } from 'hono';
import { AppError } from '../domain/errors.js';
import type { SubmitTranscription, TranscriptionService } from '../services/transcriptions.service.js';
import type { AppEnv } from './app-env.js';
import { readMultipart } from './multipart.js';
import { readJson } from './read-json.js';
import { optionsFromQuery } from './validation/deepgram-options.js';
import { parseTranscriptionFields, type TranscriptionFields } from './validation/transcription-request.js';

const JOB_FIELDS = new Set(['mode', 'duration_hint', 'webhook_url', 'priority']);
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A transcription request in any of its three shapes: JSON `{ url }`, multipart with an `audio` file
 * and the same fields, or raw audio (`audio/*`, `application/octet-stream`) with fields in the query.
 */
export async function readSubmission(c: Context<AppEnv>, service: TranscriptionService): Promise<SubmitTranscription> {
  const idempotencyKey = c.req.header('idempotency-key');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–128 characters of letters, digits, ".", "_", ":" or "-"');
  }
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const withKey = (s: SubmitTranscription): SubmitTranscription => (idempotencyKey ? { ...s, idempotencyKey } : s);

  if (type.startsWith('multipart/form-data')) {
    let fields: TranscriptionFields | undefined;
    const result = await readMultipart(c.req.raw, async (stream, info) =>
      service.ingestUpload(c.get('caller'), stream, { contentType: info.mimeType || 'application/octet-stream' }),
    );
    try {
      fields = parseTranscriptionFields(multipartFields(result.fields), result.file ? 'upload' : 'url');
    } catch (err) {
      if (result.file) await service.discardUpload(result.file.source);
      throw err;
    }
    if (result.file) return withKey(submission(fields, result.file.source, result.file.durationSeconds));
    return withKey(submission(fields, { kind: 'url', url: fields.url! }, null));
  }

  if (type.startsWith('audio/') || type.startsWith('video/') || type.startsWith('application/octet-stream')) {
    const queries = c.req.queries();
    const fields = parseTranscriptionFields(
      {
        ...(queries.mode ? { mode: queries.mode.at(-1) } : {}),
        ...(queries.duration_hint ? { duration_hint: Number(queries.duration_hint.at(-1)) } : {}),
        ...(queries.webhook_url ? { webhook_url: queries.webhook_url.at(-1) } : {}),
        ...(queries.priority ? { priority: Number(queries.priority.at(-1)) } : {}),
        options: optionsFromQuery(queries, JOB_FIELDS),
      },
      'upload',
    );
    if (!c.req.raw.body) throw new AppError(400, 'invalid_request', 'The request has no audio body');
    const upload = await service.ingestUpload(c.get('caller'), c.req.raw.body as AsyncIterable<Uint8Array>, { contentType: type.split(';')[0]!, deepgramOptions: fields.options });
    return withKey(submission(fields, upload.source, upload.durationSeconds));
  }

  const fields = parseTranscriptionFields(await readJson(c), 'url');
  return withKey(submission(fields, { kind: 'url', url: fields.url! }, null));
}

function submission(fields: TranscriptionFields, source: SubmitTranscription['source'], measured: number | null): SubmitTranscription {
  const durationHint = fields.durationHint ?? measured ?? undefined;
  return {
    source,
    mode: fields.mode,
    options: fields.options,
    priority: fields.priority,
    ...(durationHint !== undefined ? { durationHint } : {}),
    ...(fields.webhookUrl ? { webhookUrl: fields.webhookUrl } : {}),
  };
}

/** Multipart fields are strings: `options` is JSON, `duration_hint` a number. */
function multipartFields(raw: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (raw.options !== undefined) {
    try {
      out.options = JSON.parse(raw.options);
    } catch {
      throw new AppError(400, 'invalid_json', 'Field "options" must be a JSON object');
    }
  }
  if (raw.duration_hint !== undefined) out.duration_hint = Number(raw.duration_hint);
  if (raw.priority !== undefined) out.priority = Number(raw.priority);
  return out;
}
