import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { jobStatusQuery, startTranscription, TRANSCRIPTION_WORKFLOW } from '../../src/client/index.js';
import { startMediaServer, type MediaServer } from '../helpers/media-server.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startSharedParts } from '../helpers/shared-parts.js';
import { getJson, startStack, type SharedParts, type Stack } from '../helpers/stack.js';

/** Another service, with nothing but its own Temporal client, starts and awaits a transcription. */
describe('programmatic use through Temporal (src/client)', () => {
  let shared: Awaited<ReturnType<typeof startSharedParts>>;
  let parts: SharedParts;
  let stack: Stack;
  let media: MediaServer;
  let otherService: Client;

  before(async () => {
    shared = await startSharedParts();
    parts = shared.parts;
    media = await startMediaServer(AUDIO_DIR);
    parts.emulator.registerTranscript(await readFile(path.join(AUDIO_DIR, 'testing-websocket.wav')), 'Testing, testing.');
    stack = await startStack(parts);
    otherService = new Client({ connection: parts.temporal.client.connection, namespace: 'default' });
  });
  after(async () => {
    await stack?.stop();
    await media?.close();
    await shared?.stop();
  });

  test('startTranscription + result(): the transcript, and the job visible in the HTTP API', async () => {
    const handle = await startTranscription(otherService, {
      url: media.file('testing-websocket.wav'),
      options: { punctuate: true },
      jobId: `svc-${Date.now()}`,
      taskQueue: stack.config.temporal.taskQueue,
    });
    const outcome = await handle.result();
    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.status === 'completed' && outcome.transcript, 'Testing, testing.');
    assert.equal(outcome.mode, 'sync');
    const progress = await handle.query(jobStatusQuery);
    assert.equal(progress.status, 'completed');
    const describe = await handle.describe();
    assert.equal(describe.type, TRANSCRIPTION_WORKFLOW);
    const job = await getJson(stack.url(`/v1/transcriptions/${handle.workflowId}`));
    assert.equal(job.status, 200);
    assert.equal(job.body.transcript, 'Testing, testing.');
  });

  test('a failed job rejects with WorkflowFailedError carrying Deepgram’s error', async () => {
    const handle = await startTranscription(otherService, {
      url: media.put('bad.wav', Buffer.from('nope '.repeat(200))),
      taskQueue: stack.config.temporal.taskQueue,
    });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(String(err.cause?.message), /corrupt or unsupported/);
      return true;
    });
  });

  test('the same jobId cannot start a second run', async () => {
    const jobId = `svc-dup-${Date.now()}`;
    const request = { url: media.file('testing-websocket.wav'), jobId, taskQueue: stack.config.temporal.taskQueue };
    await (await startTranscription(otherService, request)).result();
    await assert.rejects(startTranscription(otherService, request), /already/i);
  });
});
