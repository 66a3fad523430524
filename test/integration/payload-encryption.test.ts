import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { jobStatusQuery } from '../../src/client/index.js';
import { parsePayloadKeys, type PayloadKey } from '../../src/config.js';
import { EncryptionCodec, encryptedDataConverter } from '../../src/temporal/encryption-codec.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { historyPayloads } from '../helpers/history-payloads.js';
import { postJson, startStack, waitForJob, type Stack } from '../helpers/stack.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const UI_ORIGIN = 'http://127.0.0.1:8233'; // the Temporal UI the test stacks name (helpers/stack.ts)
const MARKERS = { url: `url-marker-${randomBytes(4).toString('hex')}`, option: `option-marker-${randomBytes(4).toString('hex')}`, webhook: `webhook-marker-${randomBytes(4).toString('hex')}` };

const keyEntry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const keysOf = (env: string) => parsePayloadKeys(env) as PayloadKey[];
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

async function rawHistory(client: Client, workflowId: string) {
  return client.workflow.getHandle(workflowId).fetchHistory();
}

/** POSTs payloads to a stack's codec endpoint the way the Temporal UI does. */
async function codec(stack: Stack, direction: 'decode' | 'encode', payloads: Payload[], headers: Record<string, string> = {}) {
  const res = await fetch(stack.url(`/v1/admin/codec/${direction}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI_ORIGIN, ...headers },
    body: JSON.stringify({ payloads: payloads.map(toJson) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

async function submit(stack: Stack, media: { file(name: string): string }, extra: Record<string, unknown> = {}) {
  const created = await postJson(stack.url('/v1/transcriptions'), {
    url: `${media.file('testing-websocket.wav')}?${MARKERS.url}=1`,
    mode: 'sync',
    options: { tag: MARKERS.option },
    ...extra,
  });
  assert.ok(created.status === 200 || created.status === 202, JSON.stringify(created.body));
  assert.equal((await waitForJob(stack, created.body.id)).status, 'completed');
  return created.body.id as string;
}

describeWithStack(
  'Temporal payloads are encrypted (AES-256-GCM, binary/encrypted) and the codec endpoint reads them for the admin',
  { media: true, transcripts: { 'testing-websocket.wav': 'testing one two three' }, stack: { env: { ADMIN_API_KEY: ADMIN_KEY } } },
  (t) => {
    let jobId: string;
    let payloads: Payload[];

    test('a job’s real history in Temporal: every payload binary/encrypted under the key id, no input readable anywhere in it', async () => {
      const receiver = await startWebhookReceiver();
      t.defer(() => receiver.close());
      jobId = await submit(t.stack, t.media, { webhook_url: `${receiver.url}/${MARKERS.webhook}` });
      const history = await rawHistory(t.parts.temporal.client, jobId);
      payloads = historyPayloads(history);
      // Input, the patch marker, the Deepgram call's result (a local activity's marker), the webhook child's input, the result.
      assert.ok(payloads.length >= 4, `the history has payloads (${payloads.length})`);
      for (const p of payloads) {
        assert.equal(text(p.metadata?.encoding), 'binary/encrypted', text(p.data));
        assert.equal(text(p.metadata?.['encryption-key-id']), 'test-1');
        assert.ok(!text(p.data).includes(jobId), 'no job id inside a payload');
      }
      // Everything else in the history too (ids, the SDK's marker bookkeeping, search attributes): none of the input.
      const raw = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      for (const [what, marker] of Object.entries(MARKERS)) assert.ok(!raw.includes(marker), `the ${what} is not in the stored history`);
      for (const plain of ['testing one two three', 'nova']) assert.ok(!raw.includes(plain), `"${plain}" is not in the stored history`);
    });

    test('the codec endpoint decodes those payloads for the admin key; the UI’s origin may call it (preflight included)', async () => {
      const res = await codec(t.stack, 'decode', payloads, { authorization: `Token ${ADMIN_KEY}` });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), UI_ORIGIN);
      assert.equal(res.body.payloads.length, payloads.length);
      const decoded: Payload[] = res.body.payloads.map(fromJson);
      assert.ok(decoded.every((p) => text(p.metadata?.encoding) !== 'binary/encrypted'));
      const values = JSON.stringify(decoded.filter((p) => text(p.metadata?.encoding) === 'json/plain').map((p) => defaultPayloadConverter.fromPayload(p)));
      assert.ok(values.includes(jobId), 'the workflow input is readable again');
      assert.ok(!values.includes(MARKERS.option) && !values.includes(MARKERS.url), 'decoded, still no source URL or options: the job row holds them');

      const roundTrip = await codec(t.stack, 'encode', [defaultPayloadConverter.toPayload({ hello: 'ui' })], { authorization: `Bearer ${ADMIN_KEY}` });
      assert.equal(roundTrip.status, 200);
      const [encoded] = roundTrip.body.payloads.map(fromJson) as Payload[];
      assert.equal(text(encoded!.metadata?.encoding), 'binary/encrypted');
      assert.deepEqual(defaultPayloadConverter.fromPayload((await new EncryptionCodec(t.stack.config.temporal.payloadKeys).decode([encoded!]))[0]!), { hello: 'ui' });

      const preflight = await fetch(t.stack.url('/v1/admin/codec/decode'), {
        method: 'OPTIONS',
        headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/i);
      const foreign = await fetch(t.stack.url('/v1/admin/codec/decode'), { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(foreign.headers.get('access-control-allow-origin'), null, 'no other origin');
    });

    test('refused without the admin key (401, readable by the UI), a payload it cannot open is 422, a tenant key is 403', async () => {
      const none = await codec(t.stack, 'decode', payloads);
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, 'unauthorized');
      assert.equal(none.headers.get('access-control-allow-origin'), UI_ORIGIN, 'the UI can show why');
      assert.ok(!JSON.stringify(none.body).includes(MARKERS.option));
      const wrong = await codec(t.stack, 'decode', payloads, { authorization: 'Token not-the-admin-key-at-all' });
      assert.equal(wrong.status, 401);

      const tampered = { ...payloads[0]!, data: Buffer.from(payloads[0]!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
      const refused = await codec(t.stack, 'decode', [tampered], { authorization: `Token ${ADMIN_KEY}` });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'undecodable_payload');
      const malformed = await fetch(t.stack.url('/v1/admin/codec/decode'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Token ${ADMIN_KEY}` }, body: '{"payloads":"no"}' });
      assert.equal(malformed.status, 400);

      // Last: once a key exists the API is no longer open to anyone without one.
      const tenant = await postJson(t.stack.url('/v1/admin/tenants'), { name: 'acme' }, { authorization: `Token ${ADMIN_KEY}` });
      const key = await postJson(t.stack.url('/v1/admin/keys'), { tenant: tenant.body.id }, { authorization: `Token ${ADMIN_KEY}` });
      assert.equal(key.status, 201);
      const asTenant = await codec(t.stack, 'decode', payloads, { authorization: `Token ${key.body.secret}` });
      assert.equal(asTenant.status, 403);
      assert.equal(asTenant.body.error.code, 'forbidden');
    });
  },
);

