import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';

const CONSOLE_DIR = path.resolve(import.meta.dirname, '../../console');

/**
 * The web console at `/console`: one HTML page and its script, bundled from src/console/app.ts by esbuild on the first
 * request and kept (a few tens of milliseconds, once per process). It calls the public API with the key the user
 * types, so it needs nothing of its own on the server.
 */
export function consoleRoutes() {
  let script: Promise<string> | undefined;
  const bundle = async () => {
    const { build } = await import('esbuild');
    const out = await build({ entryPoints: [path.join(CONSOLE_DIR, 'app.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, write: false, logLevel: 'silent' });
    return out.outputFiles[0]!.text;
  };
  return new Hono<AppEnv>()
    .get('/console', async (c) => c.html(await readFile(path.join(CONSOLE_DIR, 'console.html'), 'utf8')))
    .get('/console/app.js', async (c) => {
      script ??= bundle().catch((err: unknown) => {
        script = undefined;
        throw err;
      });
      return c.body(await script, 200, { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'no-cache' });
    });
}
