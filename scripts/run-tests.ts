/**
 * `npm test`: starts one real Temporal dev server (from the installed CLI, in memory) for the whole run,
 * then runs every test file with node's test runner against it, PostgreSQL and the Deepgram emulator.
 * Usage: npm test [-- file.test.ts ...]
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findTemporalCli, INSTALL_CLI_HINT } from '../src/temporal/cli-path.js';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';

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

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
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
const tapFile = path.join(tmpdir(), `dtp-test-${process.pid}.tap`);
console.log(`test: running ${files.length} test files ...`);
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    // The Deepgram SDK leaves its request-timeout timer running when a request fails; don't wait for it.
    '--test-force-exit',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '1'}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TEMPORAL_TEST_ADDRESS: server.address, TEMPORAL_CLI_PATH: cli } },
);
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await server.stop();

const tap = readFileSync(tapFile, 'utf8');
rmSync(tapFile, { force: true });
const count = (name: string) => Number(tap.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
console.log(`\n${count('pass')} passed, ${count('fail')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`);
process.exit(code);
