import { z } from 'zod';
import { JOB_STATUSES } from '../../domain/transcription.js';
import { CURSOR_PATTERN } from '../cursor.js';
import { DeepgramOptionsSchema } from '../validation/deepgram-options.js';
import { TranscriptionFieldsSchema } from '../validation/transcription-request.js';
import { FORMATS } from '../transcript-formats.js';
import {
  ApiKeySchema,
  BatchResultSchema,
  DeepgramErrorSchema,
  ErrorSchema,
  JobListSchema,
  JobSchema,
  StreamListSchema,
  StreamSchema,
  StreamWithTranscriptSchema,
  TenantSchema,
  UsageSchema,
  WebhookDeliveriesSchema,
} from './schemas.js';
import { NewKeySchema, NewTenantSchema, RotateWebhookSecretSchema } from '../validation/admin-requests.js';
import { CodecRequestSchema } from '../validation/codec-requests.js';
import { IDEMPOTENCY_KEY_PATTERN } from '../validation/idempotency-key.js';
import { MAX_BATCH_ITEMS } from '../../domain/batch.js';

type Json = Record<string, unknown>;

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
const strip = ({ $schema: _, ...rest }: Json) => rest;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: Json) => ({ 'application/json': { schema } });

/**
 * What every status means, the same on every operation. 400 is for a request that does not match this document; 422
 * for one that does but is refused for what it means (a URL whose host is not public, bytes that are not audio, an
 * empty time range, a region with no endpoint), which no schema can say.
 */
const ERROR_TEXT: Record<number, string> = {
  400: 'The request does not match this document (`code` and `message` say which field); also text holding a NUL character, which cannot be stored',
  401: 'Missing or wrong API key',
  402: "The key's monthly audio budget is spent, or this audio would overrun it",
  403: 'A tenant key on the admin API, or the admin API is off',
  404: "No such job, session, tenant, key or route (or another tenant's)",
  409: 'Conflicts with the state of the job or session, or with an earlier Idempotency-Key',
  410: 'The job or session was deleted (`code: deleted`): every request naming it but DELETE answers this; its tombstone is listed with `?status=deleted`',
  413: 'Body or upload too large',
  415: 'Not JSON, multipart or audio',
  422: 'Well formed but refused for what it means: `url_not_allowed` (the host does not resolve to a public address), `unsupported_audio`, `webhooks_not_configured`, `invalid_range`, `unknown_region`; or Deepgram refused the audio or options (sync)',
  426: 'GET /v1/listen or /v2/listen without a WebSocket upgrade',
  429: 'Rate limited; Retry-After says when to come back',
  502: 'Deepgram failed or stayed unavailable through every retry (sync)',
  503: 'PostgreSQL, Temporal or every Deepgram endpoint unreachable; nothing was started. Retry-After says when to retry',
};
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: ERROR_TEXT[s] ?? 'Error', content: jsonBody(ref('Error')) }]));
/** Answers any tenant operation can give: no or a wrong key, the rate limit, PostgreSQL down. */
const tenantErrors = (...statuses: number[]) => errors(...[...statuses, 401, 429, 503].sort());
/** Answers any admin operation can give: no, a wrong or a tenant's key; PostgreSQL down. */
const adminErrors = (...statuses: number[]) => errors(...[...statuses, 401, 403, 503].sort());

const TENANT_SECURITY = [{}, { token: [] }];
const ADMIN_SECURITY = [{ adminToken: [] }];

/** An absolute http(s) URL, as the server takes it (other schemes, relative URLs and empty hosts are refused). */
const HTTP_URL = { type: 'string', format: 'uri', pattern: '^[hH][tT][tT][pP][sS]?://[A-Za-z0-9\\[]' };
/** RFC 3339, exactly as the usage views parse it. */
const DATE_OR_TIME = { anyOf: [{ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }] };
const MODE = { type: 'string', enum: ['auto', 'sync', 'async'] };
const PRIORITY = { type: 'integer', minimum: 1, maximum: 5 };
const DURATION_HINT = { type: 'number', exclusiveMinimum: 0 };
/** A live endpoint: a GET that upgrades to a WebSocket (`426` without the upgrade). */
const liveUpgrade = (operationId: string, summary: string, session: string) => ({
  operationId,
  summary,
  responses: { '101': { description: `Switching Protocols: ${session}` }, ...tenantErrors(426) },
});
const idParam = (what: string) => ({ name: 'id', in: 'path', required: true, description: what, schema: { type: 'string', minLength: 1 } });
const pageParams = (statuses: readonly string[]) => [
  { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: statuses } },
  { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  { name: 'cursor', in: 'query', required: false, description: 'the `next_cursor` of the previous page', schema: { type: 'string', pattern: CURSOR_PATTERN } },
];
const usageParams = (groupings: string[]) => [
  { name: 'from', in: 'query', required: false, description: 'RFC 3339 date or date-time; default the start of this month (UTC)', schema: DATE_OR_TIME },
  { name: 'to', in: 'query', required: false, description: 'RFC 3339 date or date-time, exclusive, after `from` (else 422 invalid_range); default now', schema: DATE_OR_TIME },
  { name: 'group_by', in: 'query', required: false, schema: { type: 'string', enum: groupings, default: groupings[0] } },
];

