import assert from 'node:assert/strict';
import { test } from 'node:test';
import proto from '@temporalio/proto';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { postJson, untilDeepgramBusy, waitForJob } from '../helpers/stack.js';

/**
 * Where an async job's Deepgram call runs when no place under the cap is free: on the Deepgram queue, in priority and
 * fair-share order (with a place free it runs in the job's own workflow task: workflow-payloads.test.ts).
 */
describeWithStack(
  'an async job with no place free queues on the Deepgram queue',
  { media: true, transcripts: { 'testing-websocket.wav': 'Testing, testing.' }, stack: { env: { DEEPGRAM_MAX_CONCURRENT: '1' } } },
  (t) => {
    test('the only place taken by one job\'s call, the next queues as an activity on the Deepgram queue; both complete, one call each', { timeout: 60_000 }, async () => {
      const kinds = async (jobId: string) => {
        const events = (await t.parts.temporal.client.workflow.getHandle(jobId).fetchHistory()).events ?? [];
        const count = (type: keyof typeof proto.temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === proto.temporal.api.enums.v1.EventType[type]).length;
        return { workflowTasks: count('EVENT_TYPE_WORKFLOW_TASK_COMPLETED'), activities: count('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED'), markers: events.filter((e) => e.markerRecordedEventAttributes).map((e) => e.markerRecordedEventAttributes!.markerName) };
      };
      // The first call is slow, so its job holds the one place while the second is submitted.
      t.parts.emulator.injectFault({ latencyMs: 3_000, times: 1 });
      const first = await postJson(t.stack.url('/v1/transcriptions'), { url: `${t.media.file('testing-websocket.wav')}?n=1`, mode: 'async' });
      assert.equal(first.status, 202);
      await untilDeepgramBusy(t.parts.emulator);
      const second = await postJson(t.stack.url('/v1/transcriptions'), { url: `${t.media.file('testing-websocket.wav')}?n=2`, mode: 'async' });
      assert.equal(second.status, 202);
      for (const id of [first.body.id, second.body.id]) assert.equal((await waitForJob(t.stack, id, 30_000)).status, 'completed');

      // The local attempt that found no place is recorded (its marker); the call itself went through the queue.
      assert.deepEqual(await kinds(second.body.id), { workflowTasks: 2, activities: 1, markers: ['core_local_activity'] }, 'no place free: the call queued on the Deepgram queue');
      const calls = t.parts.emulator.requests().filter((r) => r.kind === 'rest');
      for (const n of [1, 2]) assert.equal(calls.filter((r) => r.sourceUrl?.endsWith(`?n=${n}`)).length, 1, `job ${n}: one Deepgram call`);
    });
  },
);
