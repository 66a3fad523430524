import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { retentionScheduleId } from '../../src/temporal/retention-schedule.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually } from '../helpers/live.js';
import { getJson, postJson, startStack } from '../helpers/stack.js';

const DAY_MS = 86_400_000;

/** RETENTION_DAYS is enforced by a Temporal Schedule that deletes what is older, in batches. */
describeWithStack(
  'data retention',
  { media: true, transcripts: { 'testing-websocket.wav': 'Testing one two three.' }, stack: { env: { RETENTION_DAYS: '30' } } },
  (t) => {
    test('expired jobs (transcripts, delivery logs, uploads), ended live sessions and orphan uploads go; recent ones stay', async () => {
      const db = t.parts.db;
      const kept = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.file('testing-websocket.wav'), mode: 'sync' });
      assert.equal(kept.status, 200);
      const upload = await fetch(t.stack.url('/v1/transcriptions?mode=sync'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: new Uint8Array(t.audio('testing-websocket.wav')) });
      const old = (await upload.json()) as { id: string; status: string };
      assert.equal(old.status, 'completed');
      const oldBlob = (await db.selectFrom('jobs').select('source').where('id', '=', old.id).executeTakeFirstOrThrow()).source as { blobId: string };
      // 40 days ago, as if it had been there all along.
      const past = new Date(Date.now() - 40 * DAY_MS);
      await db.updateTable('jobs').set({ created_at: past }).where('id', '=', old.id).execute();
      await db.updateTable('audio_blobs').set({ created_at: past }).where('id', '=', oldBlob.blobId).execute();
      await db.insertInto('live_sessions').values({ id: 'expired-session', status: 'ended', model: 'nova-2', options: JSON.stringify({}), started_at: past, updated_at: past, ended_at: past }).execute();
      await db.insertInto('live_sessions').values({ id: 'recent-session', status: 'ended', model: 'nova-2', options: JSON.stringify({}), started_at: new Date(), updated_at: new Date(), ended_at: new Date() }).execute();
      // An upload whose request was refused after it was stored, 25 hours ago: no job points at it.
      const orphan = await db.insertInto('audio_blobs').values({ id: 'orphan-blob', content_type: 'audio/wav', size_bytes: 1, sha256: 'x', storage: 'postgres', created_at: new Date(Date.now() - 25 * 3_600_000) }).returning('id').executeTakeFirstOrThrow();

      const schedule = t.parts.temporal.client.schedule.getHandle(retentionScheduleId(t.stack.config.temporal.taskQueue));
      const described = await schedule.describe();
      assert.equal(described.action.type, 'startWorkflow');
      await schedule.trigger();
      // The job's rows go in one transaction, its upload right after (the blob store is not in that transaction).
      const blobsLeft = async () => (await db.selectFrom('audio_blobs').select('id').where('id', 'in', [oldBlob.blobId, orphan.id]).execute()).length;
      const gone = async () => (await db.selectFrom('jobs').select('id').where('id', '=', old.id).executeTakeFirst()) === undefined && (await blobsLeft()) === 0;
      await eventually(async () => ((await gone()) ? true : undefined), 20_000, 'the expired job and the uploads to go');
      assert.equal((await getJson(t.stack.url(`/v1/transcriptions/${old.id}`))).status, 404);
      assert.equal((await db.selectFrom('transcripts').select('job_id').where('job_id', '=', old.id).execute()).length, 0);
      const sessions = (await db.selectFrom('live_sessions').select('id').where('id', 'in', ['expired-session', 'recent-session']).execute()).map((r) => r.id);
      assert.deepEqual(sessions, ['recent-session']);
      const recent = await getJson(t.stack.url(`/v1/transcriptions/${kept.body.id}`));
      assert.equal(recent.status, 200);
      assert.match(recent.body.transcript, /testing one two three/i);
      const usage = await sql<{ n: number }>`select count(*)::int as n from usage_records where source_id = ${old.id}`.execute(db);
      assert.equal(usage.rows[0]!.n, 1, 'the bill stays');
    });

    test('without RETENTION_DAYS the Schedule keeps everything but still sweeps orphan uploads', async () => {
      const db = t.parts.db;
      const past = new Date(Date.now() - 400 * DAY_MS);
      const job = await postJson(t.stack.url('/v1/transcriptions'), { url: t.media.file('testing-websocket.wav'), mode: 'sync' });
      await db.updateTable('jobs').set({ created_at: past }).where('id', '=', job.body.id).execute();
      await db.insertInto('audio_blobs').values({ id: 'orphan-blob-2', content_type: 'audio/wav', size_bytes: 1, sha256: 'x', storage: 'postgres', created_at: past }).execute();
      // The same deployment restarted without RETENTION_DAYS: the API updates the Schedule.
      const off = await startStack(t.parts, { env: { TEMPORAL_TASK_QUEUE: t.stack.config.temporal.taskQueue, RETENTION_DAYS: '' }, worker: false });
      await off.stop();
      const schedule = t.parts.temporal.client.schedule.getHandle(retentionScheduleId(t.stack.config.temporal.taskQueue));
      await schedule.trigger();
      const swept = async () => (await db.selectFrom('audio_blobs').select('id').where('id', '=', 'orphan-blob-2').executeTakeFirst()) === undefined;
      await eventually(async () => ((await swept()) ? true : undefined), 20_000, 'the orphan upload to go');
      assert.equal((await getJson(t.stack.url(`/v1/transcriptions/${job.body.id}`))).status, 200, 'a 400-day-old job is kept');
    });
  },
);
