import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { defineSearchAttributeKey } from '@temporalio/common';
import { WORKFLOWS_PATH } from '../../src/runtime/batch-worker.js';
import { bundleWorkflows } from '../../src/runtime/workflow-code.js';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { findTemporalCli } from '../../src/temporal/cli-path.js';
import { testDataConverter } from './payload-keys.js';

let runtimeInstalled = false;

/**
 * A real Temporal server for the test file. `npm test` starts one dev server for the whole run and
 * passes TEMPORAL_TEST_ADDRESS; run alone, a file starts its own from the installed CLI (never a download).
 */
export async function startTestTemporal(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  // Its client encrypts like the stacks' (stackEnv's PAYLOAD_ENCRYPTION_KEYS), so tests read and start workflows as they do.
  const client = { dataConverter: testDataConverter() };
  if (address) return TestWorkflowEnvironment.createFromExistingServer({ address, client });
  const cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, process.env.PATH);
  if (!cli) throw new Error('No Temporal CLI: run `npm run setup` or set TEMPORAL_CLI_PATH');
  return TestWorkflowEnvironment.createLocal({
    client,
    server: {
      executable: { type: 'existing-path', path: cli },
      searchAttributes: Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) =>
        defineSearchAttributeKey(name, type === 'Keyword' ? 'KEYWORD' : 'TEXT'),
      ),
    },
  });
}

let bundle: Promise<{ code: string }> | undefined;
let tracedBundle: Promise<{ code: string }> | undefined;

/**
 * The workflow bundle; `tracing: true` is the one with the OpenTelemetry interceptors. `npm test` builds both once
 * for the whole run (TEST_WORKFLOW_BUNDLE_DIR: bundling takes seconds, and every test file needs one); a file run on
 * its own builds them once per process.
 */
export function workflowBundle(options: { tracing?: boolean } = {}): Promise<{ code: string }> {
  const prebuilt = process.env.TEST_WORKFLOW_BUNDLE_DIR;
  if (options.tracing) {
    return (tracedBundle ??= prebuilt ? readBundle(prebuilt, 'traced') : bundleWorkflows({ tracing: true, logger: new DefaultLogger('WARN') }));
  }
  bundle ??= prebuilt ? readBundle(prebuilt, 'plain') : bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

async function readBundle(dir: string, kind: 'plain' | 'traced'): Promise<{ code: string }> {
  return { code: await readFile(path.join(dir, `${kind}.js`), 'utf8') };
}
