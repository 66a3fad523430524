import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DeepgramClient } from '@deepgram/sdk';
import { Webhook } from 'standardwebhooks';
import { verifyWebhookSignature } from '../../src/client/index.js';
import { silentWav } from '../helpers/audio.js';
import { eventually, openRawLive, sendAudio, sleep } from '../helpers/live.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/paths.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const ADMIN = 'admin-secret-0123456789abcdef';
const BOOT = 'bootstrap-secret-0123456789';
const TEXT = 'testing one two three';

/** Tenancy through the real API: two tenants' keys, isolation, key management, usage, budgets, live ownership, webhooks. */
describeWithStack(
  'tenants and keys',
  {
    media: true,
    transcripts: { 'testing-websocket.wav': TEXT },
    stack: { env: { ADMIN_API_KEY: ADMIN, API_KEYS: `boot:${BOOT}`, KEY_CACHE_MS: '1000', RATE_LIMIT_PER_MINUTE: '0' } },
    streaming: true,
  },
  (t) => {
  const tenants = {} as Record<'acme' | 'globex', { id: string; webhookSecret: string; key: string; keyId: string }>;

  const call = async (method: string, pathname: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(t.stack.url(pathname), {
      method,
      headers: { ...(key ? { authorization: `Token ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : null };
  };
  const admin = (method: string, pathname: string, body?: unknown) => call(method, `/v1/admin${pathname}`, ADMIN, body);
  const upload = (key: string, wav: Buffer, query = 'mode=sync', headers: Record<string, string> = {}) =>
    fetch(t.stack.url(`/v1/transcriptions?${query}`), { method: 'POST', headers: { authorization: `Token ${key}`, 'content-type': 'audio/wav', ...headers }, body: wav }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as any,
    }));
  const waitDone = (key: string, id: string) =>
    eventually(async () => {
      const res = await call('GET', `/v1/transcriptions/${id}`, key);
      return ['completed', 'failed'].includes(res.body.status) ? res.body : undefined;
    }, 30_000, `job ${id}`);

  let receiver: WebhookReceiver;
  const audio = () => t.audio('testing-websocket.wav');

  before(async () => {
    receiver = await startWebhookReceiver();
    t.defer(() => receiver.close());
    for (const name of ['acme', 'globex'] as const) {
      const created = await admin('POST', '/tenants', { name });
      assert.equal(created.status, 201);
      const key = await admin('POST', '/keys', { tenant: name, name: `${name}-server` });
      assert.equal(key.status, 201);
      tenants[name] = { id: created.body.id, webhookSecret: created.body.webhook_secret, key: key.body.secret, keyId: key.body.id };
    }
  });

  test('admin API: only the admin key; tenants and keys are created, listed and shown once; bad input is refused', async () => {
    assert.equal((await call('GET', '/v1/admin/keys', undefined)).status, 401);
    assert.equal((await call('GET', '/v1/admin/keys', 'not-the-admin-key-at-all')).status, 401);
    const withTenantKey = await call('GET', '/v1/admin/keys', tenants.acme.key);
    assert.equal(withTenantKey.status, 403);
    assert.equal(withTenantKey.body.error.code, 'forbidden');

    const list = await admin('GET', '/keys');
    assert.equal(list.status, 200);
    const acmeKey = list.body.data.find((k: any) => k.id === tenants.acme.keyId);
    assert.equal(acmeKey.tenant.name, 'acme');
    assert.equal(acmeKey.status, 'active');
    assert.equal(acmeKey.prefix, tenants.acme.key.slice(0, 12), 'a prefix recognises the key');
    assert.ok(!JSON.stringify(list.body).includes(tenants.acme.key), 'secrets are never listed');
    assert.ok(list.body.data.some((k: any) => k.id === 'env.boot' && k.source === 'env'), 'API_KEYS entries are keys of their own tenant');
    const stored = await t.parts.db.selectFrom('api_keys').select('secret_hash').where('id', '=', tenants.acme.keyId).executeTakeFirstOrThrow();
    assert.notEqual(stored.secret_hash, tenants.acme.key, 'only a hash is stored');

    assert.equal((await admin('POST', '/tenants', { name: 'acme' })).body.error.code, 'tenant_exists');
    assert.equal((await admin('POST', '/tenants', { name: 'no spaces allowed' })).status, 400);
    assert.equal((await admin('POST', '/keys', { tenant: 'nobody' })).status, 404);
    assert.equal((await admin('DELETE', '/keys/key_unknown')).status, 404);
    const region = await admin('POST', '/keys', { tenant: 'acme', region: 'mars' });
    assert.equal(region.status, 422);
    assert.equal(region.body.error.code, 'unknown_region');
    assert.equal((await admin('POST', '/keys', { tenant: 'acme', max_live_sessions: -1 })).status, 400);
    assert.equal((await admin('POST', '/keys', { tenant: 'acme', surprise: 1 })).status, 400);
  });

  test("one tenant never sees another's jobs: reads, lists, cancel, delete, webhooks and redelivery answer 404", async () => {
    const { acme, globex } = tenants;
    const submitted = await call('POST', '/v1/transcriptions', acme.key, { url: t.media.put('iso.wav', audio()), mode: 'async', webhook_url: receiver.url }, { 'idempotency-key': 'order-1' });
    assert.equal(submitted.status, 202);
    const id = submitted.body.id;
    assert.notEqual(id, 'order-1', 'job ids are always the server\'s');
    await waitDone(acme.key, id);

    for (const [method, pathname] of [
      ['GET', `/v1/transcriptions/${id}`],
      ['GET', `/v1/transcriptions/${id}?format=txt`],
      ['POST', `/v1/transcriptions/${id}/cancel`],
      ['GET', `/v1/transcriptions/${id}/webhooks`],
      ['POST', `/v1/transcriptions/${id}/webhooks/redeliver`],
      ['DELETE', `/v1/transcriptions/${id}`],
    ] as const) {
      const res = await call(method, pathname, globex.key);
      assert.equal(res.status, 404, `${method} ${pathname}`);
      assert.equal(res.body.error.code, 'not_found');
      assert.equal(res.body.error.message, `No transcription with id ${id}`, 'exactly what an unknown id answers');
    }
    const unknown = await call('GET', '/v1/transcriptions/00000000-0000-0000-0000-000000000000', globex.key);
    assert.equal(unknown.body.error.message, 'No transcription with id 00000000-0000-0000-0000-000000000000');
    assert.ok(!(await call('GET', '/v1/transcriptions?limit=100', globex.key)).body.data.some((j: any) => j.id === id));
    assert.ok((await call('GET', '/v1/transcriptions?limit=100', acme.key)).body.data.some((j: any) => j.id === id));
    assert.equal((await call('GET', `/v1/transcriptions/${id}`, acme.key)).body.transcript, TEXT, 'the job is untouched');

    // The same Idempotency-Key from another tenant is another job, never a replay of acme's.
    const other = await call('POST', '/v1/transcriptions', globex.key, { url: t.media.put('iso.wav', audio()), mode: 'async' }, { 'idempotency-key': 'order-1' });
    assert.equal(other.status, 202);
    assert.notEqual(other.body.id, id);
    assert.equal(other.headers.get('idempotent-replayed'), null);
    const replay = await call('POST', '/v1/transcriptions', acme.key, { url: t.media.put('iso.wav', audio()), mode: 'async', webhook_url: receiver.url }, { 'idempotency-key': 'order-1' });
    assert.equal(replay.body.id, id, 'the owner replays its own key');
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');

    // Every row the job left behind carries its tenant.
    // (The delivery is logged when it is attempted, just after the job completes.)
    const deliveries = await eventually(async () => {
      const rows = await t.parts.db.selectFrom('webhook_deliveries').select('tenant_id').where('job_id', '=', id).execute();
      return rows.length > 0 ? rows : undefined;
    }, 10_000, 'the webhook delivery to be logged');
    assert.ok(deliveries.every((d) => d.tenant_id === acme.id));
    const uploaded = await upload(globex.key, silentWav(1));
    const job = await t.parts.db.selectFrom('jobs').select(['tenant_id', 'source']).where('id', '=', uploaded.body.id).executeTakeFirstOrThrow();
    const blob = await t.parts.db.selectFrom('audio_blobs').select('tenant_id').where('id', '=', (job.source as any).blobId).executeTakeFirstOrThrow();
    assert.deepEqual([job.tenant_id, blob.tenant_id], [globex.id, globex.id]);
  });

  test('the unmodified Deepgram SDK with each tenant\'s key: jobs land in that tenant only', async () => {
    const { acme, globex } = tenants;
    const dg = new DeepgramClient({ apiKey: acme.key, baseUrl: t.stack.api.url, maxRetries: 0 });
    const response: any = await dg.listen.v1.media.transcribeFile(audio(), { model: 'nova-3' });
    assert.equal(response.results.channels[0].alternatives[0].transcript, TEXT);
    const acmeJobs = (await call('GET', '/v1/transcriptions?limit=100', acme.key)).body.data.map((j: any) => j.id);
    const globexJobs = (await call('GET', '/v1/transcriptions?limit=100', globex.key)).body.data.map((j: any) => j.id);
    const newest = acmeJobs[0];
    assert.ok(!globexJobs.includes(newest));
    const revokedSdk = new DeepgramClient({ apiKey: 'dtk_not-a-key-we-issued', baseUrl: t.stack.api.url, maxRetries: 0 });
    await assert.rejects(revokedSdk.listen.v1.media.transcribeFile(audio(), { model: 'nova-3' }), (err: any) => err.statusCode === 401 && err.body?.err_code === 'INVALID_AUTH');

    const visible = await t.parts.temporal.client.workflow.list({ query: `Tenant = "acme"` });
    const ids: string[] = [];
    for await (const wf of visible) ids.push(wf.workflowId);
    assert.ok(ids.includes(newest), 'the Temporal UI filters by Tenant');
  });

  test('usage is metered per tenant, once per job: GET /v1/usage for the caller, the admin view for all', async () => {
    const { acme, globex } = tenants;
    const job = await upload(globex.key, silentWav(3));
    assert.equal(job.status, 200);
    const usage = await call('GET', '/v1/usage?group_by=mode', globex.key);
    assert.equal(usage.status, 200);
    assert.deepEqual(usage.body.data.map((r: any) => [r.tenant.name, r.mode]), [['globex', 'prerecorded']]);
    const seconds = usage.body.data[0].audio_seconds;
    assert.ok(seconds >= 3, `globex used at least its 3 s upload (${seconds})`);
    const byModel = await call('GET', '/v1/usage?group_by=model', globex.key);
    assert.ok(byModel.body.data.every((r: any) => typeof r.model === 'string'));
    const byDay = await call('GET', '/v1/usage?group_by=day', acme.key);
    assert.ok(byDay.body.data.every((r: any) => r.tenant.name === 'acme' && /^\d{4}-\d{2}-\d{2}$/.test(r.day)));
    const all = await admin('GET', '/usage?group_by=tenant');
    assert.deepEqual(all.body.data.map((r: any) => r.tenant.name).sort(), ['acme', 'globex']);
    const rows = await t.parts.db.selectFrom('usage_records').select(['source_id']).execute();
    assert.equal(new Set(rows.map((r) => r.source_id)).size, rows.length, 'one usage row per job');
    assert.equal((await call('GET', '/v1/usage?group_by=week', acme.key)).status, 400);
    assert.equal((await call('GET', '/v1/usage?from=yesterday', acme.key)).status, 400);
    assert.equal((await call('GET', '/v1/admin/usage', acme.key)).status, 403);
  });

  test('budgets: work under the budget is accepted; a job that would overrun it is 402 budget_exceeded with what is left', async () => {
    const key = await admin('POST', '/keys', { tenant: 'globex', name: 'metered', monthly_audio_seconds: 10 });
    const secret = key.body.secret;
    assert.equal((await upload(secret, silentWav(4))).status, 200);
    assert.equal((await upload(secret, silentWav(4))).status, 200, '8 of 10 s used: still under the budget');
    const over = await upload(secret, silentWav(4));
    assert.equal(over.status, 402);
    assert.equal(over.body.error.code, 'budget_exceeded');
    assert.ok(Math.abs(over.body.error.details.remaining_seconds - 2) < 0.01, JSON.stringify(over.body));
    assert.equal((await upload(secret, silentWav(1.5))).status, 200, 'what fits is still accepted');
    const dg = new DeepgramClient({ apiKey: secret, baseUrl: t.stack.api.url, maxRetries: 0 });
    await assert.rejects(dg.listen.v1.media.transcribeFile(silentWav(4), {}), (err: any) => err.statusCode === 402 && err.body?.err_code === 'ASR_PAYMENT_REQUIRED');
  });

  test('`npm run keys`: create (with its tenant), list, rotate and revoke from the command line, live on the running API', async () => {
    const keys = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main/keys.ts', ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, DATABASE_URL: t.parts.databaseUrl, LOG_LEVEL: 'silent' },
      });
      return JSON.parse(stdout);
    };
    const created = await keys('create', '--tenant', 'initech', '--name', 'cli', '--rate-limit', '100', '--monthly-audio-seconds', '3600');
    assert.match(created.secret, /^dtk_/);
    assert.match(created.tenant_webhook_secret, /^whsec_/, 'a new tenant comes with its webhook secret');
    assert.equal(created.monthly_audio_seconds, 3600);
    assert.equal((await call('GET', '/v1/transcriptions', created.secret)).status, 200, 'the running API takes the new key at once');
    const listed = await keys('list', '--tenant', 'initech');
    assert.deepEqual(listed.map((k: any) => k.id), [created.id]);
    assert.ok(!JSON.stringify(listed).includes(created.secret));
    const rotated = await keys('rotate', created.id);
    await eventually(async () => ((await call('GET', '/v1/transcriptions', rotated.secret)).status === 200 ? true : undefined), 5_000, 'the rotated secret');
    await keys('revoke', created.id);
    await eventually(async () => ((await call('GET', '/v1/transcriptions', rotated.secret)).status === 401 ? true : undefined), 5_000, 'the revoked key to be refused');
    await assert.rejects(keys('revoke', 'key_nope'), /No API key with id key_nope/);
  });

  test('a revoked key stops working within 5 s; a rotated key keeps its id with a new secret, the old one refused', async () => {
    const made = await admin('POST', '/keys', { tenant: 'globex', name: 'short-lived' });
    assert.equal((await call('GET', '/v1/streams', made.body.secret)).status, 200);
    assert.equal((await admin('DELETE', `/keys/${made.body.id}`)).status, 204);
    const revokedAt = Date.now();
    await eventually(async () => ((await call('GET', '/v1/streams', made.body.secret)).status === 401 ? true : undefined), 5_000, 'the revoked key to be refused');
    assert.ok(Date.now() - revokedAt < 5_000);
    assert.equal((await admin('GET', '/keys')).body.data.find((k: any) => k.id === made.body.id).status, 'revoked');
    assert.equal((await admin('POST', `/keys/${made.body.id}/rotate`)).status, 409);

    const rotating = await admin('POST', '/keys', { tenant: 'globex', name: 'rotating' });
    const rotated = await admin('POST', `/keys/${rotating.body.id}/rotate`);
    assert.equal(rotated.status, 200);
    assert.equal(rotated.body.id, rotating.body.id);
    assert.notEqual(rotated.body.secret, rotating.body.secret);
    assert.equal((await call('GET', '/v1/streams', rotated.body.secret)).status, 200);
    await eventually(async () => ((await call('GET', '/v1/streams', rotating.body.secret)).status === 401 ? true : undefined), 5_000, 'the old secret to be refused');
  });

  test('webhooks are signed with the tenant\'s own secret (Standard Webhooks); while rotating, both signatures are sent', async () => {
    const { acme, globex } = tenants;
    const deliveredFor = async (id: string) =>
      eventually(async () => receiver.received.find((r) => r.body?.id === id && r.answeredWith === 200), 20_000, `webhook of ${id}`);
    const first = await call('POST', '/v1/transcriptions', acme.key, { url: t.media.put('wh1.wav', audio()), mode: 'sync', webhook_url: receiver.url });
    const delivered = await deliveredFor(first.body.id);
    assert.ok(verifyWebhookSignature(acme.webhookSecret, delivered.rawBody, delivered.headers));
    assert.ok(!verifyWebhookSignature(globex.webhookSecret, delivered.rawBody, delivered.headers), "another tenant's secret does not verify it");
    // The spec's own library verifies it as sent.
    new Webhook(acme.webhookSecret).verify(delivered.rawBody, delivered.headers as Record<string, string>);

    const rotated = await admin('POST', `/tenants/${acme.id}/webhook-secret`, { overlap_seconds: 3600 });
    assert.equal(rotated.status, 200);
    const second = await call('POST', '/v1/transcriptions', acme.key, { url: t.media.put('wh2.wav', audio()), mode: 'sync', webhook_url: receiver.url });
    const during = await deliveredFor(second.body.id);
    assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2, 'one signature per secret');
    assert.ok(verifyWebhookSignature(acme.webhookSecret, during.rawBody, during.headers), 'receivers on the old secret keep working');
    assert.ok(verifyWebhookSignature(rotated.body.webhook_secret, during.rawBody, during.headers), 'receivers on the new one too');
  });

  test('live: sessions are the owner\'s; another tenant cannot resume or read one; a plain resume does not steal it; takeover does', { timeout: 60_000 }, async () => {
    const { acme, globex } = tenants;
    const query = 'model=nova-2&encoding=linear16&sample_rate=16000&interim_results=true';
    const first = await openRawLive(`${t.streaming.url}/v1/listen?${query}`, ['token', acme.key]);
    await sendAudio((c) => first.ws.send(c), audio().subarray(44), 3200, 20);
    const result = await first.waitFor((m) => m.type === 'Results');
    const sessionId = result.metadata.request_id;

    const stranger = new URL(`${t.streaming.url}/v1/listen?${query}&session_id=${sessionId}`);
    const byGlobex = await refusedUpgradeWithKey(stranger.toString(), globex.key);
    assert.equal(byGlobex.status, 404);
    assert.equal(byGlobex.body.error.code, 'not_found');
    assert.equal((await call('GET', `/v1/streams/${sessionId}`, globex.key)).status, 404);
    assert.equal((await call('POST', `/v1/streams/${sessionId}/close`, globex.key)).status, 404);
    assert.ok(!(await call('GET', '/v1/streams?limit=100', globex.key)).body.data.some((s: any) => s.id === sessionId));

    const plain = await refusedUpgradeWithKey(stranger.toString(), acme.key);
    assert.equal(plain.status, 409);
    assert.equal(plain.body.error.code, 'session_in_use');
    assert.match(plain.body.error.message, /takeover=true/);

    const takeover = await openRawLive(`${t.streaming.url}/v1/listen?${query}&session_id=${sessionId}&takeover=true`, ['token', acme.key]);
    const old = await first.closed;
    assert.equal(old.code, 1008);
    assert.match(old.reason, /taken over/);
    takeover.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await takeover.closed).code, 1000);
    const session = await eventually(async () => {
      const res = await call('GET', `/v1/streams/${sessionId}`, acme.key);
      return res.body.status === 'ended' ? res.body : undefined;
    });
    assert.equal(session.resume_count, 1);
    const segments = await t.parts.db.selectFrom('live_segments').select('tenant_id').where('session_id', '=', sessionId).execute();
    assert.ok(segments.length > 0 && segments.every((r) => r.tenant_id === acme.id), 'final results carry the tenant too');
    const usage = await t.parts.db.selectFrom('usage_records').selectAll().where('source_id', '=', sessionId).execute();
    assert.equal(usage.length, 1, 'the session is metered once');
    assert.equal(usage[0]!.mode, 'live');
    assert.equal(usage[0]!.tenant_id, acme.id);
    assert.ok(Math.abs(usage[0]!.audio_seconds - session.audio_seconds) < 0.01);
  });

  test('live: a key\'s max_live_sessions is its own cap (1013); a spent budget ends its session with a close frame naming it', { timeout: 60_000 }, async () => {
    const capped = await admin('POST', '/keys', { tenant: 'globex', name: 'one-stream', max_live_sessions: 1, monthly_audio_seconds: 1 });
    const query = 'model=nova-2&encoding=linear16&sample_rate=16000';
    const first = await openRawLive(`${t.streaming.url}/v1/listen?${query}`, ['token', capped.body.secret]);
    // Admission follows the WebSocket handshake: let the first session take its place before the second asks.
    await eventually(async () => {
      const admitted = await t.parts.db.selectFrom('live_sessions').select('id').where('api_key_id', '=', capped.body.id).execute();
      return admitted.length === 1 ? true : undefined;
    }, 10_000, 'the first session to be admitted');
    const second = await openRawLive(`${t.streaming.url}/v1/listen?${query}`, ['token', capped.body.secret]);
    const refused = await second.closed;
    assert.equal(refused.code, 1013);
    assert.match(refused.reason, /max_live_sessions=1/);

    // 1 s of budget: streaming past it ends the session (finals stored, Metadata sent) with 1008 BUDGET_EXCEEDED.
    const pcm = audio().subarray(44);
    const streamingDone = sendAudio((c) => first.ws.readyState === first.ws.OPEN && first.ws.send(c), Buffer.concat([pcm, pcm, pcm]), 3200, 100);
    const closed = await first.closed;
    await streamingDone;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /BUDGET_EXCEEDED/);
    assert.ok(first.messages.some((m) => m.type === 'Metadata'), 'flushed and told, like a normal end');
    await sleep(200);
    const over = await upload(capped.body.secret, silentWav(1));
    assert.equal(over.status, 402, 'the budget is spent for REST too');
  });
});

/** The refusal of a live upgrade made with a key (the Authorization header, as the SDKs send it). */
async function refusedUpgradeWithKey(url: string, key: string) {
  const WebSocket = (await import('ws')).default;
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Token ${key}` } });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}

