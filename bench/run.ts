/**
 * `npm run bench`: measurements, printed as tables. Starts its own Temporal dev server (in memory)
 * and uses the local PostgreSQL (TEST_DATABASE_URL) like the tests. BENCH_ITERATIONS sets the sample size.
 */
import { createServer } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { findTemporalCli, INSTALL_CLI_HINT } from '../src/temporal/cli-path.js';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';
import { printTable } from './stats.js';
import { benchSyncLatency } from './sync-latency.js';

const log = (m: string) => process.stderr.write(`  … ${m}\n`);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 100);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, process.env.PATH);
if (!cli) {
  console.error(`bench: no Temporal CLI. ${INSTALL_CLI_HINT}`);
  process.exit(1);
}
const port = await new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
log('starting the Temporal dev server ...');
const temporal = await startTemporalDevServer({ cliPath: cli, port, uiPort: 0, headless: true, namespace: 'default' });
try {
  const sync = await benchSyncLatency(temporal.address, iterations, log);
  printTable(
    `Sync transcription latency, ${iterations} sequential requests (preamble-rest.wav, 19 s, emulator; ms)`,
    ['path', 'n', 'p50', 'p99', 'mean'],
    [
      ['platform (HTTP → Temporal → SDK → emulator → PostgreSQL)', sync.platform.n, sync.platform.p50, sync.platform.p99, sync.platform.mean],
      ['direct (SDK → emulator)', sync.direct.n, sync.direct.p50, sync.direct.p99, sync.direct.mean],
      ['ratio platform / direct', '', sync.platform.p50 / sync.direct.p50, sync.platform.p99 / sync.direct.p99, sync.platform.mean / sync.direct.mean],
    ],
  );
} finally {
  await temporal.stop();
}
process.exit(0);
