import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../src/db/database.js';
import { findJob } from '../src/db/repositories/jobs.repository.js';
import type { Job } from '../src/domain/transcription.js';
import { findTranscript } from '../src/db/repositories/transcripts.repository.js';
import { recordWebhookDelivery } from '../src/db/repositories/webhook-deliveries.repository.js';
import { EVENT_ID_HEADER, signWebhook } from '../src/adapters/webhook-signature.js';
import { classifyDeliveryError } from '../src/adapters/delivery-errors.js';
import { tenantWebhookSecrets } from '../src/db/repositories/tenants.repository.js';
import type { WebhookDeliveryRequest } from '../src/domain/webhooks.js';
import type { OutboundHttp } from '../src/adapters/outbound/index.js';
import type { Metrics } from '../src/observability/metrics.js';
import type { Logger } from '../src/observability/logger.js';
import { whileHeartbeating } from './heartbeat.js';

export interface WebhookActivityDeps {
  db: Db;
  outbound: OutboundHttp;
  webhooks: { timeoutMs: number };
  metrics?: Metrics;
  logger?: Logger;
}

export const WEBHOOK_GONE = 'WebhookGone';

/** Builds what the receiver gets, from the stored job: payloads stay out of Temporal history. */
async function bodyFor(db: Db, request: WebhookDeliveryRequest): Promise<{ body: string; tenantId: string }> {
  const job = await findJob(db, request.jobId);
  if (!job) throw ApplicationFailure.nonRetryable(`job ${request.jobId} no longer exists`, 'JobMissing');
  return { body: await bodyOf(db, job, request), tenantId: job.tenantId };
}

async function bodyOf(db: Db, job: Job, request: WebhookDeliveryRequest): Promise<string> {
  const transcript = job.status === 'completed' ? await findTranscript(db, job.id) : undefined;
  if (request.kind === 'deepgram-callback') {
    // Drop-in clients expect what Deepgram would have posted, under the request id we answered with
    // (the job id); Deepgram's own id is kept beside it.
    if (transcript) {
      const result = transcript.result as { metadata?: Record<string, unknown> };
      return JSON.stringify({ ...result, metadata: { ...result.metadata, request_id: job.id, upstream_request_id: transcript.deepgramRequestId } });
    }
    return JSON.stringify({ err_code: job.error?.deepgramCode ?? job.error?.code ?? 'FAILED', err_msg: job.error?.message ?? job.status, request_id: job.id });
  }
  return JSON.stringify({
    event_id: request.eventId,
    event: `transcription.${job.status}`,
    id: job.id,
    status: job.status,
    ...(transcript ? { transcript: transcript.text } : {}),
    ...(job.error ? { error: { code: job.error.code, message: job.error.message } } : {}),
    completed_at: job.completedAt?.toISOString() ?? null,
  });
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  return {
    /**
     * One delivery attempt; Temporal's retry policy spaces the attempts (up to a day by default).
     * 2xx ends it, 410 Gone stops it for good, anything else retries. Every attempt is recorded.
     */
    async deliverWebhook(request: WebhookDeliveryRequest): Promise<{ statusCode: number }> {
      return whileHeartbeating(Context.current(), () => ({ delivering: request.eventId }), () => deliverOnce(request));
    },
  };

  async function deliverOnce(request: WebhookDeliveryRequest): Promise<{ statusCode: number }> {
    const { body, tenantId } = await bodyFor(deps.db, request);
    let headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'durable-transcription-webhooks/1', [EVENT_ID_HEADER]: request.eventId };
    if (request.kind === 'event') {
      // The job's tenant's secrets, read at each attempt: a rotation applies to retries too.
      const secrets = await tenantWebhookSecrets(deps.db, tenantId);
      if (secrets.length === 0) throw ApplicationFailure.nonRetryable('the tenant has no webhook secret (WEBHOOK_SECRET, or one from the admin API)', 'WebhookMisconfigured');
      headers = { ...headers, ...signWebhook(secrets, request.eventId, body, new Date()) };
    }
    const target = new URL(request.url);
    if (target.username || target.password) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    const attempt = Context.current().info.attempt;
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let detail: string | undefined;
    try {
      // Redirects are not followed (a 3xx is a failed attempt); the receiver's address is vetted at connect time.
      const response = await deps.outbound.request(target, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(deps.webhooks.timeoutMs)]),
      });
      statusCode = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (err) {
      // The tenant sees a class; the operator's log keeps the detail.
      error = classifyDeliveryError(err);
      detail = String((err as Error).cause ?? (err as Error).message);
    }
    const succeeded = statusCode !== null && statusCode >= 200 && statusCode < 300;
    deps.logger?.info(
      { jobId: request.jobId, workflowId: Context.current().info.workflowExecution?.workflowId, eventId: request.eventId, attempt, statusCode, error, detail, succeeded },
      'webhook delivery attempt',
    );
    deps.metrics?.webhookDeliveries.inc({ outcome: succeeded ? 'delivered' : statusCode === 410 ? 'gone' : 'failed' });
    await recordWebhookDelivery(deps.db, request.jobId, {
      eventId: request.eventId,
      url: request.url,
      attempt,
      statusCode,
      error,
      succeeded,
      durationMs: Date.now() - started,
    });
    if (succeeded) return { statusCode: statusCode! };
    if (statusCode === 410) throw ApplicationFailure.nonRetryable('the receiver answered 410 Gone', WEBHOOK_GONE);
    throw ApplicationFailure.retryable(error ?? `the receiver answered ${statusCode}`, 'WebhookFailed');
  }
}
