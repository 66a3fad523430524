/**
 * `npm run build:workflows -- <file> [--tracing]`: writes the workflow bundle once, for WORKFLOW_BUNDLE_PATH, so
 * worker processes start without bundling (seconds of CPU at every start or restart). `--tracing` builds the one
 * with the OpenTelemetry interceptors, for workers that run with OTEL_EXPORTER_OTLP_ENDPOINT set.
 */
import { writeFile } from 'node:fs/promises';
import { DefaultLogger } from '@temporalio/worker';
import { bundleWorkflows } from '../src/runtime/workflow-code.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: npm run build:workflows -- <file> [--tracing]');
  process.exit(2);
}
const bundle = await bundleWorkflows({ tracing: args.includes('--tracing'), logger: new DefaultLogger('WARN') });
await writeFile(file, bundle.code);
console.log(`workflow bundle written to ${file} (${Math.round(bundle.code.length / 1024)} KiB); set WORKFLOW_BUNDLE_PATH=${file}`);
