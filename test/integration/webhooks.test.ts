import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { verifyWebhookSignature } from '../../src/client/index.js';
import { freePort, getJson, postJson, startStack, waitForJob } from '../helpers/stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const SECRET = 'test-webhook-secret-0123456789abcdef';

async function until<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeWithStack(
  'webhooks',
  {
    media: true,
    transcripts: { 'testing-websocket.wav': 'Testing one two three.' },
    stack: { env: { WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_INITIAL_INTERVAL_MS: '200', WEBHOOK_RETRY_MAX_INTERVAL_MS: '400' } },
  },
  (t) => {
  let receiver: WebhookReceiver;
  let n = 0;
  const uniqueAudio = () => t.media.put(`wh-${++n}.wav`, t.audio('testing-websocket.wav'));
  before(async () => {
    receiver = await startWebhookReceiver();
    t.defer(() => receiver.close());
  });

  test('a receiver failing 3 times then succeeding gets exactly one successful, signed delivery', async () => {
    receiver.script([500, 503, 502], 200);
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'async', webhook_url: receiver.url, options: { punctuate: true } });
    assert.equal(res.status, 202);
    const id = res.body.id;
    await until(() => receiver.received.filter((r) => r.body?.id === id), (list) => list.some((r) => r.answeredWith === 200));
    await new Promise((r) => setTimeout(r, 1_000)); // nothing more must arrive after the success
    const mine = receiver.received.filter((r) => r.body?.id === id);
    assert.deepEqual(mine.map((r) => r.answeredWith), [500, 503, 502, 200]);
    const eventIds = new Set(mine.map((r) => r.headers['webhook-id']));
    assert.equal(eventIds.size, 1, 'every attempt carries the same event id');
    const last = mine.at(-1)!;
    assert.equal(last.body.event, 'transcription.completed');
    assert.equal(last.body.status, 'completed');
    assert.equal(last.body.transcript, 'Testing one two three.');
    assert.equal(last.body.event_id, last.headers['webhook-id']);
    assert.equal(verifyWebhookSignature(SECRET, last.rawBody, last.headers), true);
    assert.equal(verifyWebhookSignature('wrong-secret', last.rawBody, last.headers), false);
    assert.equal(verifyWebhookSignature(SECRET, last.rawBody.replace('three', 'four'), last.headers), false);

    const log = await getJson(t.stack.url(`/v1/transcriptions/${id}/webhooks`));
    assert.equal(log.status, 200);
    assert.equal(log.body.webhook_url, receiver.url);
    assert.deepEqual(log.body.deliveries.map((d: any) => [d.attempt, d.status_code, d.succeeded]), [[1, 500, false], [2, 503, false], [3, 502, false], [4, 200, true]]);
    assert.equal(log.body.deliveries.filter((d: any) => d.succeeded).length, 1);
  });

  test('a failed job is reported too, with its error', async () => {
    receiver.script([], 200);
    const url = t.media.put(`wh-bad-${++n}.wav`, Buffer.from('not audio at all, sorry '.repeat(30)));
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async', webhook_url: receiver.url });
    const event = await until(() => receiver.received.find((r) => r.body?.id === res.body.id), Boolean);
    assert.equal(event!.body.status, 'failed');
    assert.equal(event!.body.error.code, 'deepgram_rejected');
    assert.equal(event!.body.transcript, undefined);
  });

  test('410 Gone stops deliveries for good', async () => {
    receiver.script([410], 200);
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'sync', webhook_url: receiver.url });
    assert.equal(res.status, 200);
    await until(() => getJson(t.stack.url(`/v1/transcriptions/${res.body.id}/webhooks`)), (r) => r.body.deliveries.length === 1);
    await new Promise((r) => setTimeout(r, 1_500));
    const log = await getJson(t.stack.url(`/v1/transcriptions/${res.body.id}/webhooks`));
    assert.deepEqual(log.body.deliveries.map((d: any) => d.status_code), [410]);
  });

  test('redeliver sends the final event again with the same event id', async () => {
    receiver.script([], 200);
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'sync', webhook_url: receiver.url });
    const first = await until(() => receiver.received.filter((r) => r.body?.id === res.body.id), (l) => l.length === 1);
    const again = await postJson(t.stack.url(`/v1/transcriptions/${res.body.id}/webhooks/redeliver`), {});
    assert.equal(again.status, 202);
    assert.equal(again.body.event_id, first[0]!.headers['webhook-id']);
    const both = await until(() => receiver.received.filter((r) => r.body?.id === res.body.id), (l) => l.length === 2);
    assert.equal(both[1]!.headers['webhook-id'], both[0]!.headers['webhook-id']);
    assert.equal(both[1]!.body.event_id, both[0]!.body.event_id);
  });

  test('redeliver refuses jobs without a webhook or not finished; webhook_url without a secret is refused', async () => {
    const plain = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'sync' });
    const r1 = await postJson(t.stack.url(`/v1/transcriptions/${plain.body.id}/webhooks/redeliver`), {});
    assert.equal(r1.status, 409);
    assert.equal(r1.body.error.code, 'no_webhook');
    const r2 = await postJson(t.stack.url('/v1/transcriptions/nope/webhooks/redeliver'), {});
    assert.equal(r2.status, 404);

    // A tenant with no secret of its own (no WEBHOOK_SECRET ever set, none from the admin API) cannot get webhooks.
    await t.parts.db.updateTable('tenants').set({ webhook_secret: null }).where('id', '=', 'default').execute();
    const unsigned = await startStack(t.parts, { env: { WEBHOOK_SECRET: '' } });
    try {
      const r3 = await postJson(unsigned.url('/v1/transcriptions'), { url: uniqueAudio(), webhook_url: receiver.url });
      assert.equal(r3.status, 422);
      assert.equal(r3.body.error.code, 'webhooks_not_configured');
    } finally {
      await unsigned.stop();
      await t.parts.db.updateTable('tenants').set({ webhook_secret: SECRET }).where('id', '=', 'default').execute();
    }
  });

  test('a receiver that cannot be reached: the delivery log says connection_refused, never the address or the raw error', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/hooks`;
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'sync', webhook_url: closed });
    const log = await until(
      async () => (await getJson(t.stack.url(`/v1/transcriptions/${res.body.id}/webhooks`))).body.deliveries as any[],
      (deliveries) => deliveries.length > 0,
    );
    assert.equal(log[0].error, 'connection_refused');
    assert.equal(log[0].status_code, null);
    assert.doesNotMatch(JSON.stringify(log), /127\.0\.0\.1|ECONNREFUSED/);
  });

  test('webhook URLs pointing at private addresses are refused by default (SSRF guard)', async () => {
    const guarded = await startStack(t.parts, { env: { ALLOW_PRIVATE_URLS: 'false', WEBHOOK_SECRET: SECRET } });
    try {
      const r1 = await postJson(guarded.url('/v1/transcriptions'), { url: 'https://8.8.8.8/a.wav', webhook_url: 'http://169.254.169.254/latest' });
      assert.equal(r1.status, 422);
      assert.equal(r1.body.error.code, 'url_not_allowed');
      assert.match(r1.body.error.message, /webhook_url/);
      const r2 = await postJson(guarded.url('/v1/transcriptions'), { url: t.media.file('preamble-rest.wav') });
      assert.equal(r2.status, 422);
      assert.equal(r2.body.error.code, 'url_not_allowed');
      assert.match(r2.body.error.message, /non-public address/);
    } finally {
      await guarded.stop();
    }
    void waitForJob;
  });
});
