import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { openSdkLive, sendAudio } from '../helpers/live.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startAppProcess, type AppProcess } from '../helpers/processes.js';
import { freePort, postJson, stackEnv } from '../helpers/stack.js';
import { BUELLER_WER_LIMIT, deepgramWords, PREAMBLE_WER_LIMIT, SPACEWALK_WER_LIMIT, wordErrorRate } from '../helpers/wer.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { longRecording } from '../helpers/long-recording.js';

const PREAMBLE_REF = deepgramWords('prerecorded/prerecorded-nova3-smart-format-file-preamble.json');
const SPACEWALK_REF = deepgramWords('prerecorded/prerecorded-nova2-paragraphs-spacewalk.json');
const BUELLER_REF = deepgramWords('prerecorded/prerecorded-nova3-smart-format-url-bueller.json');

/**
 * Offline mode end to end: `npm start` as a real process with NO Deepgram key, so it starts the emulator with the
 * local Whisper engine; real recordings go through our API (batch: Temporal workflow → SDK → emulator; live: our
 * WebSocket → streaming worker → emulator) and come back as real words. Needs `npm run setup`: without the engine
 * `EMULATOR_ENGINE=whisper` makes start-up fail, and so do these tests.
 */
describeWithStack('offline mode: npm start without a Deepgram key transcribes real audio with the local engine', { media: true, stack: false }, (t) => {
  let app: AppProcess;
  let apiUrl: string;

  before(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'offline-engine-'));
    t.defer(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const env = stackEnv(t.parts, {
      // No Deepgram at all: npm start must bring its own.
      DEEPGRAM_API_URL: '',
      DEEPGRAM_API_KEY: '',
      EMULATOR_ENGINE: 'whisper',
      EMULATOR_PORT: String(await freePort()),
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
      TEMPORAL_SDK_METRICS_PORT: String(await freePort()),
      LIVE_TASK_QUEUE: `live-offline-${randomBytes(4).toString('hex')}`,
      DATA_DIR: dataDir,
      // Whisper base decodes at ~0.2x real time per core; on a busy 2-core machine give sync requests room.
      SYNC_WAIT_MS: '120000',
      // The long recording below is cut into chunks; every other recording here is far shorter than this.
      CHUNK_THRESHOLD_SECONDS: '60',
      CHUNK_SECONDS: '25',
    });
    app = startAppProcess('src/main/start.ts', env, 'Ctrl+C stops everything');
    t.defer(async () => {
      if (app.child.exitCode !== null) return;
      app.child.kill('SIGTERM');
      await Promise.race([app.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    });
    await app.ready;
    apiUrl = `http://127.0.0.1:${port}`;
  });

  test('the banner says the emulator answers with the offline engine', () => {
    const banner = app.lines.join('\n');
    assert.match(banner, /OFFLINE speech engine:\s+Whisper whisper-base \(faster-whisper 1\.2\.1 on (cpu|cuda)/);
    assert.match(banner, /local-whisper-base/);
    assert.doesNotMatch(banner, /transcripts are SYNTHETIC/);
  });

  test('recordings sent to POST /v1/transcriptions come back as real words in Deepgram’s shape, within the WER limits', async () => {
    const cases: Array<[string, string[], number, number]> = [
      ['preamble-rest.wav', PREAMBLE_REF, PREAMBLE_WER_LIMIT, 19.098],
      ['spacewalk.wav', SPACEWALK_REF, SPACEWALK_WER_LIMIT, 25.933],
      ['Bueller-Life-moves-pretty-fast.wav', BUELLER_REF, BUELLER_WER_LIMIT, 17.566],
    ];
    for (const [file, reference, limit, seconds] of cases) {
      const audio = await readFile(path.join(AUDIO_DIR, file));
      const res = await fetch(`${apiUrl}/v1/transcriptions?mode=sync`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: audio });
      const body = (await res.json()) as any;
      assert.equal(res.status, 200, JSON.stringify(body).slice(0, 500));
      assert.equal(body.status, 'completed');
      const wer = wordErrorRate(reference, body.transcript);
      assert.ok(wer <= limit, `${file}: WER ${wer.toFixed(3)} > ${limit}: ${body.transcript}`);
      const { metadata, results } = body.result;
      assert.equal(metadata.model_info[metadata.models[0]].name, 'local-whisper-base');
      assert.equal(metadata.warnings[0].type, 'local_engine');
      assert.ok(Math.abs(metadata.duration - seconds) < 0.01, `${file}: duration ${metadata.duration}`);
      const words = results.channels[0].alternatives[0].words;
      assert.ok(words.every((w: any) => w.end >= w.start && w.confidence >= 0 && w.confidence <= 1));
    }
  });

  test('a long recording cut into chunks comes back with every word: real speech across the cuts, within the WER limits', async () => {
    const files = ['preamble-16k.wav', 'spacewalk.wav', 'Bueller-Life-moves-pretty-fast.wav'];
    const references = [PREAMBLE_REF, SPACEWALK_REF, BUELLER_REF];
    const long = await longRecording(await Promise.all(files.map((f) => readFile(path.join(AUDIO_DIR, f)))), { pauseSeconds: 1.5, minSeconds: 100 });
    const res = await fetch(`${apiUrl}/v1/transcriptions?mode=async&punctuate=true`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: long.wav });
    assert.equal(res.status, 202, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    let job: any;
    for (const deadline = Date.now() + 240_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      job = await (await fetch(`${apiUrl}/v1/transcriptions/${id}`)).json();
      if (job.status === 'completed' || job.status === 'failed') break;
    }
    assert.equal(job.status, 'completed', JSON.stringify(job.error));
    assert.ok(job.chunks.total >= 4, JSON.stringify(job.chunks));
    const reference = long.starts.flatMap((_, i) => references[i % references.length]!);
    const wer = wordErrorRate(reference, job.transcript);
    assert.ok(wer <= SPACEWALK_WER_LIMIT, `WER ${wer.toFixed(3)} across ${job.chunks.total} chunks: ${job.transcript}`);
    assert.equal(job.result.metadata.model_info[job.result.metadata.models[0]].name, 'local-whisper-base');
  });

  test('audio the engine cannot decode fails the job with Deepgram’s 400', async () => {
    const url = t.media.put('offline-corrupt.wav', Buffer.from('this is not audio, just text pretending to be a wav file'.repeat(20)));
    const res = await postJson(`${apiUrl}/v1/transcriptions`, { url, mode: 'sync' });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.status, 400);
    assert.equal(res.body.error.deepgramCode, 'Bad Request');
    assert.match(res.body.error.message, /corrupt or unsupported data/);
  });

  test('live: a stream to our WebSocket gets interim and final results with real words, paced by the audio', async () => {
    const wav = await readFile(path.join(AUDIO_DIR, 'preamble-16k.wav'));
    const live = await openSdkLive(apiUrl, { interim_results: 'true', punctuate: 'true' });
    // 100 ms every 100 ms: real time, as a microphone sends it (Whisper re-decodes for interims about once a second).
    await sendAudio((c) => live.conn.sendMedia(c), wav, 3200, 100);
    const whileStreaming = live.messages.filter((m) => m.type === 'Results' && m.channel.alternatives[0].words.length > 0).length;
    live.conn.sendCloseStream({ type: 'CloseStream' });
    const closed = await live.closed;
    assert.equal(closed.code, 1000);
    assert.ok(whileStreaming >= 3, `only ${whileStreaming} Results with words arrived while streaming`);
    const results = live.messages.filter((m) => m.type === 'Results');
    assert.ok(results.some((m) => !m.is_final), 'interim results');
    const transcript = results
      .filter((m) => m.is_final)
      .map((m) => m.channel.alternatives[0].transcript)
      .join(' ');
    const wer = wordErrorRate(PREAMBLE_REF, transcript);
    assert.ok(wer <= PREAMBLE_WER_LIMIT, `live WER ${wer.toFixed(3)} > ${PREAMBLE_WER_LIMIT}: ${transcript}`);
    assert.equal(results[0].metadata.model_info.name, 'local-whisper-base');
  });
});
