import { UrlNotAllowedError, type OutboundHttp } from '../adapters/outbound/index.js';
import type { Db } from '../db/database.js';
import { tenantWebhookSecrets } from '../db/repositories/tenants.repository.js';
import { keyAudioSecondsSince } from '../db/repositories/usage.repository.js';
import { AppError } from '../domain/errors.js';
import { monthStart, type Caller } from '../domain/tenancy.js';
import type { SubmitTranscription } from './submission.js';

/** Refuses a webhook when the tenant has no secret to sign it with. */
export async function requireWebhookSecret(db: Db, tenantId: string): Promise<void> {
  if ((await tenantWebhookSecrets(db, tenantId)).length > 0) return;
  throw new AppError(422, 'webhooks_not_configured', 'Your tenant has no webhook secret (WEBHOOK_SECRET, or one from the admin API), so webhooks cannot be signed; poll the job instead');
}

/** Every URL a request would make us fetch or call must be allowed (public addresses unless ALLOW_PRIVATE_URLS). */
export async function checkRequestUrls(outbound: Pick<OutboundHttp, 'checkUrl'>, request: Pick<SubmitTranscription, 'source' | 'webhookUrl' | 'deepgramCallbackUrl'>): Promise<void> {
  const checks: Array<[string, string | undefined]> = [
    ['url', request.source.kind === 'url' ? request.source.url : undefined],
    ['webhook_url', request.webhookUrl],
    ['callback', request.deepgramCallbackUrl],
  ];
  for (const [field, url] of checks) {
    if (!url) continue;
    try {
      await outbound.checkUrl(url);
    } catch (err) {
      if (err instanceof UrlNotAllowedError) throw new AppError(422, 'url_not_allowed', `Field "${field}": ${err.message}`);
      throw err;
    }
  }
}

/** What is left of the caller key's monthly audio budget, in seconds; null when it has none. */
export async function remainingBudgetSeconds(db: Db, caller: Caller): Promise<number | null> {
  if (caller.monthlyAudioSeconds === null || caller.keyId === null) return null;
  const used = await keyAudioSecondsSince(db, caller.keyId, monthStart(new Date()));
  return Math.max(0, caller.monthlyAudioSeconds - used);
}

/**
 * The 402 for a job the budget cannot take, or undefined when it fits. Jobs of unknown length are accepted while
 * any budget is left; they are metered by what Deepgram reports.
 */
export function budgetRefusal(caller: Caller, remaining: number | null, knownSeconds: number | undefined): AppError | undefined {
  if (remaining === null || (remaining > 0 && (knownSeconds === undefined || knownSeconds <= remaining))) return undefined;
  const rounded = Math.floor(remaining * 1000) / 1000;
  return new AppError(
    402,
    'budget_exceeded',
    knownSeconds !== undefined && remaining > 0
      ? `This ${knownSeconds.toFixed(1)} s of audio exceeds what is left of the key's monthly budget: ${rounded} of ${caller.monthlyAudioSeconds} s`
      : `The key's monthly audio budget (${caller.monthlyAudioSeconds} s) is spent; it renews on the 1st (UTC)`,
    { remaining_seconds: rounded, monthly_audio_seconds: caller.monthlyAudioSeconds, ...(knownSeconds !== undefined ? { requested_seconds: knownSeconds } : {}) },
  );
}

/** The 409 for an Idempotency-Key already used by a different request of the same tenant. */
export function idempotencyConflict(key: string): AppError {
  return new AppError(409, 'idempotency_conflict', `Idempotency-Key ${JSON.stringify(key)} was already used for a different request`);
}
