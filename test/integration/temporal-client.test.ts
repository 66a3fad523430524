import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { jobStatusQuery, startTranscription, transcriptionDataConverter, TRANSCRIPTION_WORKFLOW } from '../../src/client/index.js';
import { payloadTexts } from '../helpers/history-payloads.js';
import { TEST_PAYLOAD_KEYS_ENV } from '../helpers/payload-keys.js';
import { getJson } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

/** Another service, with nothing but its own Temporal client, starts and awaits a transcription. */
describeWithStack('programmatic use through Temporal (src/client)', { media: true, transcripts: { 'testing-websocket.wav': 'Testing, testing.' } }, (t) => {
  let otherService: Client;
  before(() => {
    // Its own client, made as the README says: with the platform's payload encryption.
    otherService = new Client({ connection: t.parts.temporal.client.connection, namespace: 'default', dataConverter: transcriptionDataConverter(TEST_PAYLOAD_KEYS_ENV) });
  });

  test('startTranscription + result(): ids and numbers (never the transcript, which stays out of Temporal), and the job with its transcript in the HTTP API', async () => {
    const handle = await startTranscription(otherService, {
      url: t.media.file('testing-websocket.wav'),
      options: { punctuate: true },
      jobId: `svc-${Date.now()}`,
      taskQueue: t.stack.config.temporal.taskQueue,
    });
    const outcome = await handle.result();
    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.status === 'completed' && typeof outcome.deepgramRequestId, 'string');
    assert.doesNotMatch(JSON.stringify(outcome), /Testing/, 'no transcript text in the workflow result');
    const history = await handle.fetchHistory();
    const payloads = await payloadTexts(history);
    // Started straight through Temporal, the job has no row yet: its URL is in the start event, and only there.
    const afterStart = await payloadTexts({ events: (history.events ?? []).filter((e) => !e.workflowExecutionStartedEventAttributes) });
    assert.ok(payloads.some((p) => p.includes(t.media.url)), 'the start event holds the source URL');
    assert.ok(!afterStart.some((p) => p.includes(t.media.url)), 'no activity input or result repeats the source URL');
    assert.ok(payloads.some((p) => p.includes(outcome.status === 'completed' ? outcome.deepgramRequestId : '?')), 'the payloads were read');
    assert.ok(!payloads.some((p) => p.includes('Testing, testing')), 'no transcript text in any payload of the workflow history');
    assert.equal(outcome.mode, 'sync');
    const progress = await handle.query(jobStatusQuery);
    assert.equal(progress.status, 'completed');
    const describe = await handle.describe();
    assert.equal(describe.type, TRANSCRIPTION_WORKFLOW);
    const job = await getJson(t.stack.url(`/v1/transcriptions/${handle.workflowId}`));
    assert.equal(job.status, 200);
    assert.equal(job.body.transcript, 'Testing, testing.');
  });

  test('a failed job rejects with WorkflowFailedError carrying Deepgram’s error', async () => {
    const handle = await startTranscription(otherService, {
      url: t.media.put('bad.wav', Buffer.from('nope '.repeat(200))),
      taskQueue: t.stack.config.temporal.taskQueue,
    });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String(err.cause?.message), /corrupt or unsupported/);
      return true;
    });
  });

  test('the same jobId cannot start a second run', async () => {
    const jobId = `svc-dup-${Date.now()}`;
    const request = { url: t.media.file('testing-websocket.wav'), jobId, taskQueue: t.stack.config.temporal.taskQueue };
    await (await startTranscription(otherService, request)).result();
    await assert.rejects(startTranscription(otherService, request), /already/i);
  });
});
