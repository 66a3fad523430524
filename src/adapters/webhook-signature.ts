import { Webhook } from 'standardwebhooks';

/**
 * Webhook signatures per the Standard Webhooks spec (https://www.standardwebhooks.com), made and checked with its own
 * library: `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 * While a tenant rotates its secret, the header carries one signature per secret, separated by spaces.
 */
export const EVENT_ID_HEADER = 'webhook-id';
export const TIMESTAMP_HEADER = 'webhook-timestamp';
export const SIGNATURE_HEADER = 'webhook-signature';

/**
 * A secret as the spec writes it: `whsec_<base64>`. Any other string (a WEBHOOK_SECRET chosen by hand) is used as
 * its UTF-8 bytes, i.e. `whsec_` + base64 of it, so receivers can use it with any Standard Webhooks library.
 */
export function standardSecret(secret: string): string {
  return secret.startsWith('whsec_') ? secret : `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
}

/** The three headers of one delivery, signed under every secret given (current first). */
export function signWebhook(secrets: readonly string[], eventId: string, body: string, at: Date): Record<string, string> {
  if (secrets.length === 0) throw new Error('no webhook secret to sign with');
  const signatures = secrets.map((secret) => new Webhook(standardSecret(secret)).sign(eventId, at, body));
  return {
    [EVENT_ID_HEADER]: eventId,
    [TIMESTAMP_HEADER]: String(Math.floor(at.getTime() / 1000)),
    [SIGNATURE_HEADER]: signatures.join(' '),
  };
}

/**
 * For receivers: true when the headers carry a valid, recent (5 minutes) signature of the raw body under `secret`.
 * Use the body exactly as received, before JSON parsing. `headers` may be a Headers object or a plain record.
 */
export function verifyWebhookSignature(secret: string, rawBody: string, headers: Headers | Record<string, string | string[] | undefined>): boolean {
  const read = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value[0] : (value ?? undefined);
  };
  const id = read(EVENT_ID_HEADER);
  const timestamp = read(TIMESTAMP_HEADER);
  const signature = read(SIGNATURE_HEADER);
  if (!id || !timestamp || !signature) return false;
  try {
    new Webhook(standardSecret(secret)).verify(rawBody, { [EVENT_ID_HEADER]: id, [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature });
    return true;
  } catch {
    return false;
  }
}
