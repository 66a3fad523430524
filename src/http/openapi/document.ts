import { z } from 'zod';
import { JOB_STATUSES } from '../../domain/transcription.js';
import { DeepgramOptionsSchema } from '../validation/deepgram-options.js';
import { TranscriptionFieldsSchema } from '../validation/transcription-request.js';
import { FORMATS } from '../transcript-formats.js';
import { ApiKeySchema, DeepgramErrorSchema, ErrorSchema, JobListSchema, JobSchema, TenantSchema, UsageSchema, WebhookDeliveriesSchema } from './schemas.js';
import { NewKeySchema, NewTenantSchema, RotateWebhookSecretSchema } from '../validation/admin-requests.js';
import { CodecRequestSchema } from '../validation/codec-requests.js';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
const strip = ({ $schema: _, ...rest }: Record<string, unknown>) => rest;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: ERROR_TEXT[s] ?? 'Error', content: { 'application/json': { schema: ref('Error') } } }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'The request is malformed (code says which field)',
  401: 'Missing or wrong API key or callback token',
  402: "The key's monthly audio budget is spent, or this audio would overrun it",
  403: 'A tenant key on the admin API, or the admin API is off',
  404: "No such job, session, tenant, key or route (or another tenant's)",
  409: 'Conflicts with the job’s state or an earlier Idempotency-Key',
  413: 'Body or upload too large',
  415: 'Not JSON, multipart or audio; or audio we cannot read',
  422: 'Deepgram refused the audio or options (sync)',
  502: 'Deepgram failed or stayed unavailable through every retry (sync)',
  503: 'Temporal or PostgreSQL unreachable; nothing was started',
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/** Deepgram query options as OpenAPI parameters (raw uploads and /v1/listen take them in the query string). */
function optionParameters() {
  const props = (strip(json(DeepgramOptionsSchema)).properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props).map(([name, schema]) => {
    const anyOf = schema.anyOf as Array<Record<string, unknown>> | undefined;
    // Query strings carry scalars; lists repeat the parameter.
    const array = anyOf?.find((s) => s.type === 'array');
    const scalar = anyOf?.find((s) => s.type !== 'array') ?? schema;
    return { name, in: 'query', required: false, schema: array ?? scalar, ...(array ? { style: 'form', explode: true } : {}) };
  });
}

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that validate requests (and describe
 * responses), so the two cannot drift apart.
 */
