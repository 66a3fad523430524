import { z } from 'zod';
import { JOB_STATUSES, type JobStatus } from '../../domain/transcription.js';
import { CURSOR_PATTERN } from '../cursor.js';

/** Response shapes of the public API, described in zod so the OpenAPI document and the tests share them. */
export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

export const JobErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  status: z.number().int().optional(),
  deepgramCode: z.string().optional(),
  deepgramRequestId: z.string().optional(),
  chunk: z
    .object({ index: z.number().int(), start: z.number(), end: z.number() })
    .optional()
    .describe('a long file: the chunk that kept failing, and where it lies in the file (seconds)'),
});

export const JobSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES as unknown as [JobStatus, ...JobStatus[]]),
  queue_position: z.number().int().optional().describe("queued jobs only: how many of your tenant's queued jobs go first"),
  priority: z.number().int().min(1).max(5),
  mode: z.enum(['auto', 'sync', 'async', 'stream']),
  transcript: z.string().optional().describe('a stream job that is still running: the finals so far'),
  result: z.record(z.string(), z.unknown()).optional().describe("Deepgram's full response"),
  error: JobErrorSchema.optional(),
  duration_seconds: z.number().nullable(),
  chunks: z
    .object({ total: z.number().int(), completed: z.number().int() })
    .optional()
    .describe('a long file transcribed in chunks: how many, and how many have their transcript'),
  stream: z
    .object({ finals: z.number().int(), audio_seconds: z.number(), session: z.string() })
    .optional()
    .describe('mode "stream": finals stored so far, audio received, and its live session (GET it for every final with words)'),
  deepgram_request_id: z.string().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  links: z.object({ self: z.string(), temporal_ui: z.string().optional() }),
});

/** `POST /v1/transcriptions/batch`: one answer per item, in the order sent. */
export const BatchResultSchema = z.object({
  batch_id: z.string(),
  accepted: z.number().int(),
  replayed: z.number().int(),
  refused: z.number().int(),
  items: z.array(
    z.union([
      z.object({ index: z.number().int(), status: z.number().int().describe('202 accepted (or replayed, still running), 200 replay of a finished job'), replayed: z.boolean().optional(), job: JobSchema }),
      z.object({ index: z.number().int(), status: z.number().int().describe('what the same request alone would have been answered'), replayed: z.boolean().optional(), error: ErrorSchema.shape.error }),
    ]),
  ),
});

/** `next_cursor`: pass it as `?cursor=` for the next page; null on the last page. */
const NextCursorSchema = z.string().regex(new RegExp(CURSOR_PATTERN)).nullable().describe('`<created_at in Unix ms>.<id>` of the last item; null on the last page');

export const JobListSchema = z.object({ data: z.array(JobSchema), next_cursor: NextCursorSchema });

const LinksSchema = z.object({ self: z.string(), temporal_ui: z.string().optional() });

/** A live session (`GET /v1/streams`). */
export const StreamSchema = z.object({
  id: z.string(),
  status: z.enum(['active', 'ended', 'deleted', 'closing']).describe('`closing` only in the answer to POST …/close'),
  model: z.string().nullable(),
  api: z.enum(['v1', 'v2']).describe('the live API the session streams on: /v1/listen, or /v2/listen (Flux)'),
  options: z.record(z.string(), z.unknown()),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  audio_seconds: z.number(),
  resume_from_seconds: z.number().describe('where a client reconnecting with session_id continues'),
  close_reason: z.string().nullable(),
  close_message: z.string().optional(),
  reconnect_count: z.number().int(),
  resume_count: z.number().int(),
  deepgram_request_ids: z.array(z.string()),
  recording: z
    .object({
      status: z.enum(['recording', 'finishing', 'ready', 'empty']),
      bytes: z.number().int(),
      seconds: z.number().nullable(),
      content_type: z.string(),
      url: z.string(),
    })
    .nullable()
    .describe('record=true: the audio kept as it streamed (`ready` once the session ended and its parts were joined); null when not recorded'),
  repass: z
    .object({ job_id: z.string(), links: z.object({ job: z.string() }) })
    .nullable()
    .describe('the latest re-pass of the recording (POST …/transcribe, or repass=true at connect)'),
  links: LinksSchema,
});

/** A live session with its transcript (`GET /v1/streams/:id`). */
export const StreamWithTranscriptSchema = StreamSchema.extend({
  transcript: z.string(),
  segments: z.array(
    z.object({
      seq: z.number().int(),
      channel: z.number().int(),
      start: z.number(),
      end: z.number(),
      transcript: z.string(),
      confidence: z.number().nullable(),
      speech_final: z.boolean(),
      from_finalize: z.boolean(),
      words: z.array(z.unknown()),
    }),
  ),
});

export const StreamListSchema = z.object({ data: z.array(StreamSchema), next_cursor: NextCursorSchema });

export const WebhookDeliveriesSchema = z.object({
  webhook_url: z.string().nullable(),
  deliveries: z.array(
    z.object({
      event_id: z.string(),
      attempt: z.number().int(),
      status_code: z.number().int().nullable(),
      error: z.string().nullable(),
      succeeded: z.boolean(),
      duration_ms: z.number().int(),
      created_at: z.string(),
    }),
  ),
});

export const DeepgramErrorSchema = z.object({ err_code: z.string(), err_msg: z.string(), request_id: z.string() });

const TenantRefSchema = z.object({ id: z.string(), name: z.string() });

export const TenantSchema = z.object({ id: z.string(), name: z.string(), webhook_secret: z.string().optional().describe('shown when created'), created_at: z.string() });

export const ApiKeySchema = z.object({
  id: z.string(),
  tenant: TenantRefSchema,
  name: z.string(),
  prefix: z.string(),
  source: z.enum(['admin', 'env']),
  rate_limit_per_minute: z.number().int().nullable(),
  monthly_audio_seconds: z.number().nullable(),
  max_live_sessions: z.number().int().nullable(),
  region: z.string().nullable(),
  status: z.enum(['active', 'revoked']),
  created_at: z.string(),
  rotated_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  secret: z.string().optional().describe('only when created or rotated: shown once'),
});

export const UsageSchema = z.object({
  from: z.string(),
  to: z.string(),
  group_by: z.enum(['tenant', 'day', 'model', 'mode']),
  data: z.array(
    z.object({
      tenant: TenantRefSchema,
      day: z.string().optional(),
      model: z.string().optional(),
      mode: z.string().optional(),
      audio_seconds: z.number(),
      requests: z.number().int(),
    }),
  ),
});
