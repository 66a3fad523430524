/**
 * `npm test`: starts one real Temporal dev server (from the installed CLI, in memory) for the whole run,
 * then runs every test file with node's test runner against it, PostgreSQL and the Deepgram emulator.
 * Usage: npm test [-- file.test.ts ...]; TEST_LANES=1 runs every file one after another.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DefaultLogger } from '@temporalio/worker';
import { bundleWorkflows } from '../src/runtime/workflow-code.js';
import path from 'node:path';
import { findTemporalCli, INSTALL_CLI_HINT } from '../src/temporal/cli-path.js';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/runtime/free-port.js';

const root = path.resolve(import.meta.dirname, '..');
const SUITES = ['test/unit', 'test/http', 'test/emulator', 'test/integration'];

/**
 * Files that keep both cores busy for a long time (the local speech engine, the fuzzer, thousands of jobs, child
 * processes) share one lane, so no two of them ever run at once; everything else runs in the other lane beside them.
 * On two cores this roughly halves the wall time, while the timing-sensitive tests never share the machine with more
 * than one other test file.
 */
const HEAVY = [
  'test/emulator/engine.test.ts',
  'test/emulator/engine-pool.test.ts',
  'test/integration/offline-engine.test.ts',
  'test/integration/local-engine-failover.test.ts',
  'test/integration/openapi.test.ts',
  'test/integration/fair-share.test.ts',
  'test/integration/processes.test.ts',
  'test/integration/long-timers.test.ts',
  // Seven processes of its own (API, workers, Temporal, PostgreSQL, emulator), killed and restarted.
  'test/integration/chaos.test.ts',
  // A thousand-job batch through the whole stack.
  'test/integration/transcription-batch.test.ts',
  // Caddy in front of four app processes (two APIs, two streaming workers), one of them drained mid-session.
  'test/integration/reverse-proxy.test.ts',
  // Headless Chromium with a fake microphone, and a live session beside an upload.
  'test/integration/console.test.ts',
  // A streaming worker process killed mid-stream, and a stream taken over by another worker.
  'test/integration/stream-mode-failover.test.ts',
  // Live sessions and re-passes against the local Whisper engine (real words, so WER can be compared).
  'test/integration/live-recordings.test.ts',
  // Compiles the whole platform (tsc, two workflow bundles) and runs four processes from it, the local engine's Whisper included.
  'test/integration/compiled-build.test.ts',
  // Builds the client package (esbuild, tsc), installs its tarball with npm, type-checks a project against it.
  'test/integration/client-package.test.ts',
  // Live timing (reconnects, gauges) that failed twice beside the chaos run's seven processes: never beside a heavy file.
  'test/integration/live-streaming.test.ts',
  // Not heavy, but long: here they even out the two lanes (with the chaos run and the strict fuzzer in this lane, the
  // outages file went back to the other one: this lane had run ~2.5 minutes longer).
  'test/integration/worker-crash.test.ts',
  'test/integration/tenants.test.ts',
];

/**
 * The workflow bundles (with and without the tracing interceptors) every test file's workers load: built once here
 * rather than once per file (each build takes about 2 s of CPU).
 */
async function buildWorkflowBundles(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dtp-workflow-bundles-'));
  const logger = new DefaultLogger('WARN');
  const [plain, traced] = await Promise.all([bundleWorkflows({ tracing: false, logger }), bundleWorkflows({ tracing: true, logger })]);
  await writeFile(path.join(dir, 'plain.js'), plain.code);
  await writeFile(path.join(dir, 'traced.js'), traced.code);
  return dir;
}

function testFiles(): string[] {
  const requested = process.argv.slice(2);
  if (requested.length > 0) return requested;
  return SUITES.flatMap((dir) => {
    try {
      return readdirSync(path.join(root, dir))
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  });
}


let cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, process.env.PATH);
if (!cli) {
  console.log('test: Temporal CLI not found, running `npm run setup` ...');
  spawnSync('bash', [path.join(root, 'scripts/setup-tools.sh')], { stdio: 'inherit' });
  cli = await findTemporalCli(undefined, process.env.PATH);
}
// A checkout set up before the deployment checks existed: add their tools (hadolint, kubernetes-validate, kustomize).
if (cli && !existsSync(path.join(root, '.tools/deploy/bin/hadolint'))) {
  console.log('test: deployment check tools not found, running `npm run setup -- deploy` ...');
  spawnSync('bash', [path.join(root, 'scripts/setup-tools.sh'), 'deploy'], { stdio: 'inherit' });
}
if (!cli) {
  console.error(`test: no Temporal CLI. ${INSTALL_CLI_HINT}`);
  process.exit(1);
}

