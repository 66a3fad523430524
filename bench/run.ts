/**
 * `npm run bench`: measurements, printed as tables. Starts its own Temporal dev server (in memory)
 * and uses the local PostgreSQL (TEST_DATABASE_URL) like the tests. BENCH_ITERATIONS sets the sample size;
 * BENCH_ONLY (comma-separated: sync, live, capacity, fair, engine, memory, floor, throughput, chunked) runs some of them; BENCH_MEMORY_STORES
 * (postgres,filesystem) picks the blob stores the memory benchmark uploads through.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { findTemporalCli, INSTALL_CLI_HINT } from '../src/temporal/cli-path.js';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/runtime/free-port.js';
import { medianBy, printTable } from './stats.js';
import { benchSyncLatency } from './sync-latency.js';
import { benchLiveCapacity } from './live-capacity.js';
import { benchLiveLatency } from './live-latency.js';
import { benchEngineAccuracy, NOISE_SNR_DB } from './engine-accuracy.js';
import { measureEngineFootprint, type EngineFootprint } from './engine-footprint.js';
import { benchEngineLive } from './engine-live.js';
import { benchFairShare } from './fair-share.js';
import { benchUploadMemory } from './upload-memory.js';
import { benchTemporalFloor, type FloorResult } from './temporal-floor.js';
import { benchThroughput, type ThroughputResult } from './throughput.js';
import { benchBullmqPeer, type QueuePeerResult } from './bullmq-peer.js';
import { startDeepgramStandIn } from './deepgram-stand-in.js';
import { startBenchClient } from './bench-client.js';
import { benchChunkedLongAudio } from './chunked-long-audio.js';
import { DEV_SERVER_SQLITE_PRAGMAS } from '../src/temporal/dev-server.js';
import { loadavg } from 'node:os';

const log = (m: string) => process.stderr.write(`  … ${m}\n`);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 100);
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const want = (name: string) => !only || only.includes(name);
const fairJobs = Number(process.env.BENCH_FAIR_JOBS ?? 2000);
const memorySingleMiB = Number(process.env.BENCH_MEMORY_SINGLE_MIB ?? 1024);
const memoryEachMiB = Number(process.env.BENCH_MEMORY_EACH_MIB ?? 500);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, process.env.PATH);
if (!cli) {
  console.error(`bench: no Temporal CLI. ${INSTALL_CLI_HINT}`);
  process.exit(1);
}
const port = await freePort();
log('starting the Temporal dev server ...');
const temporal = await startTemporalDevServer({ cliPath: cli, port, uiPort: 0, headless: true, namespace: 'default' });
try {
  if (want('sync')) {
    const apart = await benchSyncLatency(temporal.address, iterations, log, { shareWorkerConnection: false });
    const shared = await benchSyncLatency(temporal.address, iterations, log, { shareWorkerConnection: true });
    const overhead = (r: typeof apart) => [r.platform.p50 - r.direct.p50, r.platform.p99 - r.direct.p99, r.platform.mean - r.direct.mean];
    printTable(
      `Sync transcription latency, ${iterations} sequential requests each (preamble-rest.wav, 19 s, emulator; ms; dev server in memory)`,
      ['path', 'n', 'p50', 'p99', 'mean'],
      [
        ['platform, API and worker apart (own connections)', apart.platform.n, apart.platform.p50, apart.platform.p99, apart.platform.mean],
        ['  direct (SDK → emulator), interleaved with it', apart.direct.n, apart.direct.p50, apart.direct.p99, apart.direct.mean],
        ['  overhead over direct (targets: p50 40, p99 90)', '', ...overhead(apart)],
        ['platform, npm start layout (shared connection, eager start)', shared.platform.n, shared.platform.p50, shared.platform.p99, shared.platform.mean],
        ['  direct (SDK → emulator), interleaved with it', shared.direct.n, shared.direct.p50, shared.direct.p99, shared.direct.mean],
        ['  overhead over direct (targets: p50 40, p99 90)', '', ...overhead(shared)],
      ],
    );
  }
  if (want('fair')) await fairShareTables();
  if (want('memory')) await uploadMemoryTable();
  if (want('floor')) await temporalFloorTable();
  if (want('throughput')) await throughputTable();
  if (want('live')) {
    const live = await benchLiveLatency(temporal.address, 5, log);
    printTable(
      'Live streaming: per-message latency of interim results, 5 streams of preamble-16k.wav (19 s, linear16 16 kHz, 100 ms chunks at 4x real time; ms)',
      ['path', 'n', 'p50', 'p99', 'mean'],
      [
        ['through the streaming worker (WS → relay activity → SDK → emulator)', live.relay.n, live.relay.p50, live.relay.p99, live.relay.mean],
        ['direct (WS → emulator)', live.direct.n, live.direct.p50, live.direct.p99, live.direct.mean],
        ['added by the relay', '', live.relay.p50 - live.direct.p50, live.relay.p99 - live.direct.p99, live.relay.mean - live.direct.mean],
      ],
    );
  }
  if (want('capacity')) {
    const capacity = await benchLiveCapacity(temporal.address, { levels: [50, 100, 200, 300, 400, 600], windowMs: 10_000, maxP99Ms: 300 }, log);
    printTable(
      `Live streaming capacity of one streaming worker process (real-time 16 kHz streams; holds = no failure and p99 ≤ 300 ms; idle worker RSS ${capacity.baselineMiB.toFixed(0)} MiB)`,
      ['streams', 'p50 ms', 'p99 ms', 'worker RSS MiB', 'KiB / session', 'worker CPU %', 'emulator CPU %', 'clients CPU %', 'machine CPU %', 'failed', 'holds'],
      capacity.levels.map((l) => [l.streams, l.p50, l.p99, l.rssMiB, l.perSessionKiB, l.workerCpu, l.emulatorCpu, l.clientsCpu, l.machineCpu, l.failed + (l.firstFailure ? ` (${l.firstFailure})` : ''), l.holds ? 'yes' : 'no']),
    );
  }
  if (want('engine')) await engineTables();
  if (want('chunked')) await chunkedTable();
} finally {
  await temporal.stop();
}
process.exit(0);

/** A long recording in one Deepgram call and in parallel chunks, through the local engine and a Deepgram stand-in. */
async function chunkedTable(): Promise<void> {
  const minutes = Number(process.env.BENCH_CHUNKED_MINUTES ?? 30);
  const msPerAudioSecond = Number(process.env.BENCH_CHUNKED_STANDIN_MS_PER_AUDIO_SECOND ?? 20);
  const result = await benchChunkedLongAudio(temporal.address, { minutes, standInMsPerAudioSecond: msPerAudioSecond }, log);
  const wall = (path: string, mode: string) => result.runs.find((r) => r.path === path && r.mode === mode)?.wallSeconds ?? NaN;
  printTable(
    `Long audio: ${(result.audioSeconds / 60).toFixed(1)} minutes of the fixtures' speech with pauses, one async job, submission to completed (s); chunked = CHUNK_THRESHOLD_SECONDS 600, CHUNK_SECONDS 300`,
    ['path', 'mode', 'chunks', 'wall s', 'speed-up', 'WER vs Deepgram’s transcripts'],
    result.runs.map((r) => [r.path, r.mode, r.chunks, r.wallSeconds, r.mode === 'chunked' ? wall(r.path, 'whole') / r.wallSeconds : '', r.wer ?? 'n/a (synthetic words)']),
  );
  const local = result.runs.filter((r) => r.wer !== null);
  if (local.length === 2) {
    printTable('Long audio: does chunking cost accuracy? (local engine; target: chunked WER at most 0.01 above the unchunked one)', ['measure', 'value'], [
      ['WER chunked − WER whole (vs Deepgram’s transcripts)', local[1]!.wer! - local[0]!.wer!],
      ['WER of the chunked transcript against the unchunked one', result.chunkedVsWhole ?? NaN],
    ]);
  }
}

