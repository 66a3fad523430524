/**
 * `npm test`: starts one real Temporal dev server (from the installed CLI, in memory) for the whole run,
 * then runs every test file with node's test runner against it, PostgreSQL and the Deepgram emulator.
 * Usage: npm test [-- file.test.ts ...]
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
console.log(`test: running ${files.length} test files ...`);
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    // The Deepgram SDK leaves its request-timeout timer running when a request fails; don't wait for it.
    '--test-force-exit',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '1'}`,
    '--test-reporter=spec',
    ...files,
  ],
  // Its own process group, so a stopped run takes every test file's process with it.
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: true, env: { ...process.env, TEMPORAL_TEST_ADDRESS: server.address, TEMPORAL_CLI_PATH: cli, TEST_WORKFLOW_BUNDLE_DIR: bundleDir } },
);
const killRun = () => {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killRun();
    void server.stop().finally(() => process.exit(130));
  });
}
// The spec reporter's totals ("ℹ pass N") are read as they stream past, for the closing summary line.
const totals: Record<string, number> = {};
let pending = '';
child.stdout!.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const m = line.match(/^ℹ (pass|fail|skipped|cancelled) (\d+)\s*$/);
    if (m) totals[m[1]!] = Number(m[2]);
  }
});
// A hook that never returns would hang CI forever: a run silent this long is stopped and fails.
const stallMs = Number(process.env.TEST_STALL_MINUTES ?? 10) * 60_000;
let lastOutput = Date.now();
child.stdout!.on('data', () => (lastOutput = Date.now()));
const watchdog = setInterval(() => {
  if (Date.now() - lastOutput < stallMs) return;
  console.error(`\ntest: no progress for ${stallMs / 60_000} minutes; stopping the run (the test file after the last one reported hangs)`);
  totals.fail = (totals.fail ?? 0) + 1;
  killRun();
}, 10_000);
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
clearInterval(watchdog);
await server.stop();
await rm(bundleDir, { recursive: true, force: true });

const count = (name: string) => totals[name] ?? 0;
// A runner that died before its totals must not read as green.
if (code !== 0 && count('fail') === 0) totals.fail = 1;
console.log(`\n${count('pass')} passed, ${count('fail')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
process.exit(code);
