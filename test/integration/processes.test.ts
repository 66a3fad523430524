import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../src/emulator/index.js';
import { startAppProcess, type AppProcess } from '../helpers/processes.js';
import { freePort, getJson, postJson, stackEnv } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const API_KEY = 'dg-secret-7f3a9c1e5b2d4f60';

/** `npm run api` and `npm run worker` as real processes: structured logs without secrets, and a graceful SIGTERM. */
describeWithStack('API and worker processes', { media: true, stack: false }, (t) => {
  let emulator: DeepgramEmulator;
  let api: AppProcess;
  let worker: AppProcess;
  let apiUrl: string;
  const audio = () => t.audio('testing-websocket.wav');

  before(async () => {
    emulator = await startDeepgramEmulator({ apiKey: API_KEY });
    t.defer(() => emulator.close());
    emulator.registerTranscript(audio(), 'testing one two three');
    const port = await freePort();
    const env = {
      ...stackEnv(t.parts, { DEEPGRAM_API_URL: emulator.url, DEEPGRAM_API_KEY: API_KEY, LOG_LEVEL: 'debug', PORT: String(port), SHUTDOWN_GRACE_MS: '10000' }),
      METRICS_PORT: String(await freePort()),
      TEMPORAL_SDK_METRICS_PORT: String(await freePort()),
    };
    worker = startAppProcess('src/main/worker.ts', env, 'batch worker running');
    api = startAppProcess('src/main/api.ts', env, 'API listening');
    t.defer(() => {
      for (const p of [api, worker]) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    });
    await Promise.all([worker.ready, api.ready]);
    apiUrl = `http://127.0.0.1:${port}`;
  });

  test('jobs run through the separate processes; the worker serves its own /metrics, /health and /ready', async () => {
    const res = await fetch(`${apiUrl}/v1/transcriptions?mode=sync`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: audio() });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.transcript, 'testing one two three');
    const byUrl = await postJson(`${apiUrl}/v1/transcriptions`, { url: t.media.file('testing-websocket.wav'), mode: 'sync' });
    assert.equal(byUrl.status, 200);
    const runningLine = JSON.parse(worker.lines.find((l) => l.includes('batch worker running'))!);
    const metrics = await (await fetch(runningLine.metrics as string)).text();
    assert.match(metrics, /deepgram_calls_total\{endpoint="[^"]+",outcome="200"\} [1-9]/);
    assert.match(metrics, /audio_seconds_processed_total\{mode="prerecorded"\} [1-9]/);
    const ready = await fetch(runningLine.ready as string);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { temporal_workers: true, database: true } });
    const health = await fetch((runningLine.ready as string).replace(/\/ready$/, '/health'));
    assert.equal(health.status, 200);
  });

  test('logs are JSON, carry job, workflow and Deepgram request ids, and never the API key or audio', () => {
    const all = [...api.lines, ...worker.lines].filter((l) => l.trim());
    const parsed = all.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON log line: ${l.slice(0, 200)}`);
      }
    });
    const submitted = parsed.filter((p) => p.msg === 'transcription submitted');
    assert.ok(submitted.length >= 2);
    for (const line of submitted) assert.ok(line.jobId && line.workflowId === line.jobId);
    const stored = parsed.filter((p) => p.msg === 'transcript stored');
    assert.ok(stored.length >= 2);
    for (const line of stored) assert.ok(line.jobId && line.workflowId && line.deepgramRequestId, JSON.stringify(line));

    const text = all.join('\n');
    assert.ok(!text.includes(API_KEY), 'the Deepgram API key appears in the logs');
    for (let offset = 2_000; offset < audio().length - 64; offset += 7_919) {
      const slice = audio().subarray(offset, offset + 48);
      assert.ok(!text.includes(slice.toString('base64').slice(4, 40)), 'audio bytes (base64) appear in the logs');
      assert.ok(!text.includes(slice.toString('hex').slice(0, 40)), 'audio bytes (hex) appear in the logs');
    }
  });

  test('SIGTERM drains: the in-flight request finishes, /ready turns away new work, the process exits 0', async () => {
    emulator.injectFault({ latencyMs: 2_000 });
    const inFlight = postJson(`${apiUrl}/v1/transcriptions`, { url: t.media.file('testing-websocket.wav'), mode: 'sync' });
    await new Promise((r) => setTimeout(r, 500));
    api.child.kill('SIGTERM');
    const res = await inFlight;
    assert.equal(res.status, 200, 'the request accepted before SIGTERM completed');
    assert.equal(res.body.status, 'completed');
    assert.equal(await api.exited, 0);
    await assert.rejects(getJson(`${apiUrl}/health`), 'no new connections after shutdown');

    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
  });
});
