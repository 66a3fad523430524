import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Signing the timestamp with the body lets receivers reject replays of old deliveries.
 */
export const SIGNATURE_HEADER = 'webhook-signature';
export const EVENT_ID_HEADER = 'webhook-id';

export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export interface VerifyOptions {
  /** Reject signatures older than this (default 5 minutes). */
  toleranceSeconds?: number;
  nowSeconds?: number;
}

/**
 * For receivers: true when `signatureHeader` is a valid signature of the raw request body.
 * Use the body exactly as received (before JSON parsing).
 */
export function verifyWebhookSignature(secret: string, rawBody: string, signatureHeader: string | null | undefined, options: VerifyOptions = {}): boolean {
  if (!signatureHeader) return false;
  const parts = Object.fromEntries(signatureHeader.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, rawBody, t).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
