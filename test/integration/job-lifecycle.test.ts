import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson, postJson, startStack, untilDeepgramBusy, waitForJob } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const PREAMBLE = 'We, the people of The United States, in order to form a more perfect union, establish justice.';

describeWithStack('job lifecycle: idempotency, listing, cancel, delete, formats, Temporal visibility', { media: true, transcripts: { 'preamble-rest.wav': PREAMBLE } }, (t) => {
  let n = 0;
  const uniqueAudio = () => t.media.put(`lc-${++n}.wav`, t.audio('preamble-rest.wav'));

  test('Idempotency-Key: the same request returns the original job; a different one is 409', async () => {
    const url = uniqueAudio();
    const key = `order-${Date.now()}`;
    const first = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'sync' }, { 'idempotency-key': key });
    assert.equal(first.status, 200);
    assert.notEqual(first.body.id, key, 'job (and workflow) ids are always the server\'s, never the client\'s key');
    const again = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'sync' }, { 'idempotency-key': key });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.transcript, first.body.transcript);
    assert.equal(t.parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === url).length, 1, 'Deepgram was called once');

    const different = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' }, { 'idempotency-key': key });
    assert.equal(different.status, 409);
    assert.equal(different.body.error.code, 'idempotency_conflict');
    const bad = await postJson(t.stack.url('/v1/transcriptions'), { url }, { 'idempotency-key': 'has spaces!' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_idempotency_key');
  });

  test('Idempotency-Key under concurrency: five identical requests make one job and one Deepgram call', async () => {
    const url = uniqueAudio();
    const key = `burst-${Date.now()}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' }, { 'idempotency-key': key })));
    // The request that made the job is answered 202; the replays 202 while it runs, or 200 if it finished first.
    const originals = results.filter((r) => r.headers.get('idempotent-replayed') !== 'true');
    assert.equal(originals.length, 1, 'one request made the job, four were replays');
    assert.equal(originals[0]!.status, 202);
    for (const replay of results.filter((r) => r !== originals[0])) {
      if (replay.status === 200) assert.equal(replay.body.status, 'completed');
      else assert.equal(replay.status, 202);
    }
    const ids = new Set(results.map((r) => r.body.id));
    assert.equal(ids.size, 1, 'one job for all five');
    await waitForJob(t.stack, [...ids][0]!);
    assert.equal(t.parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === url).length, 1);
  });

  test('without a key every request is a new job', async () => {
    const url = uniqueAudio();
    const a = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    const b = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    assert.notEqual(a.body.id, b.body.id);
    await waitForJob(t.stack, a.body.id);
    await waitForJob(t.stack, b.body.id);
  });

  test('listing: newest first, filtered by status and mode, cursor pagination without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await getJson(t.stack.url(`/v1/transcriptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      assert.equal(page.status, 200);
      assert.ok(page.body.data.length <= 2);
      seen.push(...page.body.data.map((j: any) => j.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    const all = await t.parts.db.selectFrom('jobs').select(['id', 'created_at']).where('status', '!=', 'deleted').orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    assert.deepEqual(seen, all.map((r) => r.id));
    assert.equal(new Set(seen).size, seen.length);

    const async = await getJson(t.stack.url('/v1/transcriptions?mode=async&status=completed&limit=100'));
    assert.ok(async.body.data.length >= 3);
    assert.ok(async.body.data.every((j: any) => j.mode === 'async' && j.status === 'completed'));
    for (const q of ['status=done', 'mode=live', 'limit=0', 'limit=101', 'cursor=garbage']) {
      const bad = await getJson(t.stack.url(`/v1/transcriptions?${q}`));
      assert.equal(bad.status, 400, q);
    }
  });

  test('cancel: the in-flight Deepgram call is abandoned and the job ends canceled', async () => {
    t.parts.emulator.injectFault({ latencyMs: 30_000 });
    const url = uniqueAudio();
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async' });
    await untilDeepgramBusy(t.parts.emulator, 10_000);
    const canceled = await postJson(t.stack.url(`/v1/transcriptions/${res.body.id}/cancel`), {});
    assert.equal(canceled.status, 200);
    assert.equal(canceled.body.status, 'canceled');
    const handle = t.parts.temporal.client.workflow.getHandle(res.body.id);
    await assert.rejects(handle.result(), /cancel/i);
    const deadline2 = Date.now() + 10_000;
    while (t.parts.emulator.stats().inFlight !== 0) {
      assert.ok(Date.now() < deadline2, 'the Deepgram request was abandoned');
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = await getJson(t.stack.url(`/v1/transcriptions/${res.body.id}`));
    assert.equal(after.body.status, 'canceled');
    const again = await postJson(t.stack.url(`/v1/transcriptions/${res.body.id}/cancel`), {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'not_cancelable');
    t.parts.emulator.clearFaults();
  });

  test('delete: transcript gone, tombstone kept with nothing of the request in it, hidden from listings, idempotent', async () => {
    const presigned = `${uniqueAudio()}?X-Amz-Signature=secret-signature`;
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: presigned, mode: 'sync', webhook_url: 'http://127.0.0.1:9/private-hook', options: { keywords: ['codename:3'] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const del = await fetch(t.stack.url(`/v1/transcriptions/${res.body.id}`), { method: 'DELETE' });
    assert.equal(del.status, 204);
    const tomb = await getJson(t.stack.url(`/v1/transcriptions/${res.body.id}`));
    assert.equal(tomb.status, 410, 'a deleted job answers 410 deleted');
    assert.equal(tomb.body.error.code, 'deleted');
    const rows = await t.parts.db.selectFrom('transcripts').select('job_id').where('job_id', '=', res.body.id).execute();
    assert.equal(rows.length, 0);
    const tombstone = await t.parts.db.selectFrom('jobs').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    const kept = JSON.stringify(tombstone);
    assert.doesNotMatch(kept, /secret-signature|private-hook|codename/, 'no source URL, webhook URL or options in the tombstone');
    assert.deepEqual(tombstone.source, { kind: 'url', url: '' });
    assert.deepEqual(tombstone.options, {});
    const list = await getJson(t.stack.url('/v1/transcriptions?limit=100'));
    assert.ok(!list.body.data.some((j: any) => j.id === res.body.id));
    const deletedList = await getJson(t.stack.url('/v1/transcriptions?status=deleted'));
    const listed = deletedList.body.data.find((j: any) => j.id === res.body.id);
    assert.equal(listed?.status, 'deleted', 'the tombstone is listed');
    assert.equal(listed.transcript, undefined);
    assert.equal((await fetch(t.stack.url(`/v1/transcriptions/${res.body.id}`), { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(t.stack.url('/v1/transcriptions/unknown-id'), { method: 'DELETE' })).status, 404);
  });

  test('formats: txt, srt and vtt with proper content types; 409 before completion; 400 for unknown', async () => {
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'sync', options: { smart_format: true, utterances: true } });
    const id = res.body.id;
    const txt = await fetch(t.stack.url(`/v1/transcriptions/${id}?format=txt`));
    assert.equal(txt.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await txt.text(), 'We, the people of The United States, in order to form a more perfect union, establish justice.\n');
    const srt = await fetch(t.stack.url(`/v1/transcriptions/${id}?format=srt`));
    assert.match(srt.headers.get('content-type')!, /application\/x-subrip/);
    assert.match(await srt.text(), /^1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n.*people/m);
    const vtt = await fetch(t.stack.url(`/v1/transcriptions/${id}?format=vtt`));
    assert.match(vtt.headers.get('content-type')!, /text\/vtt/);
    const vttText = await vtt.text();
    assert.match(vttText, /^WEBVTT/);
    assert.match(vttText, /\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}/);
    const json = await getJson(t.stack.url(`/v1/transcriptions/${id}?format=json`));
    assert.ok(Array.isArray(json.body.result.results.utterances), 'utterances pass through when requested');
    assert.equal((await fetch(t.stack.url(`/v1/transcriptions/${id}?format=docx`))).status, 400);

    t.parts.emulator.injectFault({ latencyMs: 3_000 });
    const pending = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'async' });
    const early = await fetch(t.stack.url(`/v1/transcriptions/${pending.body.id}?format=srt`));
    assert.equal(early.status, 409);
    assert.equal(((await early.json()) as any).error.code, 'not_ready');
    await waitForJob(t.stack, pending.body.id);
  });

  test('Temporal visibility: jobs are found by their execution status, JobMode and Tenant, with a UI deep link', async () => {
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'sync' });
    assert.match(res.body.links.temporal_ui, new RegExp(`/namespaces/default/workflows/${res.body.id}$`));
    const deadline = Date.now() + 15_000;
    let found: string[] = [];
    while (Date.now() < deadline) {
      found = [];
      for await (const wf of t.parts.temporal.client.workflow.list({ query: `WorkflowId = '${res.body.id}' AND ExecutionStatus = 'Completed' AND JobMode = 'sync' AND Tenant = 'default'` })) found.push(wf.workflowId);
      if (found.length) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.deepEqual(found, [res.body.id]);
    // Routed by the workflow (mode auto, no duration hint: the audio is measured): JobMode is written once known.
    const auto = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio() });
    const handle = t.parts.temporal.client.workflow.getHandle(auto.body.id);
    await handle.result();
    const described = await handle.describe();
    assert.equal(described.searchAttributes.JobMode?.[0], 'sync');
    assert.equal(described.searchAttributes.Tenant?.[0], 'default');
    assert.equal(described.searchAttributes.JobStatus, undefined, 'the execution status says it');
  });

  test('a job survives an API restart between submit and poll', async () => {
    t.parts.emulator.injectFault({ latencyMs: 1_500 });
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: uniqueAudio(), mode: 'async' });
    await t.stack.api.close();
    const restarted = await startStack(t.parts, { worker: false, env: { TEMPORAL_TASK_QUEUE: t.stack.config.temporal.taskQueue } });
    try {
      const done = await waitForJob(restarted, res.body.id);
      assert.equal(done.status, 'completed');
    } finally {
      await restarted.stop();
    }
  });
});
