import { z } from 'zod';

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

/**
 * A `temporal.api.common.v1.Payload` in proto3 JSON, as Temporal's UI and CLI send it to a remote codec: every
 * metadata value and the data are base64 bytes. Any other field is refused.
 */
export const JsonPayloadSchema = z.strictObject({
  metadata: z.record(z.string(), base64).nullish().describe('metadata keys to base64 values'),
  data: base64.nullish().describe('base64 bytes'),
  // Newer Temporal servers' field for payloads stored elsewhere; taken so their UI is not refused, never answered.
  externalPayloads: z.array(z.unknown()).nullish().describe('references to payloads stored outside the history (ignored)'),
});

/** `POST /v1/admin/codec/encode` and `/decode`: Temporal's remote codec protocol (`temporal.api.common.v1.Payloads`). */
export const CodecRequestSchema = z.strictObject({ payloads: z.array(JsonPayloadSchema).max(10_000) });

export type JsonPayload = z.infer<typeof JsonPayloadSchema>;
