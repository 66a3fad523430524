import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type Logger, type WorkerOptions } from '@temporalio/worker';
import { OTEL_WORKFLOW_INTERCEPTORS_MODULE, type Tracing } from '../observability/tracing.js';

// index.ts from source (tsx, tests), index.js in the compiled build (`npm run build`): the same extension as this file.
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../../workflows/index${path.extname(import.meta.url)}`, import.meta.url));

/** A path the bundler writes into the bundle when (and only when) the tracing interceptors are in it. */
const TRACING_MARK = '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';

/**
 * Builds the workflow bundle once, for workers that share it. With `tracing` the OpenTelemetry workflow interceptors
 * are bundled in; they are left out otherwise because, without the span sink a traced worker registers, every
 * workflow task would still create spans and log "unregistered external sink".
 */
export function bundleWorkflows(options: { tracing: boolean; logger?: Logger }): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: options.tracing ? [OTEL_WORKFLOW_INTERCEPTORS_MODULE] : [],
    logger: options.logger,
  });
}

/**
 * A bundle built ahead of time (WORKFLOW_BUNDLE_PATH, written by `npm run build:workflows` or `npm run build`), so a
 * worker (re)starts without the seconds of CPU that bundling takes; none given = the worker bundles `workflows/`
 * itself. With tracing on, `<name>.traced.js` beside it is taken when it exists (`npm run build` writes both), so one
 * image serves traced and untraced workers alike.
 */
export async function loadWorkflowBundle(file: string | undefined, options: { tracing: boolean } = { tracing: false }): Promise<{ code: string } | undefined> {
  if (!file) return undefined;
  const traced = file.replace(/\.js$/, '.traced.js');
  if (options.tracing && traced !== file) {
    const code = await readFile(traced, 'utf8').catch(() => undefined);
    if (code !== undefined) return { code };
  }
  return { code: await readFile(file, 'utf8') };
}

/** Whether a bundle carries the OpenTelemetry workflow interceptors. */
export function bundleHasTracing(bundle: { code: string }): boolean {
  return bundle.code.includes(TRACING_MARK);
}

/**
 * The `Worker.create` options for a worker that runs workflows: their code (the pre-built bundle, else bundled from
 * `workflows/` at start) and, with tracing, the interceptors and the sink that exports workflow spans.
 * A pre-built bundle must match: tracing on needs the interceptors inside it, tracing off must not have them.
 */
export function workflowWorkerOptions(
  bundle: { code: string } | undefined,
  tracing: Tracing | undefined,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors' | 'sinks'> {
  if (bundle && bundleHasTracing(bundle) !== (tracing !== undefined)) {
    throw new Error(
      tracing
        ? 'Tracing is on but the workflow bundle was built without the OpenTelemetry interceptors: build it with bundleWorkflows({ tracing: true })'
        : 'The workflow bundle has the OpenTelemetry interceptors but tracing is off: build it with bundleWorkflows({ tracing: false })',
    );
  }
  const code = bundle ? { workflowBundle: bundle } : { workflowsPath: WORKFLOWS_PATH };
  if (!tracing) return code;
  return {
    ...code,
    interceptors: {
      activity: tracing.activityInterceptors,
      // Only read when the worker bundles itself; a pre-built bundle already has them (checked above).
      ...(bundle ? {} : { workflowModules: [OTEL_WORKFLOW_INTERCEPTORS_MODULE] }),
    },
    sinks: tracing.workflowSinks,
  };
}

/** `Worker.create` options for an activity-only worker: with tracing, a span per activity run. */
export function activityWorkerOptions(tracing: Tracing | undefined): Pick<WorkerOptions, 'interceptors'> {
  return tracing ? { interceptors: { activity: tracing.activityInterceptors } } : {};
}