/**
 * Many async jobs through the whole platform against Temporal's own floor and the reference design's queue (BullMQ on
 * Redis), same machine, same run: what the platform costs per job beyond the workflow it must run (Deepgram answering
 * in 200 ms), and whether it is what limits throughput once Deepgram takes as long as a real file does (2 s).
 */
async function throughputTable(): Promise<void> {
  const jobs = Number(process.env.BENCH_THROUGHPUT_JOBS ?? 1000);
  const fast = Number(process.env.BENCH_THROUGHPUT_LATENCY_MS ?? 200);
  const slow = Number(process.env.BENCH_THROUGHPUT_SLOW_LATENCY_MS ?? 2000);
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const rounds = Math.max(1, Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 3));
  const redis = await redisReachable(redisUrl);
  if (!redis) log(`Redis is not reachable at ${redisUrl}: the BullMQ rows are skipped`);
  const cpuTotal = (r: ThroughputResult) => r.serverCpuMsPerJob + r.apiWorkerCpuMsPerJob + r.postgresCpuMsPerJob;
  const project = (r: ThroughputResult) => [r.label, r.makespanSeconds, r.submitsPerSecond, r.serverCpuMsPerJob, r.apiWorkerCpuMsPerJob, r.postgresCpuMsPerJob, cpuTotal(r), r.throttled];
  const header = ['system', 'makespan s', 'submissions/s', 'Temporal server / Redis CPU', 'API + worker CPU', 'PostgreSQL CPU', 'CPU total', '429s waited out'];

  const settings = { jobs, latencyMs: fast, cap: 50 };
  // The rows a target compares run in turns, `rounds` times, and each is reported by its median round: this shared
  // machine's speed drifts by more than the gaps measured, and a single pair could fall on either side of a drift.
  const projectRounds: ThroughputResult[] = [];
  const floorRounds: FloorResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    log(`throughput at ${fast} ms: round ${round}/${rounds}`);
    projectRounds.push(await benchThroughput(cli!, { ...settings, label: 'this project, default settings, one by one', env: {} }, log));
    floorRounds.push(await withStandIn(fast, (deepgram) => benchTemporalFloor(cli!, { ...settings, label: 'floor', sqlitePragmas: DEV_SERVER_SQLITE_PRAGMAS, deepgram }, log)));
  }
  const defaults = medianRound(projectRounds);
  const floor = medianRound(floorRounds);
  const batched = await benchThroughput(cli!, { ...settings, label: `this project, POST /v1/transcriptions/batch of ${Math.min(1000, jobs)}`, env: {}, batchSize: Math.min(1000, jobs) }, log);
  const floorWaiting = await benchTemporalFloor(cli!, { ...settings, label: 'floor, waiting only', sqlitePragmas: DEV_SERVER_SQLITE_PRAGMAS }, log);
  const bullmq = redis ? await withStandIn(fast, (deepgram) => benchBullmqPeer({ ...settings, redisUrl, deepgram }, log)) : undefined;
  const floorTotal = (r: FloorResult) => r.serverCpuMsPerJob + r.clientWorkerCpuMsPerJob;
  const floorCpu = floorTotal(floor);
  const perRound = (ratios: number[]) => ratios.map((r) => r.toFixed(2)).join(', ');
  printTable(
    `Throughput: ${jobs} async jobs, Deepgram answers in ${fast} ms, at most 50 calls at once (Temporal: dev server on a SQLite file with ${DEV_SERVER_SQLITE_PRAGMAS.join(', ')}; CPU ms per job; the Deepgram stand-in's CPU not counted; the project one by one and the floor in ${rounds} alternating rounds, each row its median round)`,
    header,
    [
      project(defaults),
      project(batched),
      ["Temporal's floor: one workflow of one activity (the Deepgram call) per job", floor.makespanSeconds, floor.startsPerSecond, floor.serverCpuMsPerJob, floor.clientWorkerCpuMsPerJob, 0, floorCpu, 0],
      ['  the same, its activity only waiting (no Deepgram call)', floorWaiting.makespanSeconds, floorWaiting.startsPerSecond, floorWaiting.serverCpuMsPerJob, floorWaiting.clientWorkerCpuMsPerJob, 0, floorWaiting.serverCpuMsPerJob + floorWaiting.clientWorkerCpuMsPerJob, 0],
      ...(bullmq ? [['BullMQ on Redis (the reference design’s queue)', bullmq.makespanSeconds, bullmq.submitsPerSecond, bullmq.redisCpuMsPerJob, bullmq.clientWorkerCpuMsPerJob, 0, bullmq.redisCpuMsPerJob + bullmq.clientWorkerCpuMsPerJob, 0]] : []),
      ['ratio: project (defaults, one by one) / floor (targets 1.3 and 1.5)', defaults.makespanSeconds / floor.makespanSeconds, '', '', '', '', cpuTotal(medianBy(projectRounds, cpuTotal)) / floorTotal(medianBy(floorRounds, floorTotal)), ''],
      [
        `  the same ratio round by round: makespan ${perRound(projectRounds.map((r, i) => r.makespanSeconds / floorRounds[i]!.makespanSeconds))}; CPU ${perRound(projectRounds.map((r, i) => cpuTotal(r) / floorTotal(floorRounds[i]!)))}`,
        '', '', '', '', '', '', '',
      ],
    ],
  );

  const slowSettings = { jobs, latencyMs: slow, cap: 50 };
  const slowProjectRounds: ThroughputResult[] = [];
  const slowBullmqRounds: QueuePeerResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    log(`throughput at ${slow} ms: round ${round}/${rounds}`);
    slowProjectRounds.push(await benchThroughput(cli!, { ...slowSettings, label: 'this project, default settings, one by one', env: {} }, log));
    if (redis) slowBullmqRounds.push(await withStandIn(slow, (deepgram) => benchBullmqPeer({ ...slowSettings, redisUrl, deepgram }, log)));
  }
  const slowProject = medianRound(slowProjectRounds);
  const slowBullmq = redis ? medianRound(slowBullmqRounds) : undefined;
  printTable(
    `Throughput when Deepgram is the bottleneck: ${jobs} async jobs, Deepgram answers in ${slow} ms, at most 50 calls at once (so ${((jobs * slow) / 50 / 1000).toFixed(0)} s of Deepgram time at the least; ${rounds} alternating rounds, each row its median round)`,
    header,
    [
      project(slowProject),
      ...(slowBullmq
        ? [
            ['BullMQ on Redis (the reference design’s queue)', slowBullmq.makespanSeconds, slowBullmq.submitsPerSecond, slowBullmq.redisCpuMsPerJob, slowBullmq.clientWorkerCpuMsPerJob, 0, slowBullmq.redisCpuMsPerJob + slowBullmq.clientWorkerCpuMsPerJob, 0],
            ['ratio: project / BullMQ (target 1.1)', slowProject.makespanSeconds / slowBullmq.makespanSeconds, '', '', '', '', '', ''],
            [`  the same ratio round by round: ${perRound(slowProjectRounds.map((r, i) => r.makespanSeconds / slowBullmqRounds[i]!.makespanSeconds))}`, '', '', '', '', '', '', ''],
          ]
        : []),
    ],
  );
}

