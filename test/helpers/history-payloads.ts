import type { Payload } from '@temporalio/common';
import { EncryptionCodec } from '../../src/temporal/encryption-codec.js';
import { TEST_PAYLOAD_KEYS } from './payload-keys.js';

/**
 * Every payload in a workflow history as Temporal stores it (inputs, results, headers, signals, memos, failures'
 * details), except what no codec ever sees: search attributes (the server indexes them) and the details of the SDK's
 * own markers (a local activity's sequence number, attempt, type and times; a patch id), which the SDK core writes.
 * A local activity's result, in the same marker, is a payload like any other and is included.
 */
export function historyPayloads(history: unknown): Payload[] {
  const found: Payload[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    const record = value as Record<string, unknown>;
    if (record.data instanceof Uint8Array && 'metadata' in record) found.push(record as Payload);
    for (const [key, child] of Object.entries(record)) {
      if (key === 'searchAttributes') continue;
      if (key === 'details' && 'markerName' in record) {
        walk((child as Record<string, unknown> | null)?.result);
        continue;
      }
      walk(child);
    }
  };
  walk(history);
  return found;
}

/** Every payload in a history, decrypted with the test suite's payload keys and read as text. */
export async function payloadTexts(history: unknown): Promise<string[]> {
  const decoded = await new EncryptionCodec(TEST_PAYLOAD_KEYS).decode(historyPayloads(history));
  return decoded.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
}
