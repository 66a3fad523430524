import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants } from 'node:fs/promises';

export async function findCaddy(): Promise<string> {
  for (const candidate of [process.env.CADDY_PATH, '/usr/bin/caddy'].filter((p): p is string => Boolean(p))) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw new Error('no caddy: install Debian’s caddy (apt-get install caddy; .ci/run does) or set CADDY_PATH');
}

/** Debian's Caddy running a Caddyfile, with only the environment given (and PATH, HOME). */
export async function startCaddy(configFile: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  return spawn(await findCaddy(), ['run', '--config', configFile, '--adapter', 'caddyfile'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: 'ignore',
  });
}
