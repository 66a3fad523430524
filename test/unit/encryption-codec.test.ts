import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { loadConfig, type PayloadKey } from '../../src/config.js';
import { LOCAL_PAYLOAD_KEY_FILE, localPayloadKeys } from '../../src/main/local-payload-key.js';
import { EncryptionCodec } from '../../src/temporal/encryption-codec.js';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const A = key('a');
const B = key('b');
const SECRET_INPUT = { jobId: 'job-4711', url: 'https://bucket.example.com/call.mp3?X-Amz-Signature=abc' };
const plain = (): Payload => defaultPayloadConverter.toPayload(SECRET_INPUT);
const meta = (p: Payload, name: string) => Buffer.from(p.metadata![name]!).toString();

test('encode: binary/encrypted with the key id, no plaintext left, a fresh IV each time; decode gives back the exact payload', async () => {
  const codec = new EncryptionCodec([A]);
  const [encoded] = await codec.encode([plain()]);
  assert.equal(meta(encoded!, 'encoding'), 'binary/encrypted');
  assert.equal(meta(encoded!, 'encryption-key-id'), 'a');
  assert.deepEqual(Object.keys(encoded!.metadata!).sort(), ['encoding', 'encryption-key-id'], 'the original metadata (json/plain) is inside the ciphertext');
  const bytes = Buffer.from(encoded!.data!).toString('latin1');
  for (const secret of ['job-4711', 'bucket.example.com', 'json/plain']) assert.ok(!bytes.includes(secret), `${secret} is not readable`);
  const [again] = await codec.encode([plain()]);
  assert.notDeepEqual(Buffer.from(again!.data!), Buffer.from(encoded!.data!));
  const [decoded] = await codec.decode([encoded!]);
  assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), SECRET_INPUT);
  assert.equal(meta(decoded!, 'encoding'), 'json/plain');
});

test('the layout is IV (12 bytes) ‖ AES-256-GCM ciphertext ‖ tag (16 bytes) over the serialized Payload, as in Temporal’s samples', async () => {
  const [encoded] = await new EncryptionCodec([A]).encode([plain()]);
  const data = Buffer.from(encoded!.data!);
  const decipher = createDecipheriv('aes-256-gcm', A.key, data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(data.length - 16));
  const serialized = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
  const payload = proto.temporal.api.common.v1.Payload.decode(serialized);
  assert.deepEqual(defaultPayloadConverter.fromPayload(payload), SECRET_INPUT);
});

test('payloads that are not binary/encrypted pass through decode unchanged (histories from before encryption)', async () => {
  const old = plain();
  const [decoded] = await new EncryptionCodec([A]).decode([old]);
  assert.equal(decoded, old);
});

test('tampering with the IV, ciphertext or tag is refused, as is a different key under the same id', async () => {
  const codec = new EncryptionCodec([A]);
  const [encoded] = await codec.encode([plain()]);
  const length = encoded!.data!.length;
  for (const at of [0, 20, length - 1]) {
    const data = Buffer.from(encoded!.data!);
    data[at]! ^= 0x01;
    await assert.rejects(codec.decode([{ ...encoded!, data }]), /failed authentication/, `byte ${at} flipped`);
  }
  await assert.rejects(codec.decode([{ ...encoded!, data: Buffer.alloc(10) }]), /too short/);
  await assert.rejects(new EncryptionCodec([{ id: 'a', key: randomBytes(32) }]).decode([encoded!]), /failed authentication/);
});

test('an unknown key id is a clear error naming it (and the ids there are), never a key', async () => {
  const [encoded] = await new EncryptionCodec([A]).encode([plain()]);
  await assert.rejects(new EncryptionCodec([B]).decode([encoded!]), (err: Error) => /key "a", which is not among PAYLOAD_ENCRYPTION_KEYS \(b\)/.test(err.message) && !err.message.includes(B.key.toString('base64')));
  const noId = { ...encoded!, metadata: { encoding: encoded!.metadata!.encoding! } };
  await assert.rejects(new EncryptionCodec([A]).decode([noId]), /names no encryption key id/);
});

test('rotation: with keys B,A the old payloads still decode and new ones are written with B', async () => {
  const [old] = await new EncryptionCodec([A]).encode([plain()]);
  const rotated = new EncryptionCodec([B, A]);
  assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!), SECRET_INPUT);
  const [fresh] = await rotated.encode([plain()]);
  assert.equal(meta(fresh!, 'encryption-key-id'), 'b');
  assert.deepEqual(defaultPayloadConverter.fromPayload((await new EncryptionCodec([B]).decode([fresh!]))[0]!), SECRET_INPUT);
});

test('a codec needs a key, and keys of 32 bytes', () => {
  assert.throws(() => new EncryptionCodec([]), /at least one key/);
  assert.throws(() => new EncryptionCodec([{ id: 'x', key: randomBytes(16) }]), /must be 32 bytes/);
});

test('PAYLOAD_ENCRYPTION_KEYS: keyId:base64 of 32 bytes, comma-separated, first one first; bad entries refused without echoing a key', () => {
  const a = randomBytes(32).toString('base64');
  const b = randomBytes(32).toString('base64');
  const keys = loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `2026-12:${b}, 2026-06:${a}` }).temporal.payloadKeys;
  assert.deepEqual(keys.map((k) => k.id), ['2026-12', '2026-06']);
  assert.equal(keys[1]!.key.toString('base64'), a);
  assert.deepEqual(loadConfig({}).temporal.payloadKeys, []);
  const short = randomBytes(16).toString('base64');
  assert.throws(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${short}` }), (err: Error) => /PAYLOAD_ENCRYPTION_KEYS entry 1 \(k1\) must be the base64 of exactly 32 bytes/.test(err.message) && !err.message.includes(short));
  assert.throws(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: a }), /must be keyId:base64-key/);
  assert.throws(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${a},k1:${b}` }), /the key id is used twice/);
  assert.throws(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k 1:${a}` }), /must be keyId:base64-key/);
});

test('npm start without keys: one key is generated into DATA_DIR (owner-only) and read back on the next start', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'payload-key-'));
  try {
    const first = await localPayloadKeys(path.join(dir, 'data'));
    const second = await localPayloadKeys(path.join(dir, 'data'));
    assert.equal(first.length, 1);
    assert.equal(first[0]!.key.length, 32);
    assert.deepEqual(second, first);
    const file = path.join(dir, 'data', LOCAL_PAYLOAD_KEY_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: (await readFile(file, 'utf8')).trim() }).temporal.payloadKeys, first, 'the file is a PAYLOAD_ENCRYPTION_KEYS value');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
