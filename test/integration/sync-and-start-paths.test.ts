import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import proto from '@temporalio/proto';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { postJson, startStack, type Stack } from '../helpers/stack.js';

const TEXT = 'testing one two three';

/**
 * The shortcuts of the hot paths, each checked for what a user relies on: a sync job over the worker's own
 * connection (eager start), and a sync job's Deepgram call in its workflow's own task only with a place under the
 * global cap.
 */
describeWithStack('sync and start paths', { media: true, transcripts: { 'testing-websocket.wav': TEXT }, stack: {} }, (t) => {
  let eager: Stack;
  before(async () => {
    eager = await startStack(t.parts, { shareWorkerConnection: true, env: { TEMPORAL_TASK_QUEUE: `eager-${randomUUID().slice(0, 8)}` } });
  });
  after(() => eager?.stop());

  test('npm start layout (the API shares the worker’s connection): a sync job is answered with its transcript, run as one workflow task', async () => {
    const res = await postJson(eager.url('/v1/transcriptions'), { url: t.media.file('testing-websocket.wav'), mode: 'sync' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.transcript, TEXT);
    const events = (await t.parts.temporal.client.workflow.getHandle(res.body.id).fetchHistory()).events ?? [];
    const count = (type: proto.temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
    assert.equal(count(proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), 1, 'one workflow task');
    assert.equal(count(proto.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), 0, 'the Deepgram call ran in that task');
  });

  test('the cap holds for sync calls made in the workflow’s own task: with no place free, the call goes through the Deepgram queue', async () => {
    // Every place left under DEEPGRAM_MAX_CONCURRENT (100) is taken, as by calls on other workers (idle pollers hold theirs).
    const cap = t.stack.config.deepgram.limits.maxConcurrent;
    const held = Number((await t.parts.db.selectFrom('deepgram_call_slots').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const fake = Array.from({ length: Math.max(0, cap - held) }, (_, n) => ({ id: `held-elsewhere-${n}`, holder: 'another-worker', expires_at: new Date(Date.now() + 600_000) }));
    if (fake.length > 0) await t.parts.db.insertInto('deepgram_call_slots').values(fake).execute();
    try {
      const res = await postJson(t.stack.url('/v1/transcriptions'), { url: `${t.media.file('testing-websocket.wav')}?cap=${randomUUID()}`, mode: 'sync' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.transcript, TEXT);
      const events = (await t.parts.temporal.client.workflow.getHandle(res.body.id).fetchHistory()).events ?? [];
      const scheduled = events.filter((e) => e.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      assert.deepEqual(
        scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name),
        ['transcribeAudio'],
        'run by a worker holding a place on the Deepgram queue',
      );
      const leases = Number((await t.parts.db.selectFrom('deepgram_call_slots').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
      assert.ok(leases <= cap, `${leases} places held, the cap is ${cap}`);
    } finally {
      await t.parts.db.deleteFrom('deepgram_call_slots').where('holder', '=', 'another-worker').execute();
    }
  });
});
