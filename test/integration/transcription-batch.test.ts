import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually } from '../helpers/live.js';
import { getJson, postJson, waitForJob } from '../helpers/stack.js';

const TEXT = 'Testing one two three.';

describeWithStack('POST /v1/transcriptions/batch (real Temporal, PostgreSQL, emulator)', { media: true, transcripts: { 'testing-websocket.wav': TEXT } }, (t) => {
  const batch = (items: unknown[]) => postJson(t.stack.url('/v1/transcriptions/batch'), { items });
  const deepgramCallsFor = (marker: string) => t.parts.emulator.requests().filter((r) => r.sourceUrl?.includes(marker)).length;

  test('each item is answered on its own: accepted ones become jobs that complete, a bad one is refused in its place, a key repeated in the batch is one job', async () => {
    const marker = randomUUID();
    const url = (n: number) => `${t.media.file('testing-websocket.wav')}?m=${marker}&n=${n}`;
    const res = await batch([
      { url: url(1), mode: 'async' },
      { url: url(2), mode: 'async', priority: 1, idempotency_key: `k-${marker}` },
      { url: 'ftp://example.com/a.wav' },
      { url: url(3), options: { smart_format: true }, duration_hint: 4.7 },
      { url: url(2), mode: 'async', priority: 1, idempotency_key: `k-${marker}` },
      { url: url(4), options: { not_an_option: true } },
    ]);
    assert.equal(res.status, 207, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.items.map((i: any) => [i.index, i.status, i.error?.code ?? i.job.status]),
      [
        [0, 202, 'queued'],
        [1, 202, 'queued'],
        [2, 400, 'invalid_url'],
        [3, 202, 'queued'],
        [4, 202, 'queued'],
        [5, 400, 'unknown_option'],
      ],
    );
    assert.deepEqual([res.body.accepted, res.body.replayed, res.body.refused], [3, 1, 2]);
    assert.equal(res.body.items[4].job.id, res.body.items[1].job.id, 'the repeated key names the first item’s job');
    assert.equal(res.body.items[4].replayed, true);
    assert.equal(res.body.items[3].job.mode, 'sync', 'routed by its duration hint, as a single request would be');

    for (const index of [0, 1, 3]) {
      const { id } = res.body.items[index].job;
      const done = await waitForJob(t.stack, id);
      assert.equal(done.status, 'completed');
      assert.equal(done.transcript, index === 3 ? TEXT : 'testing one two three', 'Deepgram’s casing and punctuation only where smart_format asks');
    }
    assert.equal(deepgramCallsFor(`n=2`), 1, 'the job named twice was transcribed once');
    // Each job runs as its own workflow (id = job id) with the attributes the Temporal UI filters by.
    const handle = t.parts.temporal.client.workflow.getHandle(res.body.items[1].job.id);
    await handle.result(); // (the job row says completed a moment before its workflow closes)
    const described = await handle.describe();
    assert.equal(described.type, 'transcriptionJob');
    assert.equal(described.status.name, 'COMPLETED');
    assert.equal(described.searchAttributes.Tenant?.[0], 'default');
    assert.equal(described.searchAttributes.JobMode?.[0], 'async');
    const dispatcher = t.parts.temporal.client.workflow.getHandle(`batch-${res.body.batch_id}`);
    assert.deepEqual(await dispatcher.result(), { started: 3, alreadyStarted: 0 });
  });

  test('the same batch sent again with Idempotency-Keys: the same jobs, finished ones answered 200, nothing transcribed twice; a key reused for another request is 409', async () => {
    const marker = randomUUID();
    const items = [1, 2, 3].map((n) => ({ url: `${t.media.file('testing-websocket.wav')}?m=${marker}&n=${n}`, mode: 'async', idempotency_key: `${marker}-${n}` }));
    const first = await batch(items);
    assert.equal(first.status, 207);
    const ids = first.body.items.map((i: any) => i.job.id);
    for (const id of ids) await waitForJob(t.stack, id);

    const again = await batch([...items, { ...items[0], url: `${items[0]!.url}&other` }]);
    assert.equal(again.status, 207);
    assert.deepEqual(
      again.body.items.map((i: any) => [i.status, i.replayed ?? false, i.job?.id ?? i.error.code]),
      [...ids.map((id: string) => [200, true, id]), [409, false, 'idempotency_conflict']],
    );
    assert.equal(again.body.accepted, 0);
    assert.equal(deepgramCallsFor(marker), 3);
    const rows = await t.parts.db.selectFrom('jobs').select('id').where('idempotency_key', 'like', `${marker}-%`).execute();
    assert.equal(rows.length, 3);
  });

  test('a batch webhook item and a single job sent with the same key are one request', async () => {
    const marker = randomUUID();
    const request = { url: `${t.media.file('testing-websocket.wav')}?m=${marker}`, mode: 'async' };
    const single = await postJson(t.stack.url('/v1/transcriptions'), request, { 'idempotency-key': `single-${marker}` });
    assert.equal(single.status, 202);
    const batched = await batch([{ ...request, idempotency_key: `single-${marker}` }]);
    assert.equal(batched.body.items[0].job.id, single.body.id);
    assert.equal(batched.body.items[0].replayed, true);
  });

  test('whole-batch errors: not a batch, empty, too many items, wrong method', async () => {
    const item = { url: 'https://8.8.8.8/a.wav' };
    for (const [body, message] of [
      [{}, /items/],
      [{ items: [] }, /items/],
      [{ items: [item], extra: 1 }, /Unknown field/],
      [{ items: Array.from({ length: 1001 }, () => item) }, /at most 1000/],
      [[item], /JSON object/],
    ] as const) {
      const res = await postJson(t.stack.url('/v1/transcriptions/batch'), body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(res.body.error.code, 'invalid_request');
      assert.match(res.body.error.message, message);
    }
    const get = await getJson(t.stack.url('/v1/transcriptions/batch'));
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const text = await fetch(t.stack.url('/v1/transcriptions/batch'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(text.status, 415);
  });

  test('a thousand items in one request are accepted in one insert and one start, and every job completes', { timeout: 240_000 }, async () => {
    const marker = randomUUID();
    const items = Array.from({ length: 1000 }, (_, n) => ({ url: `${t.media.file('testing-websocket.wav')}?m=${marker}&n=${n}`, mode: 'async', duration_hint: 4.7 }));
    const res = await batch(items);
    assert.equal(res.status, 207);
    assert.equal(res.body.accepted, 1000);
    const ids = new Set(res.body.items.map((i: any) => i.job.id));
    assert.equal(ids.size, 1000);
    const completed = async () =>
      Number((await t.parts.db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('n')).where('id', 'in', [...ids] as string[]).where('status', '=', 'completed').executeTakeFirstOrThrow()).n);
    await eventually(async () => ((await completed()) === 1000 ? true : undefined), 220_000, 'the thousand jobs to complete');
    assert.equal(deepgramCallsFor(marker), 1000, 'each job transcribed once');
  });
});