console.log(`test: starting the Temporal dev server (${cli}) and bundling the workflow code ...`);
const [server, bundleDir] = await Promise.all([
  startTemporalDevServer({ cliPath: cli, port: await freePort(), uiPort: 0, headless: true, namespace: 'default' }),
  buildWorkflowBundles(),
]);
console.log(`test: Temporal at ${server.address}`);

const files = testFiles();
const lanes = splitIntoLanes(files, Number(process.env.TEST_LANES ?? 2));
console.log(`test: running ${files.length} test files${lanes.length > 1 ? ` in ${lanes.length} lanes (each file in a process of its own, one file per lane at a time)` : ''} ...`);

const env = { ...process.env, TEMPORAL_TEST_ADDRESS: server.address, TEMPORAL_CLI_PATH: cli, TEST_WORKFLOW_BUNDLE_DIR: bundleDir };
const running = lanes.map((laneFiles, index) => runLane(laneFiles, lanes.length > 1 ? `${String.fromCharCode(97 + index)}│ ` : '', env));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const lane of running) lane.kill();
    void server.stop().finally(() => process.exit(130));
  });
}
const results = await Promise.all(running.map((lane) => lane.done));
await server.stop();
await rm(bundleDir, { recursive: true, force: true });

const count = (name: string) => results.reduce((sum, r) => sum + (r.totals[name] ?? 0), 0);
// A runner that died before its totals must not read as green.
const failed = count('fail') + results.filter((r) => r.code !== 0 && (r.totals.fail ?? 0) === 0).length;
console.log(`\n${count('pass')} passed, ${failed} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);


function splitIntoLanes(all: string[], count: number): string[][] {
  if (count <= 1 || all.length < 2) return [all];
  const heavy = all.filter((f) => HEAVY.some((h) => f.endsWith(h)));
  const quick = all.filter((f) => /test\/(unit|http)\//.test(f));
  const rest = all.filter((f) => !heavy.includes(f) && !quick.includes(f));
  // The quick tiers go first in the heavy lane: a broken build shows up within a minute.
  return [[...quick, ...heavy], rest].filter((lane) => lane.length > 0);
}

function runLane(laneFiles: string[], prefix: string, laneEnv: NodeJS.ProcessEnv): { done: Promise<{ code: number; totals: Record<string, number> }>; kill(): void } {
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx',
      '--test',
      // The Deepgram SDK leaves its request-timeout timer running when a request fails; don't wait for it.
      '--test-force-exit',
      `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '1'}`,
      '--test-reporter=spec',
      ...laneFiles,
    ],
    // Its own process group, so a stopped run takes every test file's process with it.
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: laneEnv },
  );
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  // The spec reporter's totals ("ℹ pass N") are read as they stream past, for the closing summary line.
  const totals: Record<string, number> = {};
  let lastOutput = Date.now();
  const relay = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      lastOutput = Date.now();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        out.write(`${prefix}${line}\n`);
        const m = line.match(/^ℹ (pass|fail|skipped|cancelled) (\d+)\s*$/);
        if (m) totals[m[1]!] = Number(m[2]);
      }
    });
  };
  relay(child.stdout!, process.stdout);
  relay(child.stderr!, process.stderr);
  // A hook that never returns would hang CI forever: a lane silent this long is stopped and fails.
  const stallMs = Number(process.env.TEST_STALL_MINUTES ?? 10) * 60_000;
  const watchdog = setInterval(() => {
    if (Date.now() - lastOutput < stallMs) return;
    console.error(`\n${prefix}test: no progress for ${stallMs / 60_000} minutes; stopping the lane (the test file after the last one reported hangs)`);
    totals.fail = (totals.fail ?? 0) + 1;
    kill();
  }, 10_000);
  const done = new Promise<{ code: number; totals: Record<string, number> }>((resolve) =>
    child.on('exit', (c, signal) => {
      clearInterval(watchdog);
      resolve({ code: c ?? (signal ? 1 : 0), totals });
    }),
  );
  return { done, kill };
}
