import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import proto from '@temporalio/proto';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { payloadTexts } from '../helpers/history-payloads.js';
import { eventually } from '../helpers/live.js';
import { getJson, postJson } from '../helpers/stack.js';
import { OPEN_CALLER } from '../../src/domain/tenancy.js';
import { jobSearchAttributes } from '../../src/domain/job-search-attributes.js';
import { transcriptionSettings } from '../../src/runtime/service-settings.js';
import { buildTranscriptionInput } from '../../src/services/transcription-input.js';
import { LEGACY_TRANSCRIPTION_WORKFLOW } from '../../workflows/definitions.js';

/**
 * What Temporal keeps of a job the API started: ids and numbers. The source URL (often presigned), the options and the
 * transcript live in PostgreSQL only, so deleting the job deletes them; the workflow's history keeps none of them.
 */
describeWithStack('workflow payloads carry ids', { media: true, transcripts: { 'testing-websocket.wav': 'Testing, testing.' } }, (t) => {
  test('no payload of an API job’s history holds its source URL, its options or its transcript; the activities read them by job id', async () => {
    const secret = randomBytes(12).toString('hex');
    const url = `${t.media.file('testing-websocket.wav')}?X-Amz-Signature=sig${secret}`;
    const submitted = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'async', options: { punctuate: true, tag: [`tag${secret}`] } });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const jobId = submitted.body.id as string;
    const job = await eventually(async () => {
      const read = await getJson(t.stack.url(`/v1/transcriptions/${jobId}`));
      return read.body.status === 'completed' ? read.body : undefined;
    });
    assert.equal(job.transcript, 'Testing, testing.');
    const emulatorSaw = t.parts.emulator.requests().find((r) => r.sourceUrl?.includes(secret));
    assert.ok(emulatorSaw, 'Deepgram was sent the source URL');
    assert.deepEqual(emulatorSaw.query.tag, `tag${secret}`, 'and the options, read from the job row');

    const payloads = await payloadTexts(await t.parts.temporal.client.workflow.getHandle(jobId).fetchHistory());
    assert.ok(payloads.some((p) => p.includes(jobId)), 'the payloads were read');
    for (const needle of [secret, 'Testing, testing', t.media.url]) {
      assert.ok(!payloads.some((p) => p.includes(needle)), `"${needle}" appears in a payload of the workflow history`);
    }
  });

  test('an async job with a place free is one workflow task: the Deepgram call runs in it (a local activity), no patch marker, search attributes set at start only, the call completes the job', async () => {
    const submitted = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.file('testing-websocket.wav'), mode: 'async' });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const jobId = submitted.body.id as string;
    await eventually(async () => ((await getJson(t.stack.url(`/v1/transcriptions/${jobId}`))).body.status === 'completed' ? true : undefined));
    const handle = t.parts.temporal.client.workflow.getHandle(jobId);
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const count = (type: keyof typeof proto.temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === proto.temporal.api.enums.v1.EventType[type]).length;
    assert.equal(count('EVENT_TYPE_WORKFLOW_TASK_COMPLETED'), 1, 'workflow tasks');
    assert.equal(count('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED'), 0, 'no dispatch through the Deepgram queue');
    // One marker, the local Deepgram call's; no patch marker (the job type takes the lean path by itself) and no local
    // bookkeeping activity.
    assert.deepEqual(events.filter((e) => e.markerRecordedEventAttributes).map((e) => e.markerRecordedEventAttributes!.markerName), ['core_local_activity'], 'markers');
    // The search attributes come with the start: the workflow upserts none, its status is the execution's own.
    assert.equal(count('EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'), 0, 'search attribute upserts');
    const described = await handle.describe();
    assert.equal(described.type, 'transcriptionJob');
    assert.equal(described.status.name, 'COMPLETED');
    assert.equal(described.searchAttributes.JobMode?.[0], 'async');
    assert.equal(described.searchAttributes.Tenant?.[0], 'default');
    assert.equal(described.searchAttributes.JobStatus, undefined);
    // Still every step the job row shows: routed at submission, completed by the Deepgram call, metered once.
    const row = await t.parts.db.selectFrom('jobs').select(['mode', 'status', 'audio_duration_seconds']).where('id', '=', jobId).executeTakeFirstOrThrow();
    assert.deepEqual({ mode: row.mode, status: row.status }, { mode: 'async', status: 'completed' });
    const usage = await t.parts.db.selectFrom('usage_records').select('audio_seconds').where('source_id', '=', jobId).execute();
    assert.equal(usage.length, 1);
  });

  test('a job workflow of the earlier type (`transcription`), as an API not yet upgraded starts it, completes on the current worker and keeps JobStatus', async () => {
    const jobId = crypto.randomUUID();
    const source = { kind: 'url' as const, url: t.media.file('testing-websocket.wav') };
    // As the earlier API started it: the attributes in the start request, JobStatus among them.
    const input = { ...buildTranscriptionInput(transcriptionSettings(t.stack.config), OPEN_CALLER, { jobId, source, mode: 'async', options: {}, priority: 3 }, true), source, options: {} };
    const handle = await t.parts.temporal.client.workflow.start(LEGACY_TRANSCRIPTION_WORKFLOW, {
      taskQueue: t.stack.config.temporal.taskQueue,
      workflowId: jobId,
      args: [input],
      typedSearchAttributes: jobSearchAttributes('queued', OPEN_CALLER.tenantName, 'async'),
    });
    assert.equal(((await handle.result()) as { status: string }).status, 'completed');
    const job = await getJson(t.stack.url(`/v1/transcriptions/${jobId}`));
    assert.equal(job.body.status, 'completed');
    assert.match(job.body.transcript, /^testing,? testing\.?$/i);
    const events = (await handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length, 1, 'its path decided by the patch marker');
    const described = await handle.describe();
    assert.equal(described.type, 'transcription');
    assert.equal(described.searchAttributes.JobStatus?.[0], 'completed', 'kept up to date to the end');
  });
});
