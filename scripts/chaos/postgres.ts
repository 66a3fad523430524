/**
 * A throwaway PostgreSQL cluster of the chaos run's own (initdb in a temp folder, a free port), so it can be
 * restarted mid-run without touching any other database on the machine. Removed at the end.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/runtime/free-port.js';

const run = promisify(execFile);

export interface ChaosPostgres {
  url: string;
  port: number;
  /** Stops the server (`fast`: clean shutdown; `immediate`: a crash, recovered from the WAL at the next start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops and removes the cluster. */
  destroy(): Promise<void>;
}

/** The newest PostgreSQL server binaries: PG_BIN, else Debian's /usr/lib/postgresql/<version>/bin, else PATH. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  return '';
}

export async function startChaosPostgres(): Promise<ChaosPostgres> {
  const bin = binDir();
  const tool = (name: string) => (bin ? path.join(bin, name) : name);
  // initdb and the server refuse to run as root: run them as the `postgres` user then.
  const asRoot = process.getuid?.() === 0;
  const exec = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));

  const dir = await mkdtemp(path.join(tmpdir(), 'chaos-pg-'));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const port = await freePort();
  await exec(tool('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=64MB`;

  const start = async () => {
    await exec(tool('pg_ctl'), ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
  };
  const stop = async (mode: 'fast' | 'immediate') => {
    await exec(tool('pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      await stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