/** Deepgram query options as OpenAPI parameters (raw uploads and /v1/listen take them in the query string). */
function optionParameters(description?: string) {
  const props = (strip(json(DeepgramOptionsSchema)).properties ?? {}) as Record<string, Json>;
  return Object.entries(props).map(([name, schema]) => {
    const anyOf = schema.anyOf as Json[] | undefined;
    // Query strings carry scalars; lists repeat the parameter.
    const array = anyOf?.find((s) => s.type === 'array');
    const scalar = anyOf?.find((s) => s.type !== 'array') ?? schema;
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: array ?? scalar, ...(array ? { style: 'form', explode: true } : {}) };
  });
}

/** A JSON transcription request: the zod schema that validates it, with the checks the service adds (URL shape, modes). */
function transcriptionRequest(): Json {
  const base = strip(json(TranscriptionFieldsSchema)) as { properties: Record<string, Json> };
  // Stream mode (mode "stream", max_duration_seconds) takes Deepgram Live's options, whose rules (encoding with
  // sample_rate, keyterm on nova-3, no paragraphs or summaries) this prerecorded schema cannot state: the README
  // documents it, and the document describes the file modes exactly.
  const { max_duration_seconds: _stream, ...properties } = base.properties;
  return {
    ...base,
    // Exactly one of the two says where the audio is.
    oneOf: [{ required: ['url'] }, { required: ['upload_id'] }],
    properties: {
      ...properties,
      url: HTTP_URL,
      upload_id: { type: 'string', pattern: '^[0-9a-f]{16}_[0-9a-f]{32}$', description: 'a finished resumable upload (tus, POST /v1/uploads) of yours, instead of "url"' },
      mode: { ...MODE, description: 'also `stream` (with `max_duration_seconds`) for a URL that is a live audio stream: see the README, Stream mode' },
      webhook_url: HTTP_URL,
      options: ref('DeepgramOptions'),
    },
  };
}

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that validate requests (and describe
 * responses), so the two cannot drift apart.
 */
