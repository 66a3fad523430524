import type { Context } from 'hono';
import { AppError } from '../domain/errors.js';
import { fileJobMode } from '../domain/transcription.js';
import type { SubmitStream } from '../services/stream-submission.js';
import type { SubmitTranscription, TranscriptionService } from '../services/transcriptions.service.js';
import type { AppEnv } from './app-env.js';
import { readMultipart } from './multipart.js';
import { readJson } from './read-json.js';
import { IDEMPOTENCY_KEY_PATTERN } from './validation/idempotency-key.js';
import { optionsFromQuery } from './validation/deepgram-options.js';
import { parseTranscriptionFields, type TranscriptionFields } from './validation/transcription-request.js';

const JOB_FIELDS = new Set(['mode', 'duration_hint', 'webhook_url', 'priority']);

/** A file to transcribe, or (`mode: "stream"`) a URL that is a live audio stream. */
export type Submission = { kind: 'file'; request: SubmitTranscription } | { kind: 'stream'; request: SubmitStream };

/**
 * A transcription request in any of its three shapes: JSON `{ url }`, multipart with an `audio` file
 * and the same fields, or raw audio (`audio/*`, `application/octet-stream`) with fields in the query.
 */
export async function readSubmission(c: Context<AppEnv>, service: TranscriptionService): Promise<Submission> {
  const idempotencyKey = c.req.header('idempotency-key');
  const read = await readFileOrStream(c, service);
  if (read.kind === 'file') return { kind: 'file', request: idempotencyKey ? { ...read.request, idempotencyKey } : read.request };
  return { kind: 'stream', request: idempotencyKey ? { ...read.request, idempotencyKey } : read.request };
}

async function readFileOrStream(c: Context<AppEnv>, service: TranscriptionService): Promise<Submission> {
  const idempotencyKey = c.req.header('idempotency-key');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–128 characters of letters, digits, ".", "_", ":" or "-"');
  }
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const file = (request: SubmitTranscription): Submission => ({ kind: 'file', request });

  // The query string's fields are checked whatever carries the audio; a field in a JSON or multipart body wins over
  // the same one in the query (each Deepgram option on its own).
  const queryFields = fieldsFromQuery(c.req.queries());
  const fromQuery = parseTranscriptionFields(queryFields, 'upload');

  if (type.startsWith('multipart/form-data')) {
    let fields: TranscriptionFields | undefined;
    const result = await readMultipart(c.req.raw, async (stream, info) =>
      // The file is stored as it arrives; raw audio's encoding and sample_rate can only be known from the query by then.
      service.ingestUpload(c.get('caller'), stream, { contentType: info.mimeType || 'application/octet-stream', deepgramOptions: fromQuery.options }),
    );
    try {
      fields = parseTranscriptionFields(withQuery(queryFields, multipartFields(result.fields)), result.file ? 'upload' : 'url', { stream: !result.file });
    } catch (err) {
      if (result.file) await service.discardUpload(result.file.source);
      throw err;
    }
    if (result.file) return file(submission(fields, result.file.source, result.file.durationSeconds));
    if (fields.uploadId !== undefined) return file(await fromResumableUpload(c, service, fields));
    if (fields.mode === 'stream') return stream(fields);
    return file(submission(fields, { kind: 'url', url: fields.url! }, null));
  }

  if (type.startsWith('audio/') || type.startsWith('video/') || type.startsWith('application/octet-stream')) {
    const fields = fromQuery;
    if (!c.req.raw.body) throw new AppError(400, 'invalid_request', 'The request has no audio body');
    const upload = await service.ingestUpload(c.get('caller'), c.req.raw.body as AsyncIterable<Uint8Array>, { contentType: type.split(';')[0]!, deepgramOptions: fields.options });
    return file(submission(fields, upload.source, upload.durationSeconds));
  }

  const fields = parseTranscriptionFields(withQuery(queryFields, await readJson(c)), 'url', { stream: true });
  if (fields.uploadId !== undefined) return file(await fromResumableUpload(c, service, fields));
  if (fields.mode === 'stream') return stream(fields);
  return file(submission(fields, { kind: 'url', url: fields.url! }, null));
}

function stream(fields: TranscriptionFields): Submission {
  return {
    kind: 'stream',
    request: {
      url: fields.url!,
      options: fields.options,
      priority: fields.priority,
      ...(fields.maxDurationSeconds !== undefined ? { maxDurationSeconds: fields.maxDurationSeconds } : {}),
      ...(fields.webhookUrl ? { webhookUrl: fields.webhookUrl } : {}),
    },
  };
}

/** `{"upload_id": ...}`: a finished resumable upload becomes the job's audio. */
async function fromResumableUpload(c: Context<AppEnv>, service: TranscriptionService, fields: TranscriptionFields): Promise<SubmitTranscription> {
  const upload = await service.ingestResumableUpload(c.get('caller'), fields.uploadId!, { deepgramOptions: fields.options });
  return submission(fields, upload.source, upload.durationSeconds);
}

function submission(fields: TranscriptionFields, source: SubmitTranscription['source'], measured: number | null): SubmitTranscription {
  const durationHint = fields.durationHint ?? measured ?? undefined;
  return {
    source,
    mode: fileJobMode(fields.mode),
    options: fields.options,
    priority: fields.priority,
    ...(durationHint !== undefined ? { durationHint } : {}),
    ...(fields.webhookUrl ? { webhookUrl: fields.webhookUrl } : {}),
  };
}

/** A raw upload's fields, which JSON and multipart requests may also put in the query string. */
function fieldsFromQuery(queries: Record<string, string[]>): Record<string, unknown> {
  const number = (values: string[]) => {
    const last = values.at(-1)!;
    return last.trim() === '' ? last : Number(last);
  };
  return {
    ...(queries.mode ? { mode: queries.mode.at(-1) } : {}),
    ...(queries.duration_hint ? { duration_hint: number(queries.duration_hint) } : {}),
    ...(queries.webhook_url ? { webhook_url: queries.webhook_url.at(-1) } : {}),
    ...(queries.priority ? { priority: number(queries.priority) } : {}),
    options: optionsFromQuery(queries, JOB_FIELDS),
  };
}

/** The body's fields over the query's; a body that is not an object is left for validation to refuse. */
function withQuery(query: Record<string, unknown>, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const fields = body as Record<string, unknown>;
  const bodyOptions = fields.options;
  const options = typeof bodyOptions === 'object' && bodyOptions !== null && !Array.isArray(bodyOptions) ? { ...(query.options as object), ...bodyOptions } : (bodyOptions ?? query.options);
  return { ...query, ...fields, options };
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
