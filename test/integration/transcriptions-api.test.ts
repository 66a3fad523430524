import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentWav } from '../helpers/audio.js';
import { getJson, postJson, waitForJob } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const PREAMBLE_TEXT =
  'We, the people of The United States, in order to form a more perfect union, establish justice, ensure domestic tranquility';

describeWithStack('transcriptions API end to end (real Temporal, PostgreSQL, emulator through the SDK)', { media: true, transcripts: { 'preamble-rest.wav': PREAMBLE_TEXT } }, (t) => {

  test('a short file is answered synchronously with the transcript and Deepgram result', async () => {
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.file('preamble-rest.wav'), options: { model: 'nova-3', smart_format: true } });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'completed');
    assert.equal(res.body.mode, 'sync');
    assert.equal(res.body.transcript, PREAMBLE_TEXT);
    assert.equal(res.body.result.metadata.request_id, res.body.deepgram_request_id);
    assert.ok(Math.abs(res.body.result.metadata.duration - 19.1) < 0.2, `duration ${res.body.result.metadata.duration}`);
    assert.ok(res.body.result.results.channels[0].alternatives[0].words.length > 10);

    const row = await t.parts.db.selectFrom('jobs').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'completed');
    assert.equal(row.mode, 'sync');
    assert.ok(row.completed_at instanceof Date);
    const transcripts = await t.parts.db.selectFrom('transcripts').selectAll().where('job_id', '=', res.body.id).execute();
    assert.equal(transcripts.length, 1);
    assert.equal(transcripts[0]!.text, PREAMBLE_TEXT);

    const again = await getJson(t.stack.url(`/v1/transcriptions/${res.body.id}`));
    assert.equal(again.status, 200);
    assert.equal(again.body.transcript, PREAMBLE_TEXT);
    assert.match(again.body.links.temporal_ui, new RegExp(`/workflows/${res.body.id}$`));
    const lastRequest = t.parts.emulator.requests().at(-1)!;
    assert.equal(lastRequest.query.model, 'nova-3');
    assert.equal(lastRequest.query.smart_format, 'true');
  });

  test('mode async answers 202 with a Location at once, and the job completes in the background', async () => {
    const res = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.file('preamble-rest.wav'), mode: 'async', options: { smart_format: true } });
    assert.equal(res.status, 202);
    assert.ok(['queued', 'processing'].includes(res.body.status));
    assert.equal(res.headers.get('location'), `/v1/transcriptions/${res.body.id}`);
    const done = await waitForJob(t.stack, res.body.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.mode, 'async');
    assert.equal(done.transcript, PREAMBLE_TEXT);
  });

  test('auto routing: under 60 s → sync, over 300 s → async, in between → sync (probed from the header)', async () => {
    const short = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.put('short.wav', silentWav(20)) });
    assert.equal(short.status, 200);
    assert.equal(short.body.mode, 'sync');
    assert.equal(short.body.duration_seconds, 20);

    const middle = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.put('middle.wav', silentWav(120)) });
    assert.equal(middle.status, 200);
    assert.equal(middle.body.mode, 'sync');

    const rangeRequestsBefore = t.media.rangeRequests;
    const long = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.put('long.wav', silentWav(310)) });
    assert.equal(long.status, 202);
    assert.equal(long.body.mode, 'async');
    assert.ok(t.media.rangeRequests > rangeRequestsBefore, 'the duration was probed with a ranged read');
    const done = await waitForJob(t.stack, long.body.id);
    assert.equal(done.status, 'completed');
    assert.ok(Math.abs(done.duration_seconds - 310) < 0.01);
  });

  test('duration_hint routes without probing, and an explicit mode wins over the duration', async () => {
    const before = t.media.rangeRequests;
    const hinted = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.file('preamble-rest.wav'), duration_hint: 900 });
    assert.equal(hinted.status, 202);
    assert.equal(hinted.body.mode, 'async');
    assert.equal(t.media.rangeRequests, before, 'no probe when the duration is given');
    const forced = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.put('long2.wav', silentWav(400)), mode: 'sync' });
    assert.equal(forced.status, 200);
    assert.equal(forced.body.mode, 'sync');
    await waitForJob(t.stack, hinted.body.id);
  });

  test('unknown ids are 404 with a machine-readable code', async () => {
    const res = await getJson(t.stack.url('/v1/transcriptions/does-not-exist'));
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
  });

  test('/metrics counts jobs as accepted and then by outcome, by model, and times every transcription', async () => {
    const res = await fetch(t.stack.url('/metrics'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /transcription_requests_total\{status="completed",model="nova-3",region="127\.0\.0\.1:\d+"\} 1/);
    assert.match(text, /transcription_requests_total\{status="accepted",model="default",region="[^"]+"\} [1-9]/);
    assert.match(text, /transcription_requests_total\{status="accepted",model="nova-3",region="[^"]+"\} 1/);
    assert.match(text, /transcription_latency_seconds_bucket\{le="0\.5",model="nova-3",mode="sync"\}/);
    assert.match(text, /transcription_latency_seconds_count\{model="default",mode="(sync|async)"\} [1-9]/);
  });

  test('health and readiness report their dependencies', async () => {
    assert.deepEqual((await getJson(t.stack.url('/health'))).body, { status: 'ok' });
    const ready = await getJson(t.stack.url('/ready'));
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { database: true, temporal: true, deepgram: true });
    assert.equal(ready.body.deepgram_endpoints[0].healthy, true);
  });
});
