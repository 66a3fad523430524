import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { AppError } from '../../domain/errors.js';
import type { AppEnv } from '../app-env.js';
import { readJson } from '../read-json.js';
import { parseBody } from '../validation/admin-requests.js';
import { CodecRequestSchema, type JsonPayload } from '../validation/codec-requests.js';

/** Where the codec is mounted: the Temporal UI's and CLI's codec endpoint is `<API base URL>${CODEC_PATH}`. */
export const CODEC_PATH = '/v1/admin/codec';
/** A UI request carries the payloads of one event or a page of them; Temporal caps one payload at 2 MiB. */
export const CODEC_MAX_BYTES = 8 * 1024 * 1024;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * The remote codec of Temporal's UI and CLI (`--codec-endpoint <api>/v1/admin/codec`): they send the payloads they
 * show, we answer them decrypted (or encrypted, for what the UI sends to a workflow). Guarded like the admin API.
 */
export function codecRoutes(deps: { payloadCodec: PayloadCodec }) {
  const convert = async (c: Context<AppEnv>, direction: 'encode' | 'decode') => {
    const { payloads } = parseBody(CodecRequestSchema, await readJson(c));
    try {
      const converted = await deps.payloadCodec[direction](payloads.map(fromJson));
      return c.json({ payloads: converted.map(toJson) }, 200);
    } catch (err) {
      // The codec's own words (unknown key id, failed authentication); never key material.
      throw new AppError(422, 'undecodable_payload', `A payload could not be ${direction}d: ${(err as Error).message}`);
    }
  };
  return new Hono<AppEnv>().post('/decode', (c) => convert(c, 'decode')).post('/encode', (c) => convert(c, 'encode'));
}
