/**
 * For other services: the HTTP API (createTranscriptionClient, typed from the server's own zod schemas), starting and
 * awaiting transcriptions straight through Temporal (no HTTP hop), and verifying our webhooks. Needs only a Temporal `Client` connected to the namespace the workers poll, with the platform's
 * payload encryption (`payloadKeys`: the same PAYLOAD_ENCRYPTION_KEYS value as the workers, from your own config):
 *
 *   const client = new Client({ connection, dataConverter: transcriptionDataConverter(payloadKeys) });
 *   const handle = await startTranscription(client, { url: 'https://…/call.mp3', options: { model: 'nova-3' } });
 *   const outcome = await handle.result(); // { status: 'completed', jobId, deepgramRequestId, durationSeconds, … }
 *   // The transcript itself never travels through Temporal: read it with GET /v1/transcriptions/:jobId.
 */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { parsePayloadKeys, type PayloadKey } from '../config.js';
import { encryptedDataConverter } from '../temporal/encryption-codec.js';
import type { DeepgramOptions, RequestedMode, TranscriptionInput, TranscriptionOutcome } from '../domain/transcription.js';
import type { transcriptionJob } from '../../workflows/transcription.workflow.js';
import { TRANSCRIPTION_WORKFLOW } from '../../workflows/definitions.js';
import { DEFAULT_PRIORITY, DEFAULT_TENANT_ID } from '../domain/tenancy.js';

export { verifyWebhookSignature, signWebhook, standardSecret, SIGNATURE_HEADER, EVENT_ID_HEADER, TIMESTAMP_HEADER } from '../adapters/webhook-signature.js';
export { TRANSCRIPTION_WORKFLOW, jobStatusQuery, type TranscriptionProgress } from '../../workflows/definitions.js';
export type { TranscriptionInput, TranscriptionOutcome, DeepgramOptions, RequestedMode, AudioSource } from '../domain/transcription.js';

export { EncryptionCodec } from '../temporal/encryption-codec.js';
export { createTranscriptionClient, TranscriptionApiError, type TranscriptionClient, type TranscriptionClientOptions, type Job, type JobPage, type ProgressEvent, type SubmitOptions } from './http-client.js';
export type { PayloadKey } from '../config.js';

/**
 * The `dataConverter` option of a Temporal `Client` that talks to the platform's workers: they read and write only
 * encrypted payloads. `keys`: the PAYLOAD_ENCRYPTION_KEYS value (`keyId:base64,…`) or parsed keys.
 */
export function transcriptionDataConverter(keys: string | readonly PayloadKey[]): DataConverter {
  const parsed = typeof keys === 'string' ? parsePayloadKeys(keys) : keys;
  if (typeof parsed === 'string') throw new Error(`PAYLOAD_ENCRYPTION_KEYS: ${parsed}`);
  return encryptedDataConverter(parsed);
}

/** The task queue the batch workers poll unless TEMPORAL_TASK_QUEUE says otherwise. */
export const DEFAULT_TASK_QUEUE = 'transcription';

export interface StartTranscriptionRequest {
  url: string;
  mode?: RequestedMode;
  options?: DeepgramOptions;
  durationHint?: number;
  webhookUrl?: string;
  /** Job (and workflow) id; a stable business key makes the start idempotent. Default: a new UUID. */
  jobId?: string;
  /** The tenant the job belongs to (its id and name, as the admin API shows them). Default: the implicit tenant. */
  tenant?: { id: string; name: string };
  /** 1 = first … 5 = last among the tenant's jobs (default 3). */
  priority?: number;
  taskQueue?: string;
}

/** The same defaults the API uses (README "Configuration"), for callers that have no config of their own. */
const DEFAULTS: Omit<TranscriptionInput, 'jobId' | 'source' | 'options' | 'mode' | 'owner' | 'priority' | 'region'> = {
  routing: { syncMaxSeconds: 60, asyncMinSeconds: 300 },
  retry: { initialIntervalMs: 5_000, backoffCoefficient: 2, maximumAttempts: 3, maximumIntervalMs: 120_000 },
  useCallback: false,
  callbackTimeoutMs: 3_600_000,
  timeouts: { deepgramCallMs: 600_000, heartbeatMs: 30_000 },
  searchAttributes: false,
  deepgramTaskQueue: 'transcription-deepgram',
  outageMaxWaitMs: 86_400_000,
};

/**
 * Starts a transcription workflow. The workflow records the job in the platform's database itself,
 * so it shows up in the HTTP API (`GET /v1/transcriptions/:id`) like any other.
 */
export async function startTranscription(
  client: Client,
  request: StartTranscriptionRequest,
  overrides: Partial<typeof DEFAULTS> = {},
): Promise<WorkflowHandle<typeof transcriptionJob>> {
  const jobId = request.jobId ?? randomUUID();
  const input: TranscriptionInput = {
    ...DEFAULTS,
    ...(request.taskQueue ? { deepgramTaskQueue: `${request.taskQueue}-deepgram` } : {}),
    ...overrides,
    jobId,
    owner: { tenantId: request.tenant?.id ?? DEFAULT_TENANT_ID, tenantName: request.tenant?.name ?? DEFAULT_TENANT_ID, apiKeyId: null },
    priority: request.priority ?? DEFAULT_PRIORITY,
    region: null,
    source: { kind: 'url', url: request.url },
    options: request.options ?? {},
    mode: request.mode ?? 'auto',
    ...(request.durationHint !== undefined ? { durationHint: request.durationHint } : {}),
    ...(request.webhookUrl ? { webhook: { url: request.webhookUrl, retry: { initialIntervalMs: 5_000, maximumIntervalMs: 3_600_000, maxDurationMs: 86_400_000 } } } : {}),
  };
  return client.workflow.start<typeof transcriptionJob>(TRANSCRIPTION_WORKFLOW, {
    taskQueue: request.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: jobId,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [input],
    priority: { priorityKey: input.priority, fairnessKey: input.owner.tenantId },
  });
}

/** Starts a transcription and waits for its outcome (throws WorkflowFailedError when the job fails). */
export async function transcribe(client: Client, request: StartTranscriptionRequest): Promise<TranscriptionOutcome> {
  return (await startTranscription(client, request)).result();
}
