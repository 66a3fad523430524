/**
 * `npm run build:client`: builds packages/client, the installable client: src/client bundled to one ES module with
 * esbuild (the platform's own modules inside it; @temporalio/*, standardwebhooks and zod left to npm as its
 * dependencies) and its type declarations from tsc. `npm pack` in packages/client then makes the tarball.
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const pkg = path.join(root, 'packages/client');
await rm(path.join(pkg, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'src/client/index.ts')],
  outfile: path.join(pkg, 'dist/index.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@temporalio/*', 'standardwebhooks', 'zod'],
  logLevel: 'warning',
});
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(pkg, 'tsconfig.json')], { stdio: 'inherit' });
console.log(`client built in ${path.relative(root, path.join(pkg, 'dist'))}`);
