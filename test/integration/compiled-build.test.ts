import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, symlink, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { DeepgramClient } from '@deepgram/sdk';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually, openSdkLive, sendAudio } from '../helpers/live.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { startAppProcess, type AppProcess } from '../helpers/processes.js';
import { freePort, stackEnv } from '../helpers/stack.js';

const PREAMBLE = 'we the people of the united states in order to form a more perfect union';

/** Every JavaScript file under `dir`. */
async function jsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

/**
 * What the Dockerfile's build stage makes, run the way its images run it: `npm run build` into a directory laid out
 * as /app, then plain `node` (no tsx) on the compiled API, batch worker, streaming worker and local engine, with the
 * pre-built workflow bundle. The Deepgram SDK does REST and live against them, and the local engine answers from
 * the compiled layout.
 */
describeWithStack('the compiled build (what the images run)', { transcripts: { 'preamble-rest.wav': PREAMBLE }, stack: false }, (t) => {
  let app: string;
  let apiUrl: string;
  let streamingUrl: string;
  const started: AppProcess[] = [];
  const start = (entry: string, env: Record<string, string>, readyWhen: string) => {
    const p = startAppProcess(entry, env, readyWhen, { compiled: true, cwd: app });
    started.push(p);
    return p;
  };

  before(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'compiled-build-'));
    t.defer(() => rm(dir, { recursive: true, force: true }));
    app = path.join(dir, 'app');
    execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/build.ts'), app], { cwd: REPO_ROOT, stdio: 'pipe' });
    // The image's node_modules and .tools sit beside the build the same way.
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(app, 'node_modules'));
    await symlink(path.join(REPO_ROOT, '.tools'), path.join(app, '.tools'));
    t.defer(() => {
      for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    });
    const apiPort = await freePort();
    const streamingPort = await freePort();
    const env: Record<string, string> = {
      ...stackEnv(t.parts, { LOG_LEVEL: 'info', WORKFLOW_BUNDLE_PATH: path.join(app, 'workflow-bundle.js'), DATA_DIR: path.join(dir, 'data') }),
      METRICS_PORT: '0',
      TEMPORAL_SDK_METRICS_PORT: '0',
    };
    const processes = [
      start('src/main/worker.js', env, 'batch worker running'),
      start('src/main/api.js', { ...env, PORT: String(apiPort) }, 'API listening'),
      start('src/main/streaming-worker.js', { ...env, STREAMING_PORT: String(streamingPort), LIVE_TASK_QUEUE: `${env.TEMPORAL_TASK_QUEUE}-live` }, 'streaming worker running'),
    ];
    await Promise.all(processes.map((p) => p.ready));
    apiUrl = `http://127.0.0.1:${apiPort}`;
    streamingUrl = `http://127.0.0.1:${streamingPort}`;
  });

  test('the build holds only JavaScript that imports production dependencies (what `npm ci --omit=dev` installs)', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const production = new Set(Object.keys(pkg.dependencies));
    const files = await jsFiles(path.join(app, 'src'));
    assert.ok(files.length > 100, `${files.length} compiled files`);
    const offending: string[] = [];
    for (const file of [...files, ...(await jsFiles(path.join(app, 'workflows'))), ...(await jsFiles(path.join(app, 'activities')))]) {
      const code = await readFile(file, 'utf8');
      for (const m of code.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const specifier = m[1] ?? m[2]!;
        if (specifier.startsWith('.') || specifier.startsWith('node:')) {
          assert.doesNotMatch(specifier, /\.ts$/, `${file} imports TypeScript`);
          continue;
        }
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!production.has(name)) offending.push(`${path.relative(app, file)}: ${specifier}`);
      }
    }
    assert.deepEqual(offending, [], 'compiled code imports packages that are not production dependencies');
  });

  test('REST through the compiled API and worker: the Deepgram SDK and the job API', async () => {
    const dg = new DeepgramClient({ apiKey: 'any-key', baseUrl: apiUrl });
    const res = (await dg.listen.v1.media.transcribeFile(t.audio('preamble-rest.wav'), { model: 'nova-3' })) as any;
    assert.equal(res.results.channels[0].alternatives[0].transcript, PREAMBLE);
    const console = await fetch(`${apiUrl}/console/app.js`);
    assert.equal(console.status, 200, 'the web console bundles from the build');
  });

  test('live through the compiled streaming worker', { timeout: 60_000 }, async () => {
    const live = await openSdkLive(streamingUrl, { model: 'nova-2', encoding: 'linear16', sample_rate: 16000 });
    await sendAudio((c) => live.conn.sendMedia(c), t.audio('preamble-16k.wav').subarray(44, 44 + 4 * 32_000), 3200, 5);
    await eventually(async () => (live.messages.some((m) => m.type === 'Results') ? true : undefined), 20_000, 'live results');
    live.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await live.closed).code, 1000);
  });

  test('the compiled local engine finds its Python engine and answers /health and Deepgram’s REST shape', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const engine = start('src/main/local-engine.js', { LOCAL_ENGINE_PORT: String(port), LOCAL_ENGINE_HOST: '127.0.0.1', EMULATOR_ENGINE_WORKERS: '1', LOG_LEVEL: 'info' }, 'listening');
    await engine.ready;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { engine: string }).engine, 'whisper');
    const res = await fetch(`http://127.0.0.1:${port}/v1/listen?model=whisper-tiny`, { method: 'POST', headers: { 'content-type': 'audio/wav', authorization: 'Token local' }, body: t.audio('preamble-rest.wav') });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.match(body.results.channels[0].alternatives[0].transcript, /united states/i);
  });
});
