/**
 * `npm run build [-- <dir>]` (default `build/`): the platform compiled to JavaScript, laid out as the image runs it:
 * `src/`, `workflows/`, `activities/` as .js in the source's places (so the paths the code resolves from itself, the
 * Python engine scripts, the console and `.tools/`, hold), the non-TypeScript files they read, the tool installer,
 * package.json and the workflow bundles (plain and traced) for WORKFLOW_BUNDLE_PATH. `node <dir>/src/main/api.js`
 * then runs with the production `node_modules` beside it; `npm start` and the tests keep running from source.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { bundleWorkflows } from '../src/runtime/workflow-code.js';

const root = path.resolve(import.meta.dirname, '..');
const out = path.resolve(root, process.argv[2] ?? 'build');
const step = (what: string) => console.log(`build: ${what}`);

await rm(out, { recursive: true, force: true });
step(`compiling src, workflows and activities to JavaScript in ${path.relative(root, out) || out} (tsc) ...`);
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });

step('copying the files the code reads at run time (engine scripts, web console) ...');
async function copyAssets(dir: string): Promise<number> {
  let copied = 0;
  for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === '__pycache__') continue;
      // The console is bundled with esbuild at its first request, from its TypeScript source.
      if (rel === path.join('src', 'console')) {
        await cp(path.join(root, rel), path.join(out, rel), { recursive: true });
        copied++;
      } else copied += await copyAssets(rel);
    } else if (!entry.name.endsWith('.ts')) {
      await mkdir(path.join(out, dir), { recursive: true });
      await cp(path.join(root, rel), path.join(out, rel));
      copied++;
    }
  }
  return copied;
}
const assets = await copyAssets('src');
for (const file of ['package.json', 'package-lock.json', 'scripts/setup-tools.sh', 'scripts/speech-requirements.txt']) {
  await mkdir(path.dirname(path.join(out, file)), { recursive: true });
  await cp(path.join(root, file), path.join(out, file));
}
step(`${assets} asset entries copied`);

step('bundling the workflows (plain and with tracing) for WORKFLOW_BUNDLE_PATH ...');
const logger = new DefaultLogger('WARN');
for (const [file, tracing] of [['workflow-bundle.js', false], ['workflow-bundle.traced.js', true]] as const) {
  const bundle = await bundleWorkflows({ tracing, logger });
  await writeFile(path.join(out, file), bundle.code);
}
step(`done: node ${path.relative(root, out) || out}/src/main/api.js (worker.js, streaming-worker.js, local-engine.js, migrate.js)`);