export function buildOpenApiDocument(serverUrl?: string) {
  const jobResponse = (description: string, links?: Json) => ({ description, content: jsonBody(ref('Job')), ...(links ? { links } : {}) });
  // What a client does next with a job it created: the stateful fuzzer follows these.
  const jobLinks = Object.fromEntries(
    ['getTranscription', 'deleteTranscription', 'cancelTranscription', 'listWebhookDeliveries', 'redeliverWebhook'].map((operationId) => [
      operationId,
      { operationId, parameters: { id: '$response.body#/id' } },
    ]),
  );
  const linksTo = (operationIds: string[]) => Object.fromEntries(operationIds.map((operationId) => [operationId, { operationId, parameters: { id: '$response.body#/id' } }]));
  const streamResponse = (description: string, schema = 'Stream') => ({ description, content: jsonBody(ref(schema)) });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Durable transcription platform',
      version: '0.1.0',
      description:
        'Deepgram transcription with durable jobs (Temporal), stored results (PostgreSQL), webhooks, live sessions, and a Deepgram-compatible /v1/listen. ' +
        'Every error is `{"error": {"code", "message"}}` (Deepgram’s shape on /v1/listen). A deleted job or live session answers `410 deleted` to every request but DELETE, which stays `204`.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    // Tenant keys are only enforced once any key exists (API_KEYS or the admin API); otherwise the API is open (hence the empty alternative).
    security: TENANT_SECURITY,
    components: {
      securitySchemes: {
        token: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <key>` (as the Deepgram SDKs send it) or `Bearer <key>`, with a key from API_KEYS or the admin API' },
        adminToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <ADMIN_API_KEY>`: the admin API only' },
      },
      schemas: {
        Error: strip(json(ErrorSchema)),
        Job: strip(json(JobSchema)),
        JobList: strip(json(JobListSchema)),
        Stream: strip(json(StreamSchema)),
        StreamWithTranscript: strip(json(StreamWithTranscriptSchema)),
        StreamList: strip(json(StreamListSchema)),
        WebhookDeliveries: strip(json(WebhookDeliveriesSchema)),
        TranscriptionRequest: transcriptionRequest(),
        TranscriptionBatchItem: {
          ...transcriptionRequest(),
          properties: { ...(transcriptionRequest().properties as Json), idempotency_key: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source } },
        },
        TranscriptionBatchRequest: {
          type: 'object',
          required: ['items'],
          additionalProperties: false,
          properties: {
            items: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_BATCH_ITEMS,
              // Each item is checked on its own: one that is not a valid request is refused in its place (400), the
              // others go ahead. So any value is a well-formed item of the batch itself.
              items: { anyOf: [ref('TranscriptionBatchItem'), { description: 'anything else: refused in its place with 400' }] },
            },
          },
        },
        TranscriptionBatchResult: strip(json(BatchResultSchema)),
        RepassRequest: {
          type: 'object',
          additionalProperties: false,
          properties: {
            options: { ...ref('DeepgramOptions'), description: "pre-recorded options; default: the session's own options that apply to a file" },
            webhook_url: { type: 'string', format: 'uri' },
            priority: { type: 'integer', minimum: 1, maximum: 5 },
          },
        },
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
          operationId: 'createTranscription',
          summary: 'Transcribe audio by URL, multipart upload or raw body',
          description:
            'The fields `mode`, `duration_hint`, `webhook_url`, `priority` and Deepgram options may also come in the query string (a raw upload’s only way); a field in a JSON or multipart body wins over the query’s.',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
            { name: 'mode', in: 'query', required: false, schema: MODE },
            { name: 'duration_hint', in: 'query', required: false, schema: DURATION_HINT },
            { name: 'webhook_url', in: 'query', required: false, schema: HTTP_URL },
            { name: 'priority', in: 'query', required: false, schema: PRIORITY },
            ...optionParameters(),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('TranscriptionRequest') },
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  description: 'an `audio` file or a `url`, not both. Raw audio without a container needs `encoding` (and `sample_rate`) in the query string, which is read before the file',
                  oneOf: [{ required: ['audio'] }, { required: ['url'] }],
                  additionalProperties: false,
                  properties: {
                    audio: { type: 'string', minLength: 1, contentMediaType: 'application/octet-stream' },
                    url: HTTP_URL,
                    mode: MODE,
                    options: ref('DeepgramOptions'),
                    duration_hint: DURATION_HINT,
                    webhook_url: HTTP_URL,
                    priority: PRIORITY,
                  },
                },
                encoding: { options: { contentType: 'application/json' } },
              },
              'audio/*': { schema: { type: 'string', minLength: 1, contentMediaType: 'audio/*' } },
              'application/octet-stream': { schema: { type: 'string', format: 'binary', minLength: 1 } },
            },
          },
          responses: {
            '200': jobResponse('Transcribed while you waited (sync), or an Idempotency-Key replay of a finished job', jobLinks),
            '202': jobResponse('Accepted; poll the Location', jobLinks),
            ...tenantErrors(400, 402, 404, 409, 410, 413, 415, 422, 502),
            // A sync job that failed while the client waited is answered with the job itself, its `error` saying why.
            '422': { description: `${ERROR_TEXT[422]}. A sync job Deepgram refused is answered with the failed job`, content: jsonBody({ anyOf: [ref('Error'), ref('Job')] }) },
            '502': { description: `${ERROR_TEXT[502]}: the failed job`, content: jsonBody({ anyOf: [ref('Error'), ref('Job')] }) },
          },
        },
        get: {
          operationId: 'listTranscriptions',
          summary: 'List jobs, newest first (deleted ones only with status=deleted)',
          parameters: [...pageParams(JOB_STATUSES), { name: 'mode', in: 'query', required: false, schema: { type: 'string', enum: ['sync', 'async'] } }],
          responses: { '200': { description: 'A page of jobs', content: jsonBody(ref('JobList')) }, ...tenantErrors(400) },
        },
      },
      '/v1/transcriptions/batch': {
        post: {
          operationId: 'createTranscriptionBatch',
          summary: `Up to ${MAX_BATCH_ITEMS} jobs by URL in one request, answered item by item`,
          description:
            'Accepted items are stored in one insert and handed to Temporal in one workflow start, so a batch is accepted (durably) in about the time one job is. ' +
            'Each item is answered with the status its request alone would get: 202 accepted, 200 an Idempotency-Key replay of a finished job, 4xx refused (the others go ahead). ' +
            'The batch never waits for transcripts; poll each job or give it a webhook. The whole batch gets 503 only when nothing could be stored or started.',
          requestBody: { required: true, content: jsonBody(ref('TranscriptionBatchRequest')) },
          responses: {
            '207': { description: 'One answer per item, in order', content: jsonBody(ref('TranscriptionBatchResult')) },
            ...tenantErrors(400, 413, 415),
          },
        },
      },
      '/v1/transcriptions/{id}': {
        get: {
          operationId: 'getTranscription',
          summary: 'A job, or its transcript as text or captions',
          parameters: [idParam('job id'), { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: FORMATS } }],
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
            ...tenantErrors(400, 404, 409, 410),
          },
        },
        delete: {
          operationId: 'deleteTranscription',
          summary: 'Cancel if running, delete audio and transcript, keep a tombstone; idempotent',
          parameters: [idParam('job id')],
          responses: { '204': { description: 'Deleted (also when it already was)' }, ...tenantErrors(400, 404) },
        },
      },
      '/v1/transcriptions/{id}/cancel': {
        post: { operationId: 'cancelTranscription', summary: 'Cancel a running job', parameters: [idParam('job id')], responses: { '200': jobResponse('Canceled'), ...tenantErrors(400, 404, 409, 410) } },
      },
      '/v1/transcriptions/{id}/webhooks': {
        get: {
          operationId: 'listWebhookDeliveries',
          summary: 'Every webhook delivery attempt for the job',
          parameters: [idParam('job id')],
          responses: { '200': { description: 'Delivery log', content: jsonBody(ref('WebhookDeliveries')) }, ...tenantErrors(400, 404, 410) },
        },
      },
      '/v1/transcriptions/{id}/webhooks/redeliver': {
        post: {
          operationId: 'redeliverWebhook',
          summary: 'Send the final event again (same event id)',
          parameters: [idParam('job id')],
          responses: {
            '202': {
              description: 'Scheduled',
              content: jsonBody({ type: 'object', required: ['event_id', 'status'], properties: { event_id: { type: 'string' }, status: { const: 'scheduled' } } }),
            },
            ...tenantErrors(400, 404, 409, 410),
          },
        },
      },
      '/v1/streams': {
        get: {
          operationId: 'listStreams',
          summary: 'Live sessions, newest first (deleted ones only with status=deleted)',
          parameters: pageParams(['active', 'ended', 'deleted']),
          responses: { '200': { description: 'A page of sessions', content: jsonBody(ref('StreamList')) }, ...tenantErrors(400) },
        },
      },
      '/v1/streams/{id}': {
        get: {
          operationId: 'getStream',
          summary: 'A live session with its transcript and every final result, or its transcript as text or captions',
          parameters: [
            idParam('session id (the request_id of its Metadata)'),
            { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: FORMATS } },
            { name: 'source', in: 'query', required: false, description: 'with a text format: the live finals (default) or the re-pass of the recording', schema: { type: 'string', enum: ['live', 'repass'] } },
          ],
          responses: {
            '200': {
              description: 'The session (json) or its transcript',
              content: {
                'application/json': { schema: ref('StreamWithTranscript') },
                'text/plain': { schema: { type: 'string' } },
                'application/x-subrip': { schema: { type: 'string' } },
                'text/vtt': { schema: { type: 'string' } },
              },
            },
            ...tenantErrors(400, 404, 409, 410),
          },
        },
        delete: {
          operationId: 'deleteStream',
          summary: "Delete an ended session's transcript and results, keep a tombstone; idempotent",
          parameters: [idParam('session id')],
          responses: { '204': { description: 'Deleted (also when it already was)' }, ...tenantErrors(400, 404, 409) },
        },
      },
      '/v1/streams/{id}/recording': {
        get: {
          operationId: 'getStreamRecording',
          summary: 'The audio of a session connected with record=true: a WAV for PCM-like audio, else the client’s own container',
          parameters: [idParam('session id')],
          responses: {
            '200': { description: 'The recording', content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } }, 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
            ...tenantErrors(400, 404, 409, 410),
          },
        },
      },
      '/v1/streams/{id}/transcribe': {
        post: {
          operationId: 'transcribeStreamRecording',
          summary: 'Transcribe the recording again as a durable batch job (the same options again return the same job)',
          parameters: [idParam('session id')],
          requestBody: { required: false, content: { 'application/json': { schema: ref('RepassRequest') } } },
          responses: { '200': jobResponse('The re-pass already asked for with these options'), '202': jobResponse('Accepted'), ...tenantErrors(400, 402, 404, 409, 410, 415) },
        },
      },
      '/v1/streams/{id}/close': {
        post: {
          operationId: 'closeStream',
          summary: 'End a live session from outside (its client gets the last finals, Metadata and a 1000 close)',
          parameters: [idParam('session id')],
          responses: { '202': streamResponse('Closing (`status: closing`)'), ...tenantErrors(400, 404, 409, 410) },
        },
      },
      '/v1/listen': {
        get: liveUpgrade('listenLive', 'Live transcription: a WebSocket upgrade with Deepgram’s live query parameters', 'the live session (Deepgram’s message protocol)'),
        post: {
          operationId: 'listen',
          summary: 'Deepgram-compatible prerecorded transcription',
          parameters: [
            ...optionParameters(),
            { name: 'callback', in: 'query', required: false, schema: HTTP_URL },
            { name: 'callback_method', in: 'query', required: false, schema: { type: 'string', pattern: '^[pP][oO][sS][tT]$' } },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'object', required: ['url'], properties: { url: HTTP_URL } } },
              'audio/*': { schema: { type: 'string', minLength: 1, contentMediaType: 'audio/*' } },
              'application/octet-stream': { schema: { type: 'string', format: 'binary', minLength: 1 } },
            },
          },
          responses: {
            '200': { description: 'Deepgram’s response (or `{request_id}` with callback)', content: jsonBody({ type: 'object' }) },
            ...Object.fromEntries(
              [400, 401, 402, 409, 413, 415, 422, 429, 502, 503, 504].map((s) => [String(s), { description: `Deepgram-shaped error${ERROR_TEXT[s] ? `: ${ERROR_TEXT[s]}` : ''}`, content: jsonBody(ref('DeepgramError')) }]),
            ),
          },
        },
      },
      '/v2/listen': {
        get: liveUpgrade(
          'listenFlux',
          'Flux live transcription (Deepgram’s /v2/listen): a WebSocket upgrade with Flux’s query parameters',
          'the Flux session (Connected, TurnInfo, Configure acknowledgements)',
        ),
      },
      '/v1/usage': {
        get: {
          operationId: 'getUsage',
          summary: "Your tenant's billable audio seconds",
          parameters: usageParams(['day', 'model', 'mode']),
          responses: { '200': { description: 'Usage', content: jsonBody(ref('Usage')) }, ...tenantErrors(400, 422) },
        },
      },
      '/v1/admin/tenants': {
        post: {
          operationId: 'createTenant',
          summary: 'Create a tenant (admin key)',
          security: ADMIN_SECURITY,
          requestBody: { required: true, content: jsonBody(ref('NewTenant')) },
          responses: { '201': { description: 'Created, with its webhook secret', content: jsonBody(ref('Tenant')), links: linksTo(['rotateWebhookSecret']) }, ...adminErrors(400, 409, 413, 415) },
        },
        get: {
          operationId: 'listTenants',
          summary: 'Every tenant (admin key)',
          security: ADMIN_SECURITY,
          responses: { '200': { description: 'Tenants', content: jsonBody({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: ref('Tenant') } } }) }, ...adminErrors() },
        },
      },
      '/v1/admin/tenants/{id}/webhook-secret': {
        post: {
          operationId: 'rotateWebhookSecret',
          summary: "Rotate a tenant's webhook secret; the old one keeps signing for the overlap (admin key)",
          security: ADMIN_SECURITY,
          parameters: [idParam('tenant id or name')],
          requestBody: { required: false, content: jsonBody(ref('RotateWebhookSecret')) },
          responses: {
            '200': {
              description: 'The new secret',
              content: jsonBody({
                type: 'object',
                required: ['tenant', 'webhook_secret', 'previous_secret_valid_until'],
                properties: {
                  tenant: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: 'string' } } },
                  webhook_secret: { type: 'string' },
                  previous_secret_valid_until: { type: 'string' },
                },
              }),
            },
            ...adminErrors(400, 404, 413, 415),
          },
        },
      },
      '/v1/admin/keys': {
        post: {
          operationId: 'createKey',
          summary: 'Create an API key; its secret is shown once (admin key)',
          security: ADMIN_SECURITY,
          requestBody: { required: true, content: jsonBody(ref('NewKey')) },
          responses: { '201': { description: 'Created', content: jsonBody(ref('ApiKey')), links: linksTo(['rotateKey', 'revokeKey']) }, ...adminErrors(400, 404, 413, 415, 422) },
        },
        get: {
          operationId: 'listKeys',
          summary: 'Every key, without secrets (admin key)',
          security: ADMIN_SECURITY,
          parameters: [{ name: 'tenant', in: 'query', required: false, description: 'tenant id or name', schema: { type: 'string' } }],
          responses: { '200': { description: 'Keys', content: jsonBody({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: ref('ApiKey') } } }) }, ...adminErrors(400, 404) },
        },
      },
      '/v1/admin/keys/{id}': {
        delete: { operationId: 'revokeKey', summary: 'Revoke a key (admin key)', security: ADMIN_SECURITY, parameters: [idParam('key id')], responses: { '204': { description: 'Revoked' }, ...adminErrors(400, 404) } },
      },
      '/v1/admin/keys/{id}/rotate': {
        post: {
          operationId: 'rotateKey',
          summary: 'A new secret for the same key; the old one stops working (admin key)',
          security: ADMIN_SECURITY,
          parameters: [idParam('key id')],
          responses: { '200': { description: 'Rotated', content: jsonBody(ref('ApiKey')) }, ...adminErrors(400, 404, 409) },
        },
      },
      '/v1/admin/usage': {
        get: {
          operationId: 'getAdminUsage',
          summary: 'Usage of every tenant (admin key)',
          security: ADMIN_SECURITY,
          parameters: [...usageParams(['tenant', 'day', 'model', 'mode']), { name: 'tenant', in: 'query', required: false, description: 'tenant id or name', schema: { type: 'string' } }],
          responses: { '200': { description: 'Usage', content: jsonBody(ref('Usage')) }, ...adminErrors(400, 404, 422) },
        },
      },
      ...Object.fromEntries(
        (['decode', 'encode'] as const).map((direction) => [
          `/v1/admin/codec/${direction}`,
          {
            post: {
              operationId: `codec${direction === 'decode' ? 'Decode' : 'Encode'}`,
              security: ADMIN_SECURITY,
              summary: `Temporal's remote codec: ${direction === 'decode' ? 'decrypt payloads for the Temporal UI and CLI' : 'encrypt payloads the Temporal UI sends'} (admin key; open only while the whole API is)`,
              parameters: [{ name: 'X-Namespace', in: 'header', required: false, description: 'Sent by the Temporal UI and CLI; the keys are the same for every namespace', schema: { type: 'string' } }],
              requestBody: { required: true, content: { 'application/json': { schema: ref('Payloads') } } },
              responses: {
                '200': { description: `The payloads, ${direction}d, in the same order`, content: jsonBody(ref('Payloads')) },
                ...adminErrors(400, 413, 415),
                '422': { description: 'undecodable_payload: encrypted with a key id not in PAYLOAD_ENCRYPTION_KEYS, or altered', content: jsonBody(ref('Error')) },
              },
            },
          },
        ]),
      ),
      '/health': { get: { operationId: 'health', summary: 'Liveness', security: [], responses: { '200': { description: 'Alive', content: jsonBody({ type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }) } } } },
      '/ready': {
        get: {
          operationId: 'ready',
          summary: 'Readiness of each dependency',
          security: [],
          responses: { '200': { description: 'Ready', content: jsonBody({ type: 'object' }) }, '503': { description: 'A dependency is down', content: jsonBody({ type: 'object' }) } },
        },
      },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics', security: [], responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    },
  };
}
