import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { Config } from '../../src/config.js';
import { OPEN_CALLER } from '../../src/domain/tenancy.js';
import { transcriptionSettings } from '../../src/runtime/service-settings.js';
import { buildTranscriptionInput } from '../../src/services/transcription-input.js';
import { TRANSCRIPTION_WORKFLOW, WEBHOOK_DELIVERY_WORKFLOW } from '../../workflows/definitions.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { freePort, startStack } from '../helpers/stack.js';
import { startWithTimeSkipping } from '../helpers/time-skipping.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const HOUR = 3_600_000;

/**
 * The workflows' long waits at their real, default lengths (an hour for Deepgram's callback, a day's Deepgram outage,
 * a day of webhook retries), run in seconds with the server's per-workflow time skipping.
 */
describeWithStack(
  'long timers at their real lengths (time skipping)',
  {
    media: true,
    transcripts: { 'testing-websocket.wav': 'testing one two three' },
    stack: {
      // Callback mode with its default 1 h timeout; the callback URL leads nowhere, so Deepgram's callback is lost.
      env: async () => ({ PUBLIC_BASE_URL: `http://127.0.0.1:${await freePort()}`, CALLBACK_SECRET: 'long-timers-callback-secret-0123456789', CALLBACK_TIMEOUT_MS: String(HOUR) }),
    },
  },
  (t) => {
    /**
     * The input the API would give an async job of the recording, under this stack's settings, plus its source and
     * options: started straight through Temporal, the job has no row until the workflow writes it.
     */
    const asyncJobInput = (config: Config, jobId: string) => {
      const source = { kind: 'url' as const, url: t.media.file('testing-websocket.wav') };
      return { ...buildTranscriptionInput(transcriptionSettings(config), OPEN_CALLER, { jobId, source, mode: 'async', options: {}, priority: 3 }, false), source, options: {} };
    };
    const timersOf = async (workflowId: string) => {
      const history = await t.parts.temporal.client.workflow.getHandle(workflowId).fetchHistory();
      return (history.events ?? []).flatMap((e) => (e.timerStartedEventAttributes ? [Number(e.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0)] : []));
    };

    test('a lost Deepgram callback: after CALLBACK_TIMEOUT_MS (1 h) the job is transcribed directly', { timeout: 60_000 }, async () => {
      const jobId = crypto.randomUUID();
      const input = asyncJobInput(t.stack.config, jobId);
      assert.equal(input.callbackTimeoutMs, HOUR);
      const started = Date.now();
      const handle = await startWithTimeSkipping(t.parts.temporal.client, { workflowType: TRANSCRIPTION_WORKFLOW, taskQueue: t.stack.config.temporal.taskQueue, workflowId: jobId, args: [input] });
      const outcome = await handle.result();
      assert.equal(outcome.status, 'completed');
      const stored = await t.parts.db.selectFrom('transcripts').select('text').where('job_id', '=', jobId).executeTakeFirstOrThrow();
      assert.equal(stored.text, 'testing one two three');
      assert.ok(Date.now() - started < 30_000, `an hour's wait took ${Date.now() - started} ms`);
      assert.ok((await timersOf(jobId)).includes(3600), 'the workflow really waited its hour for the callback');
      const calls = t.parts.emulator.requests().filter((r) => r.kind === 'rest' && r.sourceUrl === t.media.file('testing-websocket.wav'));
      assert.equal(calls.length, 2, 'submitted in callback mode, then transcribed directly once the hour was up');
    });

    test('every Deepgram endpoint down: the job waits out the outage for DEEPGRAM_OUTAGE_MAX_WAIT_MS (a day), then fails', { timeout: 90_000 }, async () => {
      // Nothing listens at the endpoint; its circuit stays open six hours at a time, so the day is four waits.
      const down = await startStack(t.parts, { env: { DEEPGRAM_API_URL: `http://127.0.0.1:${await freePort()}`, DEEPGRAM_CIRCUIT_COOLDOWN_MS: String(6 * HOUR) } });
      t.defer(() => down.stop());
      assert.equal(down.config.deepgram.circuit.outageMaxWaitMs, 24 * HOUR);
      const jobId = crypto.randomUUID();
      const input = asyncJobInput(down.config, jobId);
      const started = Date.now();
      const handle = await startWithTimeSkipping(t.parts.temporal.client, { workflowType: TRANSCRIPTION_WORKFLOW, taskQueue: down.config.temporal.taskQueue, workflowId: jobId, args: [input] });
      await assert.rejects(handle.result(), WorkflowFailedError);
      assert.ok(Date.now() - started < 60_000, `a day's outage took ${Date.now() - started} ms`);
      const waited = (await timersOf(jobId)).filter((seconds) => seconds > 60).reduce((a, b) => a + b, 0);
      assert.ok(waited >= 18 * 3600 && waited <= 24 * 3600, `waited ${waited / 3600} h for an endpoint to come back`);
      const job = await t.parts.db.selectFrom('jobs').select(['status', 'error']).where('id', '=', jobId).executeTakeFirstOrThrow();
      assert.equal(job.status, 'failed');
      assert.equal(job.error?.code, 'deepgram_unavailable');
    });

    test('a receiver that never answers 2xx: deliveries retry with backoff for the whole day, then stop', { timeout: 120_000 }, async () => {
      const receiver = await startWebhookReceiver();
      t.defer(() => receiver.close());
      receiver.script([], 500);
      const jobs = await (await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: t.media.file('testing-websocket.wav'), mode: 'sync', duration_hint: 4.7 }) })).json() as { id: string };
      const started = Date.now();
      const handle = await startWithTimeSkipping(t.parts.temporal.client, {
        workflowType: WEBHOOK_DELIVERY_WORKFLOW,
        taskQueue: t.stack.config.temporal.taskQueue,
        args: [{ jobId: jobs.id, eventId: `evt_${jobs.id}_completed`, url: receiver.url, kind: 'event', retry: { initialIntervalMs: 5_000, maximumIntervalMs: HOUR, maxDurationMs: 24 * HOUR } }],
      });
      await assert.rejects(handle.result(), WorkflowFailedError);
      const attempts = receiver.received.length;
      // 5 s doubling to the 1 h cap: about a dozen attempts to reach it, then one an hour for the rest of the day.
      assert.ok(attempts >= 25 && attempts <= 40, `${attempts} attempts over the day`);
      assert.ok(Date.now() - started < 90_000, `a day of retries took ${Date.now() - started} ms`);
    });
  },
);
