import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { postJson, untilDeepgramBusy, waitForJob } from '../helpers/stack.js';

/** What /metrics says must be what happened: async jobs included, each counted once, waiting jobs shown as queued. */
describeWithStack(
  'metrics that tell the truth',
  { media: true, transcripts: { 'testing-websocket.wav': 'Testing one two three.' }, stack: { env: { DEEPGRAM_MAX_CONCURRENT: '1' } } },
  (t) => {
    let n = 0;
    const clip = () => t.media.put(`m-${++n}.wav`, t.audio('testing-websocket.wav'));
    const scrape = async () => (await fetch(t.stack.url('/metrics'))).text();
    const value = (text: string, series: RegExp) => Number(text.match(new RegExp(`^${series.source} (\\S+)$`, 'm'))?.[1] ?? 0);

    test('an async-only workload produces latency samples and outcomes; a job waiting for a Deepgram place counts as queued', async () => {
      t.parts.emulator.injectFault({ latencyMs: 1_500 }); // the first job holds the only Deepgram place a while
      const first = await postJson(t.stack.url('/v1/transcriptions'), { url: clip(), mode: 'async' });
      await untilDeepgramBusy(t.parts.emulator);
      const second = await postJson(t.stack.url('/v1/transcriptions'), { url: clip(), mode: 'async' });
      assert.equal(first.status, 202);
      assert.equal(second.status, 202);
      await new Promise((r) => setTimeout(r, 300));
      const during = await scrape();
      assert.equal(value(during, /transcription_queue_depth\{status="queued"\}/), 1, 'the job waiting for the Deepgram place is queued');
      assert.equal(value(during, /transcription_queue_depth\{status="processing"\}/), 1);

      await waitForJob(t.stack, first.body.id);
      await waitForJob(t.stack, second.body.id);
      const after = await scrape();
      assert.equal(value(after, /transcription_requests_total\{status="accepted",model="default",region="[^"]+"\}/), 2);
      assert.equal(value(after, /transcription_requests_total\{status="completed",model="default",region="[^"]+"\}/), 2);
      assert.equal(value(after, /transcription_latency_seconds_count\{model="default",mode="async"\}/), 2, 'one sample per async job');
      assert.ok(value(after, /transcription_latency_seconds_sum\{model="default",mode="async"\}/) >= 1.5, 'latency runs from submission');
      assert.equal(value(after, /transcription_queue_depth\{status="queued"\}/), 0);
    });

    test('a failed job is counted once as failed; a replayed idempotent submission is not counted again', async () => {
      const before = await scrape();
      const failedBefore = value(before, /transcription_requests_total\{status="failed",model="default",region="[^"]+"\}/);
      const acceptedBefore = value(before, /transcription_requests_total\{status="accepted",model="default",region="[^"]+"\}/);
      const corrupt = t.media.put(`m-corrupt-${++n}.wav`, Buffer.from('not audio at all '.repeat(50)));
      const body = { url: corrupt, mode: 'async' };
      const res = await postJson(t.stack.url('/v1/transcriptions'), body, { 'idempotency-key': 'metrics-once' });
      await waitForJob(t.stack, res.body.id);
      const replay = await postJson(t.stack.url('/v1/transcriptions'), body, { 'idempotency-key': 'metrics-once' });
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      const after = await scrape();
      assert.equal(value(after, /transcription_requests_total\{status="failed",model="default",region="[^"]+"\}/), failedBefore + 1);
      assert.equal(value(after, /transcription_requests_total\{status="accepted",model="default",region="[^"]+"\}/), acceptedBefore + 1);
    });
  },
);
