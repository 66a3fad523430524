import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The short chaos run (`npm run chaos -- --short`): the project as separate processes, its workers SIGKILLed every
 * few seconds, the Temporal server SIGKILLed and restarted, PostgreSQL restarted, while async jobs with webhooks and
 * live sessions run. It exits non-zero unless nothing was lost or duplicated; its table is checked here too.
 */
test('chaos (short): no job, webhook or live final lost or duplicated while every part is killed', { timeout: 480_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos/run.ts', '--short'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    // Progress for the lane's log (a line every few seconds).
    process.stdout.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    // The run cleans up (its processes, its PostgreSQL cluster) on SIGTERM; a test stopped early sends one.
    process.once('SIGTERM', () => child.kill('SIGTERM'));
  });
  // The verdict, and what Temporal said of unfinished jobs, go into the assertion so a CI log's tail says why.
  const verdict = output.match(/^chaos: (FAILED: .*|the run itself failed[^]*)$/m)?.[1] ?? 'no verdict line';
  const unfinished = output.match(/^Temporal on the jobs without a webhook:\n(?:  .*\n?)*/m)?.[0] ?? '';
  assert.equal(code, 0, `the chaos run failed: ${verdict.slice(0, 2_000)}\n${unfinished.slice(0, 4_000)}(the table and the kept logs are above)`);

  const row = (name: string): number => {
    const match = output.match(new RegExp(`\\| [a-z ]+: ${name.replace(/[()]/g, '\\$&')}\\s*\\|\\s*(\\d+)`));
    assert.ok(match, `the table has a row "${name}"`);
    return Number(match[1]);
  };
  assert.equal(row('submitted (accepted with 202)'), 40);
  assert.equal(row('completed'), 40);
  assert.doesNotMatch(output, /✗/, 'every line of the table holds');
  for (const name of ['lost (accepted, not completed)', 'duplicate transcripts (> 1 per job)', 'billed twice (> 1 usage record per job)', 'missing (completed job, no webhook)', 'finals lost', 'finals duplicated']) {
    assert.equal(row(name), 0, name);
  }
  assert.equal(row('delivered (jobs whose completion webhook was accepted)'), 40);
  assert.equal(row('sessions completed (all audio, closed 1000)'), 4);
  for (const name of ['batch workers SIGKILLed', 'streaming worker SIGKILLed', 'Temporal server SIGKILLed and restarted', 'PostgreSQL restarted']) {
    assert.ok(row(name) >= 1, `${name} at least once`);
  }
});
