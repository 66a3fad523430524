/**
 * `npm test`: starts one real Temporal dev server (from the installed CLI, in memory) for the whole run,
 * then runs every test file with node's test runner against it, PostgreSQL and the Deepgram emulator.
 * Usage: npm test [-- file.test.ts ...]
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { findTemporalCli, INSTALL_CLI_HINT } from '../src/temporal/cli-path.js';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/runtime/free-port.js';

const root = path.resolve(import.meta.dirname, '..');
const SUITES = ['test/unit', 'test/emulator', 'test/integration'];

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

console.log(`test: starting the Temporal dev server (${cli}) ...`);
const server = await startTemporalDevServer({ cliPath: cli, port: await freePort(), uiPort: 0, headless: true, namespace: 'default' });
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
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TEMPORAL_TEST_ADDRESS: server.address, TEMPORAL_CLI_PATH: cli } },
);
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
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await server.stop();

const count = (name: string) => totals[name] ?? 0;
// A runner that died before its totals must not read as green.
if (code !== 0 && count('fail') === 0) totals.fail = 1;
console.log(`\n${count('pass')} passed, ${count('fail')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
process.exit(code);
