import { z } from 'zod';
import { JOB_STATUSES } from '../../domain/transcription.js';

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
});

export const JobSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES as [string, ...string[]]),
  mode: z.enum(['auto', 'sync', 'async']),
  transcript: z.string().optional(),
  result: z.record(z.string(), z.unknown()).optional().describe("Deepgram's full response"),
  error: JobErrorSchema.optional(),
  duration_seconds: z.number().nullable(),
  deepgram_request_id: z.string().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  links: z.object({ self: z.string(), temporal_ui: z.string().optional() }),
});

export const JobListSchema = z.object({ data: z.array(JobSchema), next_cursor: z.string().nullable() });

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
