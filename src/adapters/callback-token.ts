import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Deepgram no longer signs callbacks, so the callback URL itself carries proof: an HMAC of the
 * job id under our secret. Only a holder of the URL we gave Deepgram can complete that job.
 */
export function callbackToken(secret: string, jobId: string): string {
  return createHmac('sha256', secret).update(`deepgram-callback:${jobId}`).digest('base64url');
}

export function verifyCallbackToken(secret: string, jobId: string, token: string | undefined): boolean {
  if (!token) return false;
  const expected = Buffer.from(callbackToken(secret, jobId));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function callbackUrl(publicBaseUrl: string, secret: string, jobId: string): string {
  return `${publicBaseUrl}/v1/callbacks/deepgram/${encodeURIComponent(jobId)}?token=${callbackToken(secret, jobId)}`;
}
