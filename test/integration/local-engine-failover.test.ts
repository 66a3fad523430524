import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startAppProcess, type AppProcess } from '../helpers/processes.js';
import { freePort, stackEnv } from '../helpers/stack.js';
import { deepgramWords, PREAMBLE_WER_LIMIT, wordErrorRate } from '../helpers/wer.js';

const PREAMBLE_REF = deepgramWords('prerecorded/prerecorded-nova3-smart-format-file-preamble.json');

/**
 * The local engine as the last-resort failover: `npm run local-engine` runs as its own process and is listed after
 * a Deepgram endpoint that cannot be reached; `npm start` (with a Deepgram key, so no emulator of its own) sends sync
 * and async work through the failover, and the local engine answers with real words, saying in the job's result
 * that it did.
 */
describeWithStack('the local engine as the last Deepgram endpoint: an outage degrades to local transcription', { stack: false }, (t) => {
  let apiUrl: string;
  let engine: AppProcess;

  const stopOnExit = (app: AppProcess) =>
    t.defer(async () => {
      if (app.child.exitCode !== null) return;
      app.child.kill('SIGTERM');
      await Promise.race([app.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    });

  before(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'local-engine-failover-'));
    t.defer(() => rm(dataDir, { recursive: true, force: true }));
    const enginePort = await freePort();
    engine = startAppProcess('src/main/local-engine.ts', { LOCAL_ENGINE_PORT: String(enginePort), EMULATOR_ENGINE_WORKERS: '1' }, 'Local engine listening');
    stopOnExit(engine);
    const unreachable = `http://127.0.0.1:${await freePort()}`; // nothing listens there: Deepgram is "down"
    const port = await freePort();
    const app = startAppProcess(
      'src/main/start.ts',
      stackEnv(t.parts, {
        DEEPGRAM_API_URL: `${unreachable},http://127.0.0.1:${enginePort}`,
        DEEPGRAM_API_KEY: 'a-real-deepgram-key',
        PORT: String(port),
        METRICS_PORT: String(await freePort()),
        TEMPORAL_SDK_METRICS_PORT: String(await freePort()),
        LIVE_TASK_QUEUE: `live-local-failover-${randomBytes(4).toString('hex')}`,
        DATA_DIR: dataDir,
        SYNC_WAIT_MS: '120000',
      }),
      'Ctrl+C stops everything',
    );
    stopOnExit(app);
    await Promise.all([engine.ready, app.ready]);
    apiUrl = `http://127.0.0.1:${port}`;
  });

  test('the local engine says what it is and that any key is accepted, with no admin API', async () => {
    const banner = engine.lines.join('\n');
    assert.match(banner, /Local engine listening on http:\/\/127\.0\.0\.1:\d+: Deepgram's \/v1\/listen \(REST and WebSocket\) and \/v2\/listen \(Flux\) with real words from the local Whisper engine/);
    assert.match(banner, /Any API key is accepted/);
    const url = banner.match(/listening on (http:\/\/[\d.]+:\d+)/)![1]!;
    const admin = await fetch(`${url}/_emulator/faults`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(admin.status, 404, 'fault injection is off unless LOCAL_ENGINE_FAULTS=true');
  });

  const assertLocalTranscript = (body: any) => {
    assert.equal(body.status, 'completed', JSON.stringify(body).slice(0, 500));
    const wer = wordErrorRate(PREAMBLE_REF, body.transcript);
    assert.ok(wer <= PREAMBLE_WER_LIMIT, `WER ${wer.toFixed(3)}: ${body.transcript}`);
    const { metadata } = body.result;
    assert.equal(metadata.model_info[metadata.models[0]].name, 'local-whisper-base', 'the result says which engine answered');
    assert.equal(metadata.warnings[0].type, 'local_engine');
  };

  test('a sync request during the outage is answered by the local engine', async () => {
    const audio = await readFile(path.join(AUDIO_DIR, 'preamble-rest.wav'));
    const res = await fetch(`${apiUrl}/v1/transcriptions?mode=sync`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: audio });
    assertLocalTranscript(await res.json());
    assert.equal(res.status, 200);
  });

  test('an async job during the outage completes through the local engine instead of waiting', async () => {
    const audio = await readFile(path.join(AUDIO_DIR, 'preamble-16k.wav'));
    const res = await fetch(`${apiUrl}/v1/transcriptions?mode=async`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: audio });
    assert.equal(res.status, 202);
    const { id } = (await res.json()) as { id: string };
    const deadline = Date.now() + 90_000;
    let job: any;
    do {
      await new Promise((r) => setTimeout(r, 500));
      job = await (await fetch(`${apiUrl}/v1/transcriptions/${id}`)).json();
    } while (job.status !== 'completed' && job.status !== 'failed' && Date.now() < deadline);
    assertLocalTranscript(job);
  });
});
