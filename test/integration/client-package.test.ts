import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { REPO_ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const PREAMBLE = 'we the people of the united states in order to form a more perfect union';

// What another service writes: the installed package, nothing from this repository.
const USE = `
import { createTranscriptionClient, TranscriptionApiError, signWebhook, verifyWebhookSignature } from '@durable-transcription/client';
const [baseUrl, audioUrl] = process.argv.slice(2);
const client = createTranscriptionClient({ baseUrl });
const job = await client.submitUrl(audioUrl, { mode: 'async' });
const phases = [];
const done = await client.waitFor(job.id, { onProgress: (e) => phases.push(e.status) });
const srt = await client.transcript(job.id, 'srt');
const page = await client.list({ limit: 5 });
let missing;
try { await client.get('no-such-job'); } catch (err) { missing = err instanceof TranscriptionApiError ? [err.status, err.code] : String(err); }
const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const body = JSON.stringify({ id: job.id });
const headers = signWebhook([secret], 'evt_1', body, new Date());
console.log(JSON.stringify({ status: done.status, transcript: done.transcript, final: phases.at(-1), srt: srt.startsWith('1\\n'), listed: page.data.some((j) => j.id === job.id), missing, verified: verifyWebhookSignature(secret, body, headers), forged: verifyWebhookSignature(secret, body + ' ', headers) }));
`;

// Type-checked against the package's own declarations, resolved through its exports map.
const TYPED = `
import { createTranscriptionClient, type Job, type ProgressEvent } from '@durable-transcription/client';
const client = createTranscriptionClient({ baseUrl: 'http://localhost:3000' });
export async function latest(): Promise<Job['status'] | undefined> {
  const page = await client.list({ limit: 1 });
  return page.data[0]?.status;
}
export const phase = (e: ProgressEvent): string | null => e.phase;
// @ts-expect-error: status is one of the job statuses, not any string
export const wrong: Job['status'] = 'finished';
`;

/**
 * The client package as another service gets it: built (`npm run build:client`), packed with `npm pack`, installed
 * from the tarball into a throwaway project, and used from there against the real API; its types checked by tsc
 * through the package's exports map.
 */
describeWithStack('the installable client package', { media: true, transcripts: { 'preamble-rest.wav': PREAMBLE }, stack: {} }, (t) => {
  let project: string;

  before(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'client-user-'));
    t.defer(() => rm(project, { recursive: true, force: true }));
    await run(process.execPath, [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(REPO_ROOT, 'scripts/build-client.ts')], { cwd: REPO_ROOT });
    await run('npm', ['pack', '--pack-destination', project], { cwd: path.join(REPO_ROOT, 'packages/client') });
    const tarball = (await readdir(project)).find((f) => f.endsWith('.tgz'))!;
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'client-user', private: true, type: 'module' }));
    // Its dependencies are the ones this repository installed: npm's cache has them.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
  });

  test('installed from the tarball: submit by URL, follow events, read captions, list, typed errors, verify a webhook', async () => {
    await writeFile(path.join(project, 'use.mjs'), USE);
    const { stdout } = await run(process.execPath, ['use.mjs', t.stack.api.url, t.media.file('preamble-rest.wav')], { cwd: project });
    const result = JSON.parse(stdout);
    assert.deepEqual(result, { status: 'completed', transcript: PREAMBLE, final: 'completed', srt: true, listed: true, missing: [404, 'not_found'], verified: true, forged: false });
  });

  test('its declarations resolve through the exports map and type a Job as the server’s schema does', async () => {
    await writeFile(path.join(project, 'typed.ts'), TYPED);
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['ES2023', 'DOM'] }, files: ['typed.ts'] }),
    );
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', project], { cwd: project }).then(
      () => 'ok',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    assert.equal(checked, 'ok');
  });
});
