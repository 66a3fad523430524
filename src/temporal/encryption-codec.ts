import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { PAYLOAD_KEY_BYTES, type PayloadKey } from '../config.js';

/** The encoding Temporal's samples, codec servers and tools use for an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Which key encrypted the payload, so keys can rotate: old histories name the key that can still read them. */
export const ENCRYPTION_KEY_ID = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/**
 * AES-256-GCM over the whole serialized payload (its metadata too: the encoding says what the data is), a random IV
 * per payload, laid out as IV ‖ ciphertext ‖ tag — the layout of Temporal's Go and TypeScript encryption samples.
 * The first key encrypts; every key decrypts (rotation: put the new key first, keep the old ones until their
 * histories are gone). Payloads that are not `binary/encrypted` pass through: histories written before encryption
 * was turned on still replay.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: readonly PayloadKey[]) {
    const [current] = keys;
    if (!current) throw new ValueError('Payload encryption needs at least one key (PAYLOAD_ENCRYPTION_KEYS)');
    for (const k of keys) {
      if (k.key.length !== PAYLOAD_KEY_BYTES) throw new ValueError(`Payload encryption key "${k.id}" must be ${PAYLOAD_KEY_BYTES} bytes, not ${k.key.length}`);
    }
    this.current = current;
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [ENCRYPTION_KEY_ID]: Buffer.from(this.current.id),
      },
      data: encrypt(PayloadMessage.encode(payload).finish(), this.current.key),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[ENCRYPTION_KEY_ID]);
      if (!keyId) throw new ValueError('An encrypted payload names no encryption key id');
      const key = this.keys.get(keyId);
      if (!key) throw new ValueError(`A payload is encrypted with key "${keyId}", which is not among PAYLOAD_ENCRYPTION_KEYS (${[...this.keys.keys()].join(', ')})`);
      return PayloadMessage.decode(decrypt(payload.data ?? new Uint8Array(), key, keyId));
    });
  }
}

function encrypt(plain: Uint8Array, key: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function decrypt(sealed: Uint8Array, key: Buffer, keyId: string): Buffer {
  const data = Buffer.from(sealed);
  if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`An encrypted payload (key "${keyId}") is too short to be one`);
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    // GCM's tag check: the data was altered, or the key under this id is not the one that encrypted it.
    throw new ValueError(`An encrypted payload (key "${keyId}") failed authentication: altered, or the key under that id changed`);
  }
}

/** The data converter of every Temporal client and worker of the project: default conversion, then encryption. */
export function encryptedDataConverter(keys: readonly PayloadKey[]): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}
