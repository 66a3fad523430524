import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { REPO_ROOT } from '../helpers/paths.js';
import { testDataConverter } from '../helpers/payload-keys.js';
import { workflowBundle } from '../helpers/temporal.js';

const HISTORIES = path.join(REPO_ROOT, 'test/fixtures/histories');

/**
 * Workflows already running when a new version is deployed replay their history against the new code. Recorded
 * histories of earlier versions must still replay, or a deploy would break the jobs in flight: change workflow code
 * behind `patched()` (README, Tests).
 */
test('recorded histories of every earlier workflow version replay against the current workflow code', async () => {
  const files = (await readdir(HISTORIES)).filter((f) => f.endsWith('.binpb')).sort();
  for (const type of ['transcription-sync', 'transcription-async', 'webhook-delivery', 'live-session']) {
    assert.ok(files.some((f) => f.startsWith(`${type}-`)), `a recorded ${type} history (npm run record-histories)`);
  }
  const bundle = await workflowBundle();
  for (const file of files) {
    const history = proto.temporal.api.history.v1.History.decode(await readFile(path.join(HISTORIES, file)));
    // With the codec, as workers run: histories recorded before encryption pass through it unchanged.
    await assert.doesNotReject(Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: testDataConverter() }, history, file), `${file} replays`);
  }
});