describeWithStack('payload key rotation: history written with key A is read after the keys become B,A; new payloads use B', { media: true, stack: false }, (t) => {
  test('A, then B,A on the same task queue', { timeout: 90_000 }, async () => {
    const envA = keyEntry('a');
    const envB = keyEntry('b');
    const before = await startStack(t.parts, { env: { PAYLOAD_ENCRYPTION_KEYS: envA } });
    let oldJob: string;
    try {
      oldJob = await submit(before, t.media);
    } finally {
      await before.stop();
    }
    const rotated = await startStack(t.parts, { env: { PAYLOAD_ENCRYPTION_KEYS: `${envB},${envA}`, TEMPORAL_TASK_QUEUE: before.config.temporal.taskQueue } });
    t.defer(() => rotated.stop());
    const client = new Client({ connection: t.parts.temporal.connection, dataConverter: encryptedDataConverter(keysOf(`${envB},${envA}`)) });

    const oldPayloads = historyPayloads(await rawHistory(client, oldJob));
    assert.ok(oldPayloads.every((p) => text(p.metadata?.['encryption-key-id']) === 'a'));
    // A query on a closed workflow makes the rotated worker replay the A history: it must decrypt it to answer.
    assert.equal((await client.workflow.getHandle(oldJob).query(jobStatusQuery)).status, 'completed');
    const decoded = await codec(rotated, 'decode', oldPayloads);
    assert.equal(decoded.status, 200, JSON.stringify(decoded.body));
    assert.ok(JSON.stringify(decoded.body.payloads.map(fromJson).map((p: Payload) => text(p.data))).includes(oldJob));

    const newJob = await submit(rotated, t.media);
    const newPayloads = historyPayloads(await rawHistory(client, newJob));
    assert.ok(newPayloads.length > 0);
    assert.deepEqual([...new Set(newPayloads.map((p) => text(p.metadata?.['encryption-key-id'])))], ['b']);

    // Once A is dropped, its histories are unreadable, with a reason that names the key.
    await assert.rejects(new EncryptionCodec(keysOf(envB)).decode(oldPayloads), /key "a", which is not among PAYLOAD_ENCRYPTION_KEYS \(b\)/);
  });
});