export function buildOpenApiDocument(serverUrl?: string) {
  const jobResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Job') } } });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Durable transcription platform',
      version: '0.1.0',
      description: 'Deepgram transcription with durable jobs (Temporal), stored results (PostgreSQL), webhooks, and a Deepgram-compatible /v1/listen.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    // Only enforced when the deployment sets API_KEYS; otherwise the API is open (hence the empty alternative).
    security: [{}, { token: [] }],
    components: {
      securitySchemes: {
        token: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <key>` (as the Deepgram SDKs send it) or `Bearer <key>`, with a key from API_KEYS' },
      },
      schemas: {
        Error: strip(json(ErrorSchema)),
        Job: strip(json(JobSchema)),
        JobList: strip(json(JobListSchema)),
        WebhookDeliveries: strip(json(WebhookDeliveriesSchema)),
        TranscriptionRequest: { ...strip(json(TranscriptionFieldsSchema.extend({ url: z.string(), options: DeepgramOptionsSchema.optional() }))), required: ['url'] },
        DeepgramOptions: strip(json(DeepgramOptionsSchema)),
        DeepgramError: strip(json(DeepgramErrorSchema)),
        Tenant: strip(json(TenantSchema)),
        ApiKey: strip(json(ApiKeySchema)),
        Usage: strip(json(UsageSchema)),
        NewTenant: strip(json(NewTenantSchema)),
        NewKey: strip(json(NewKeySchema)),
        RotateWebhookSecret: strip(json(RotateWebhookSecretSchema)),
        Payloads: strip(json(CodecRequestSchema)),
      },
    },
    paths: {
      '/v1/transcriptions': {
        post: {
          summary: 'Transcribe audio by URL, multipart upload or raw body',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
            { name: 'mode', in: 'query', required: false, description: 'raw uploads only', schema: { type: 'string', enum: ['auto', 'sync', 'async'] } },
            { name: 'duration_hint', in: 'query', required: false, description: 'raw uploads only', schema: { type: 'number', exclusiveMinimum: 0 } },
            { name: 'webhook_url', in: 'query', required: false, description: 'raw uploads only', schema: { type: 'string', format: 'uri' } },
            { name: 'priority', in: 'query', required: false, description: 'raw uploads only', schema: { type: 'integer', minimum: 1, maximum: 5 } },
            ...optionParameters().map((p) => ({ ...p, description: 'raw uploads only' })),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('TranscriptionRequest') },
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['audio'],
                  properties: {
                    audio: { type: 'string', contentMediaType: 'application/octet-stream' },
                    mode: { type: 'string', enum: ['auto', 'sync', 'async'] },
                    options: { type: 'string', description: 'DeepgramOptions as JSON' },
                    duration_hint: { type: 'number' },
                    webhook_url: { type: 'string', format: 'uri' },
                    priority: { type: 'integer', minimum: 1, maximum: 5 },
                  },
                },
              },
              'audio/*': { schema: { type: 'string', contentMediaType: 'audio/*' } },
            },
          },
          responses: {
            '200': jobResponse('Transcribed while you waited (sync), or an Idempotency-Key replay of a finished job'),
            '202': jobResponse('Accepted; poll the Location'),
            ...errors(400, 401, 402, 409, 413, 415, 422, 502, 503),
          },
        },
        get: {
          summary: 'List jobs, newest first',
          parameters: [
            { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: JOB_STATUSES } },
            { name: 'mode', in: 'query', required: false, schema: { type: 'string', enum: ['sync', 'async'] } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'A page of jobs', content: { 'application/json': { schema: ref('JobList') } } }, ...errors(400) },
        },
      },
      '/v1/transcriptions/{id}': {
        get: {
          summary: 'A job, or its transcript as text or captions',
          parameters: [idParam, { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: FORMATS } }],
          responses: {
            '200': {
              description: 'The job (json) or its transcript',
              content: {
                'application/json': { schema: ref('Job') },
                'text/plain': { schema: { type: 'string' } },
                'application/x-subrip': { schema: { type: 'string' } },
                'text/vtt': { schema: { type: 'string' } },
              },
            },
            ...errors(400, 404, 409),
          },
        },
        delete: {
          summary: 'Cancel if running, delete audio and transcript, keep a tombstone',
          parameters: [idParam],
          responses: { '204': { description: 'Deleted' }, ...errors(404) },
        },
      },
      '/v1/transcriptions/{id}/cancel': {
        post: { summary: 'Cancel a running job', parameters: [idParam], responses: { '200': jobResponse('Canceled'), ...errors(404, 409) } },
      },
      '/v1/transcriptions/{id}/webhooks': {
        get: {
          summary: 'Every webhook delivery attempt for the job',
          parameters: [idParam],
          responses: { '200': { description: 'Delivery log', content: { 'application/json': { schema: ref('WebhookDeliveries') } } }, ...errors(404) },
        },
      },
      '/v1/transcriptions/{id}/webhooks/redeliver': {
        post: {
          summary: 'Send the final event again (same event id)',
          parameters: [idParam],
          responses: {
            '202': { description: 'Scheduled', content: { 'application/json': { schema: { type: 'object', properties: { event_id: { type: 'string' }, status: { type: 'string' } } } } } },
            ...errors(404, 409),
          },
        },
      },
      '/v1/listen': {
        post: {
          summary: 'Deepgram-compatible prerecorded transcription',
          parameters: [
            ...optionParameters(),
            { name: 'callback', in: 'query', required: false, schema: { type: 'string', format: 'uri' } },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } } },
              'audio/*': { schema: { type: 'string', contentMediaType: 'audio/*' } },
            },
          },
          responses: {
            '200': { description: 'Deepgram’s response (or `{request_id}` with callback)', content: { 'application/json': { schema: { type: 'object' } } } },
            ...Object.fromEntries(
              [400, 401, 402, 413, 415, 422, 502, 503, 504].map((s) => [String(s), { description: 'Deepgram-shaped error', content: { 'application/json': { schema: ref('DeepgramError') } } }]),
            ),
          },
        },
      },
      '/v1/usage': {
        get: {
          summary: "Your tenant's billable audio seconds",
          parameters: [...[
            { name: 'from', in: 'query', required: false, description: 'ISO date or time; default the start of this month (UTC)', schema: { type: 'string' } },
            { name: 'to', in: 'query', required: false, description: 'ISO date or time (exclusive); default now', schema: { type: 'string' } },
          ], { name: 'group_by', in: 'query', required: false, schema: { type: 'string', enum: ['day', 'model', 'mode'], default: 'day' } }],
          responses: { '200': { description: 'Usage', content: { 'application/json': { schema: ref('Usage') } } }, ...errors(400, 401) },
        },
      },
      '/v1/admin/tenants': {
        post: {
          summary: 'Create a tenant (admin key)',
          requestBody: { required: true, content: { 'application/json': { schema: ref('NewTenant') } } },
          responses: { '201': { description: 'Created, with its webhook secret', content: { 'application/json': { schema: ref('Tenant') } } }, ...errors(400, 401, 403, 409, 415) },
        },
        get: {
          summary: 'Every tenant (admin key)',
          responses: { '200': { description: 'Tenants', content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'array', items: ref('Tenant') } } } } } }, ...errors(401, 403) },
        },
      },
      '/v1/admin/tenants/{id}/webhook-secret': {
        post: {
          summary: "Rotate a tenant's webhook secret; the old one keeps signing for the overlap (admin key)",
          parameters: [idParam],
          requestBody: { required: false, content: { 'application/json': { schema: ref('RotateWebhookSecret') } } },
          responses: {
            '200': { description: 'The new secret', content: { 'application/json': { schema: { type: 'object', properties: { webhook_secret: { type: 'string' }, previous_secret_valid_until: { type: 'string' } } } } } },
            ...errors(400, 401, 403, 404, 415),
          },
        },
      },
      '/v1/admin/keys': {
        post: {
          summary: 'Create an API key; its secret is shown once (admin key)',
          requestBody: { required: true, content: { 'application/json': { schema: ref('NewKey') } } },
          responses: { '201': { description: 'Created', content: { 'application/json': { schema: ref('ApiKey') } } }, ...errors(400, 401, 403, 404, 415) },
        },
        get: {
          summary: 'Every key, without secrets (admin key)',
          parameters: [{ name: 'tenant', in: 'query', required: false, schema: { type: 'string' } }],
          responses: { '200': { description: 'Keys', content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'array', items: ref('ApiKey') } } } } } }, ...errors(401, 403, 404) },
        },
      },
      '/v1/admin/keys/{id}': {
        delete: { summary: 'Revoke a key (admin key)', parameters: [idParam], responses: { '204': { description: 'Revoked' }, ...errors(401, 403, 404) } },
      },
      '/v1/admin/keys/{id}/rotate': {
        post: {
          summary: 'A new secret for the same key; the old one stops working (admin key)',
          parameters: [idParam],
          responses: { '200': { description: 'Rotated', content: { 'application/json': { schema: ref('ApiKey') } } }, ...errors(401, 403, 404, 409) },
        },
      },
      '/v1/admin/usage': {
        get: {
          summary: 'Usage of every tenant (admin key)',
          parameters: [
            ...[
            { name: 'from', in: 'query', required: false, description: 'ISO date or time; default the start of this month (UTC)', schema: { type: 'string' } },
            { name: 'to', in: 'query', required: false, description: 'ISO date or time (exclusive); default now', schema: { type: 'string' } },
          ],
            { name: 'group_by', in: 'query', required: false, schema: { type: 'string', enum: ['tenant', 'day', 'model', 'mode'], default: 'tenant' } },
            { name: 'tenant', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'Usage', content: { 'application/json': { schema: ref('Usage') } } }, ...errors(400, 401, 403, 404) },
        },
      },
      ...Object.fromEntries(
        (['decode', 'encode'] as const).map((direction) => [
          `/v1/admin/codec/${direction}`,
          {
            post: {
              summary: `Temporal's remote codec: ${direction === 'decode' ? 'decrypt payloads for the Temporal UI and CLI' : 'encrypt payloads the Temporal UI sends'} (admin key; open only while the whole API is)`,
              parameters: [{ name: 'X-Namespace', in: 'header', required: false, description: 'Sent by the Temporal UI and CLI; the keys are the same for every namespace', schema: { type: 'string' } }],
              requestBody: { required: true, content: { 'application/json': { schema: ref('Payloads') } } },
              responses: {
                '200': { description: `The payloads, ${direction}d, in the same order`, content: { 'application/json': { schema: ref('Payloads') } } },
                ...errors(400, 401, 403, 413, 415),
                '422': { description: 'undecodable_payload: encrypted with a key id not in PAYLOAD_ENCRYPTION_KEYS, or altered', content: { 'application/json': { schema: ref('Error') } } },
              },
            },
          },
        ]),
      ),
      '/health': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
      '/ready': { get: { summary: 'Readiness of each dependency', responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is down' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    },
  };
}
