import { createHash } from 'node:crypto';
import type { SubmitTranscription } from './submission.js';

/** A stable hash of what a request asks for, so a repeated Idempotency-Key can be told from a reused one. */
export function requestFingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a submission's Idempotency-Key stands for: the same hash whether it came alone or in a batch. */
export function submissionFingerprint(request: SubmitTranscription): string {
  return requestFingerprint({
    source: request.source.kind === 'url' ? request.source.url : { upload: request.source.sha256 },
    mode: request.mode,
    options: request.options,
    durationHint: request.durationHint,
    webhookUrl: request.webhookUrl,
    deepgramCallbackUrl: request.deepgramCallbackUrl,
  });
}