/**
 * Runs `run` against a Deepgram stand-in answering after `latencyMs` (the emulator) and the audio it fetches (hosted by
 * the bench client's process): the same stand-in the project's rows call, none of it counted as the peer's CPU.
 */
async function withStandIn<T>(latencyMs: number, run: (deepgram: { url: string; key: string; audioUrl: string }) => Promise<T>): Promise<T> {
  const standIn = await startDeepgramStandIn(latencyMs);
  const audio = await startBenchClient({ label: 'audio host' }, log).catch(async (err: unknown) => {
    await standIn.stop();
    throw err;
  });
  try {
    return await run({ url: standIn.url, key: standIn.key, audioUrl: audio.audioUrl });
  } finally {
    await audio.stop();
    await standIn.stop();
  }
}

/** The round whose makespan is the median of all rounds (declared, not assigned: the tables run before this line). */
function medianRound<T extends { makespanSeconds: number }>(results: T[]): T {
  return medianBy(results, (r) => r.makespanSeconds);
}

/** Whether a Redis server answers PING at `url` within two seconds. */
async function redisReachable(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Temporal's own floor per job on a SQLite file: its default settings against the pragmas `npm start` uses. */
async function temporalFloorTable(): Promise<void> {
  const jobs = Number(process.env.BENCH_FLOOR_JOBS ?? 1000);
  const settings = { jobs, latencyMs: 200, cap: 50 };
  const rows = [];
  for (const [label, sqlitePragmas] of [
    ['SQLite defaults (rollback journal, synchronous=full)', []],
    [`npm start's: ${DEV_SERVER_SQLITE_PRAGMAS.join(', ')}`, DEV_SERVER_SQLITE_PRAGMAS],
  ] as const) {
    rows.push(await benchTemporalFloor(cli!, { ...settings, label, sqlitePragmas }, log));
  }
  printTable(
    `Temporal's floor: ${jobs} workflows of one activity each (waiting 200 ms), 50 activities at once, one dev server on a SQLite file (CPU ms per job)`,
    ['SQLite settings', 'makespan s', 'starts/s', 'server CPU', 'client + worker CPU'],
    rows.map((r) => [r.label, r.makespanSeconds, r.startsPerSecond, r.serverCpuMsPerJob, r.clientWorkerCpuMsPerJob]),
  );
}

/** API and worker memory while uploads of 1 GiB, and of 4 × 500 MiB at once, are accepted and transcribed. */
async function uploadMemoryTable(): Promise<void> {
  const MiB = 1024 * 1024;
  const stores = (process.env.BENCH_MEMORY_STORES ?? 'postgres,filesystem,s3').split(',').map((s) => s.trim()) as Array<'postgres' | 'filesystem' | 's3'>;
  const rows = [];
  for (const store of stores) {
    rows.push(...(await benchUploadMemory(temporal.address, { store, singleBytes: memorySingleMiB * MiB, concurrent: 4, concurrentBytes: memoryEachMiB * MiB }, log)));
  }
  printTable(
    `Memory while uploads are accepted and transcribed (API and batch worker as their own processes; RSS in MiB, sampled every 100 ms; targets: one 1 GiB upload grows each by ≤ 64 MiB, 4 × 500 MiB at once keep each ≤ 512 MiB)`,
    ['blob store', 'uploads', 'MiB each', 'seconds', 'MiB/s', 'API idle', 'API peak', 'API growth', 'worker idle', 'worker peak', 'worker growth', 'arrived whole'],
    rows.map((r) => [
      r.store,
      r.scenario,
      r.bytesEach / MiB,
      r.seconds,
      (r.uploads * r.bytesEach) / MiB / r.seconds,
      r.api.baselineMiB,
      r.api.peakMiB,
      r.api.peakMiB - r.api.baselineMiB,
      r.worker.baselineMiB,
      r.worker.peakMiB,
      r.worker.peakMiB - r.worker.baselineMiB,
      r.intact ? 'yes' : 'NO',
    ]),
  );
}

/**
 * Fair share under a saturated Deepgram cap: the same run with Temporal's fairness on (this project's setting) and
 * off (plain first-come, first-served task queues: what a single shared queue gives).
 */
async function fairShareTables(): Promise<void> {
  const settings = { bigJobs: fairJobs, smallJobs: 10, cap: 50, latencyMs: 200 };
  const fair = await benchFairShare(temporal.address, { ...settings, label: 'fair' }, log);
  log('starting a second dev server with fairness off ...');
  const fifoServer = await startTemporalDevServer({
    cliPath: cli!,
    port: await freePort(),
    uiPort: 0,
    headless: true,
    namespace: 'default',
    dynamicConfig: ['matching.enableFairness=false', 'matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'],
  });
  let fifo;
  try {
    fifo = await benchFairShare(fifoServer.address, { ...settings, label: 'fifo' }, log);
  } finally {
    await fifoServer.stop();
  }
  printTable(
    `Fair share: tenant A submits ${settings.bigJobs} async jobs, then tenant B submits ${settings.smallJobs}; DEEPGRAM_MAX_CONCURRENT=${settings.cap}, Deepgram answers in ${settings.latencyMs} ms (seconds)`,
    ['task queues', "B's jobs: p50", 'max', "A's backlog when B submitted", "A's left when B was done", "A's makespan", 'A submit time'],
    [
      ['Temporal fairness by tenant (this project)', fair.small.p50, fair.small.max, fair.bigBacklogAtSubmit, fair.bigBacklogWhenSmallDone, fair.makespanSeconds, fair.submitSeconds],
      ['first come, first served (fairness off)', fifo.small.p50, fifo.small.max, fifo.bigBacklogAtSubmit, fifo.bigBacklogWhenSmallDone, fifo.makespanSeconds, fifo.submitSeconds],
    ],
  );
}

/** The local speech engine: accuracy per model and recording (clean and noisy), its footprint, and live streams. */
async function engineTables(): Promise<void> {
  const load = loadavg()[0]!.toFixed(1);
  const engine = await benchEngineAccuracy(log);
  if (!engine) {
    console.log('\nOffline speech engine: not installed (npm run setup), no engine tables.');
    return;
  }
  const { info } = engine;
  printTable(
    `Offline speech engine: faster-whisper ${info.engineVersion} (CTranslate2 ${info.runtimeVersion}, ${info.device}), PyAV ${info.decoderVersion} / FFmpeg ${info.ffmpegVersion}; ` +
      `WER against Deepgram's transcripts (case, punctuation and digits normalised), on each recording and on it with white noise at ${NOISE_SNR_DB} dB SNR; ` +
      `RTF = wall time / audio time, one decode at a time, load average ${load} before the run`,
    ['model', 'recording', 'audio', 'path', 'audio s', 'ref words', 'WER', 'RTF', 'reference'],
    engine.rows.map((r) => [r.model, r.file, r.audio === 'noise' ? `${NOISE_SNR_DB} dB noise` : 'clean', r.path, r.seconds, r.referenceWords, r.wer, r.rtf, r.source]),
  );
  const footprints: EngineFootprint[] = [];
  for (const model of ['base', 'tiny.en'] as const) {
    log(`engine: footprint of one ${model} worker ...`);
    footprints.push(await measureEngineFootprint(model, ['preamble-rest.wav', 'spacewalk.wav', 'Bueller-Life-moves-pretty-fast.mp3']));
  }
  printTable(
    'Offline speech engine per model: word-weighted WER over the REST rows above (clean / noisy), time-weighted RTF, and one pool worker on its own (start = process start to model ready; peak RSS after three recordings)',
    ['model', 'WER clean', `WER ${NOISE_SNR_DB} dB noise`, 'RTF', 'worker start s', 'model load s', 'peak RSS MiB'],
    engine.summaries.map((s, i) => [s.model, s.wer, s.noisyWer, s.rtf, footprints[i]!.startSeconds, footprints[i]!.loadSeconds, footprints[i]!.peakRssMiB]),
  );
  const levels = (process.env.BENCH_ENGINE_LIVE_STREAMS ?? '1,2,3,4').split(',').map(Number);
  const live = await benchEngineLive(levels, log);
  printTable(
    'Offline speech engine, live: real-time streams at once (spacewalk.wav, 26 s, 100 ms chunks, interim results), one pool worker per core; ms after the audio (holds = none failed and finals p50 ≤ 1.5 s after the cut)',
    ['streams', 'final after cut p50', 'p99', 'final after last word p50', 'p99', 'interim lag p50', 'p99', 'interims', 'WER', 'failed', 'holds'],
    live.map((l) => [l.streams, l.finalsAfterCut.p50, l.finalsAfterCut.p99, l.finalsAfterLastWord.p50, l.finalsAfterLastWord.p99, l.interims.p50, l.interims.p99, l.interims.n, l.wer, l.failed, l.holds ? 'yes' : 'no']),
  );
}
