import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { payloadTexts } from '../helpers/history-payloads.js';
import { eventually } from '../helpers/live.js';
import { getJson, postJson } from '../helpers/stack.js';

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
});
