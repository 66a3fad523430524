import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PAYLOAD_KEY_BYTES, parsePayloadKeys, type PayloadKey } from '../config.js';

export const LOCAL_PAYLOAD_KEY_FILE = 'payload-encryption.key';

/**
 * `npm start` with no PAYLOAD_ENCRYPTION_KEYS: a key generated on the first start and kept in DATA_DIR (owner-only),
 * beside the SQLite file of the embedded Temporal, so a restart can still read the histories it wrote. The file holds
 * one PAYLOAD_ENCRYPTION_KEYS entry: copying it into the variable moves the same key to a deployment.
 */
export async function localPayloadKeys(dataDir: string): Promise<PayloadKey[]> {
  const file = path.resolve(dataDir, LOCAL_PAYLOAD_KEY_FILE);
  const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing === undefined) {
    await mkdir(path.dirname(file), { recursive: true });
    const entry = `local-${new Date().toISOString().slice(0, 10)}:${randomBytes(PAYLOAD_KEY_BYTES).toString('base64')}`;
    // `wx`: two starts racing on a fresh directory do not overwrite each other's key; the loser reads the winner's.
    await writeFile(file, `${entry}\n`, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    return localPayloadKeys(dataDir);
  }
  const keys = parsePayloadKeys(existing.trim());
  if (typeof keys === 'string' || keys.length === 0) {
    throw new Error(`${file} is not a payload key (${typeof keys === 'string' ? keys : 'empty'}); restore it, or set PAYLOAD_ENCRYPTION_KEYS`);
  }
  return keys;
}
