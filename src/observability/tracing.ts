import { createRequire } from 'node:module';
import type { ContextManager, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config.js';
import type { Logger } from './logger.js';

/**
 * The workflow-side interceptors (workflow, signal/update and activity-scheduling spans). They run in the
 * workflow sandbox, so they are part of the workflow bundle: see `bundleWorkflows` in src/runtime/workflow-code.ts.
 */
export const OTEL_WORKFLOW_INTERCEPTORS_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

/** One process's tracing: a tracer provider exporting over OTLP/HTTP, and the Temporal interceptors that use it. */
export interface Tracing {
  readonly serviceName: string;
  readonly tracer: Tracer;
  /** For `new Client({ interceptors })`: a span per workflow start/update/signal, its context in the Temporal headers. */
  readonly clientInterceptors: { workflow: WorkflowClientInterceptor[] };
  /** For `Worker.create({ interceptors: { activity } })`: a span per activity run, child of the workflow's. */
  readonly activityInterceptors: ActivityInterceptorsFactory[];
  /** For `Worker.create({ sinks })`: spans made inside the workflow sandbox leave it through this sink. */
  readonly workflowSinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports every finished span now. */
  flush(): Promise<void>;
  /** Flushes and stops exporting; the last one out also uninstalls the global context manager and propagator. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  settings: Config['tracing'];
  /** `service.name` unless OTEL_SERVICE_NAME overrides it: one per process kind (`transcription-api`, …). */
  serviceName: string;
  /** Export failures (collector down, rejected batch) are reported here at warn. */
  logger?: Logger;
}

/**
 * Tracing for one process, or `undefined` when no OTLP endpoint is configured. Nothing OpenTelemetry is loaded
 * or installed before this is called with an endpoint, so tracing off costs nothing.
 */
export async function createTracing(options: TracingOptions): Promise<Tracing | undefined> {
  const { endpoint, headers } = options.settings;
  if (!endpoint) return undefined;
  const [{ OTLPTraceExporter }, { Resource }, { BasicTracerProvider, BatchSpanProcessor }, temporalOtel] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@temporalio/interceptors-opentelemetry'),
  ]);
  const serviceName = options.settings.serviceName ?? options.serviceName;
  const resource = new Resource({ 'service.name': serviceName });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, headers }), { scheduledDelayMillis: 2_000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  const tracer = provider.getTracer('durable-transcription');
  const release = await acquireGlobals(options.logger);

  let stopped: Promise<void> | undefined;
  return {
    serviceName,
    tracer,
    clientInterceptors: { workflow: [new temporalOtel.OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    activityInterceptors: [
      (ctx) => ({
        inbound: new temporalOtel.OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
        outbound: new temporalOtel.OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    workflowSinks: { exporter: temporalOtel.makeWorkflowExporter(processor, resource) },
    flush: () => provider.forceFlush(),
    shutdown: () => (stopped ??= provider.shutdown().finally(release)),
  };
}

/**
 * OpenTelemetry's context manager and propagator are process-wide by design: the Temporal interceptors call
 * `propagation.inject/extract` and `context.active()` on the global API. They are installed when the first Tracing
 * is created (never at import) and removed when the last one shuts down, so `npm start` (API and workers in one
 * process, each with its own provider and service name) and tests can hold several.
 */
let holders = 0;
let installed: { contextManager: ContextManager; propagator: TextMapPropagator } | undefined;

async function acquireGlobals(logger: Logger | undefined): Promise<() => Promise<void>> {
  const [api, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
  ]);
  if (holders++ === 0) {
    installed = { contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() };
    api.context.setGlobalContextManager(installed.contextManager);
    api.propagation.setGlobalPropagator(installed.propagator);
    if (logger) {
      const warn = (message: string, ...args: unknown[]) => logger.warn({ component: 'opentelemetry', args }, message);
      api.diag.setLogger({ error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} }, api.DiagLogLevel.WARN);
    }
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--holders === 0) {
      installed?.contextManager.disable();
      installed = undefined;
      api.context.disable();
      api.propagation.disable();
      api.diag.disable();
    }
  };
}
