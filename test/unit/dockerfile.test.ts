import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * No Docker engine runs here: the Dockerfile is linted with hadolint (PyPI, pinned) and its structure checked;
 * what its build stage runs (`npm run build`, then node on the output) is exercised for real by
 * test/integration/compiled-build.test.ts. Where a Docker engine answers, the images are built too.
 */
const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const HADOLINT = path.join(REPO_ROOT, '.tools/deploy/bin/hadolint');

/** Instructions per stage, continuation lines joined. */
function stages(): Map<string, string[]> {
  const result = new Map<string, string[]>();
  let current: string[] | undefined;
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) result.set(from[1] ?? `stage${result.size}`, (current = []));
    current?.push(line);
  }
  return result;
}

test('hadolint finds nothing', () => {
  assert.ok(existsSync(HADOLINT), 'hadolint is missing: run `npm run setup` (component deploy)');
  const run = spawnSync(HADOLINT, ['--no-color', path.join(REPO_ROOT, 'Dockerfile')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test('the build stage compiles with npm run build; the runtime stage has production dependencies only and no TypeScript runner', () => {
  const s = stages();
  assert.deepEqual([...s.keys()], ['build', 'production-dependencies', 'runtime', 'worker', 'local-engine']);
  assert.ok(s.get('build')!.some((l) => /^RUN npm run build\b/.test(l)));
  assert.ok(s.get('production-dependencies')!.some((l) => /^RUN npm ci --omit=dev\b/.test(l)));
  const runtime = s.get('runtime')!.join('\n');
  assert.match(runtime, /COPY --from=production-dependencies \/app\/node_modules/);
  assert.match(runtime, /COPY --from=build \/out/);
  assert.doesNotMatch(runtime, /tsx|npx/);
  for (const copied of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of copied[1]!.split(/\s+/)) assert.ok(existsSync(path.join(REPO_ROOT, source)), `COPY ${source}: missing`);
  }
});

test('every image runs node on a compiled entry point, as a numeric non-root user, with a HEALTHCHECK', () => {
  const s = stages();
  for (const name of ['runtime', 'worker', 'local-engine']) {
    // A stage inherits from the one it is built FROM: its last USER, CMD and HEALTHCHECK.
    const chain = name === 'runtime' ? s.get('runtime')! : [...s.get('runtime')!, ...s.get(name)!];
    const user = chain.filter((l) => /^USER /.test(l)).pop()!;
    assert.match(user, /^USER [1-9]\d*(:[1-9]\d*)?$/, `${name} runs as a numeric non-root user (Kubernetes' runAsNonRoot can check it)`);
    assert.ok(chain.some((l) => /^HEALTHCHECK .*CMD/.test(l)), `${name} has a HEALTHCHECK`);
    const cmd = JSON.parse(chain.filter((l) => /^CMD /.test(l)).pop()!.slice(4)) as string[];
    assert.equal(cmd[0], 'node');
    assert.ok(existsSync(path.join(REPO_ROOT, cmd[1]!.replace(/\.js$/, '.ts'))), `${name} runs ${cmd[1]}, compiled from an existing source`);
  }
  assert.match(s.get('worker')!.join('\n'), /setup-tools\.sh audio/, 'the worker image can cut long files (PyAV)');
  assert.match(s.get('local-engine')!.join('\n'), /setup-tools\.sh speech/, 'the local engine image carries the hash-checked engine');
});

const docker = spawnSync('docker', ['info'], { encoding: 'utf8' });
test('the images build', { skip: docker.status !== 0 && 'no Docker engine here (hadolint and the compiled-build test stand in)' }, () => {
  for (const target of ['runtime', 'worker']) {
    const run = spawnSync('docker', ['build', '--target', target, '-t', `durable-transcription-test:${target}`, REPO_ROOT], { encoding: 'utf8', stdio: 'inherit' });
    assert.equal(run.status, 0, `docker build --target ${target}`);
  }
});
