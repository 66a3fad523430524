import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { AUDIO_DIR, REPO_ROOT } from '../helpers/paths.js';
import { startRadioServer } from '../helpers/radio-server.js';
import { freePort } from '../helpers/stack.js';

const PREAMBLE = 'we the people of the united states in order to form a more perfect union';
const TESTING = 'testing one two three';

/** The `transcribe` command from package.json's "bin", run as a user would, against the real API. */
function runCli(args: string[], env: Record<string, string>, stdin?: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/transcribe.mjs'), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: AUDIO_DIR });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (stdin) child.stdin.end(stdin);
  else child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describeWithStack(
  'the transcribe CLI',
  { media: true, transcripts: { 'preamble-rest.wav': PREAMBLE, 'testing-websocket.wav': TESTING }, stack: {}, streaming: 'on-api-port' },
  (t) => {
    const env = () => ({ TRANSCRIBE_URL: t.stack.api.url });

    test('a file: uploaded with progress, followed to the end, printed as text; then listed, and read back as captions and JSON', async () => {
      const run = await runCli(['preamble-rest.wav', '--wait'], env());
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), PREAMBLE);
      assert.match(run.stderr, /upload .*100%/, 'upload progress on stderr');
      assert.match(run.stderr, /job .*completed/, 'job progress on stderr');

      const jobs = await runCli(['jobs', '--limit', '5'], env());
      assert.equal(jobs.code, 0, jobs.stderr);
      const [id, status] = jobs.stdout.split('\n')[0]!.split('\t');
      assert.equal(status, 'completed');
      const srt = await runCli(['get', id!, '--format', 'srt'], env());
      assert.equal(srt.code, 0, srt.stderr);
      assert.match(srt.stdout, /^1\n00:00:\d\d,\d{3} --> /);
      const json = await runCli(['get', id!, '--format', 'json'], env());
      assert.equal(JSON.parse(json.stdout).transcript, PREAMBLE);
    });

    test('a URL, sync; async without --wait prints the job id and returns at once', async () => {
      const url = t.media.file('preamble-rest.wav');
      const sync = await runCli([url, '--mode', 'sync', '--format', 'vtt', '--quiet'], env());
      assert.equal(sync.code, 0, sync.stderr);
      assert.match(sync.stdout, /^WEBVTT/);
      assert.equal(sync.stderr, '', '--quiet: no progress');
      const queued = await runCli([url], env());
      assert.equal(queued.code, 0, queued.stderr);
      assert.match(queued.stdout, /^[\w-]+\t(queued|processing|completed)\n$/);
    });

    test('live: a file streamed as a live session prints its finals; so does stdin', async () => {
      const run = await runCli(['live', 'testing-websocket.wav'], env());
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim().split('\n').join(' '), TESTING, 'one line per final');
      const piped = await runCli(['live', '-'], env(), t.audio('testing-websocket.wav'));
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal(piped.stdout.trim().split('\n').join(' '), TESTING);
    });

    test('a live stream URL (--mode stream): transcribed as it plays, followed to its end, printed as text', { timeout: 90_000 }, async () => {
      const radio = await startRadioServer(t.audio('preamble-16k.wav').subarray(44), { speed: 2 });
      try {
        const run = await runCli([`${radio.url}/radio.wav`, '--mode', 'stream', '--max-duration', '6', '--wait'], env());
        assert.equal(run.code, 0, run.stderr);
        assert.ok(run.stdout.trim().length > 0, 'the finals, as the transcript');
        assert.match(run.stderr, /job .*completed/);
        const file = await runCli(['preamble-rest.wav', '--mode', 'stream'], env());
        assert.equal(file.code, 2);
        assert.match(file.stderr, /--mode stream takes the URL of a live stream/);
        const stray = await runCli([`${radio.url}/radio.wav`, '--max-duration', '5'], env());
        assert.equal(stray.code, 2);
        assert.match(stray.stderr, /--max-duration goes with --mode stream/);
      } finally {
        await radio.close();
      }
    });

    test('mistakes: a missing file or a bad flag is exit 2 with the usage; nothing listening is exit 1 saying so', async () => {
      const missing = await runCli(['no-such.wav'], env());
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /no such file: no-such\.wav/);
      const badFormat = await runCli(['preamble-rest.wav', '--format', 'docx'], env());
      assert.equal(badFormat.code, 2);
      assert.match(badFormat.stderr, /--format must be txt, srt, vtt or json/);
      const down = await runCli(['jobs'], { TRANSCRIBE_URL: `http://127.0.0.1:${await freePort()}` });
      assert.equal(down.code, 1);
      assert.match(down.stderr, /nothing answers at/);
      const unknownJob = await runCli(['get', 'no-such-job'], env());
      assert.equal(unknownJob.code, 1);
      assert.match(unknownJob.stderr, /404/);
    });
  },
);
