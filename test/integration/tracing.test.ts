import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { context, createContextKey, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { loadConfig } from '../../src/config.js';
import { createTracing, type Tracing } from '../../src/observability/tracing.js';
import { transcriptionWorkflowId } from '../../src/temporal/task-queues.js';
import { silentWav } from '../helpers/audio.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { getJson, postJson, stackEnv, startStack, type SharedParts, type Stack } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const SERVER = 2;
const CLIENT = 3;

/** The `_tracer-data` header the Temporal client interceptor adds to a workflow's start, if any. */
async function startHeaderKeys(parts: SharedParts, jobId: string): Promise<string[]> {
  const history = await parts.temporal.client.workflow.getHandle(transcriptionWorkflowId(jobId)).fetchHistory();
  return Object.keys(history.events?.[0]?.workflowExecutionStartedEventAttributes?.header?.fields ?? {});
}

/** Flushes both providers until `ready` holds on what the receiver has (workflow spans arrive through a sink). */
async function collect(receiver: OtlpReceiver, tracings: Tracing[], ready: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 15_000;
  while (true) {
    await Promise.all(tracings.map((t) => t.flush()));
    if (ready(receiver.spans)) return receiver.spans;
    if (Date.now() > deadline) {
      throw new Error(`spans still missing; received: ${receiver.spans.map((s) => `${s.service}/${s.name}`).join(', ') || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeWithStack('OpenTelemetry tracing: HTTP request → workflow → activities → Deepgram call, exported over OTLP/HTTP', { media: true, stack: false }, (t) => {
  let receiver: OtlpReceiver;

  before(async () => {
    receiver = await startOtlpReceiver();
    t.defer(() => receiver.close());
  });

  // Runs first, while nothing in this process has installed OpenTelemetry.
  test('without OTEL_EXPORTER_OTLP_ENDPOINT nothing is installed, propagated or exported', async () => {
    const config = loadConfig(stackEnv(t.parts));
    assert.equal(config.tracing.endpoint, undefined);
    assert.equal(await createTracing({ settings: config.tracing, serviceName: 'transcription-api' }), undefined);

    // The OTel exporters read this variable on their own; an exporter created by mistake would find the receiver.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    let stack: Stack | undefined;
    try {
      stack = await startStack(t.parts);
      const res = await postJson(stack.url('/v1/transcriptions'), { url: t.media.put('off.wav', silentWav(3)) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'completed');
      assert.deepEqual(await startHeaderKeys(t.parts, res.body.id), [], 'no trace context in the workflow start headers');
      // No global context manager or propagator: context does not flow, nothing is injected.
      const key = createContextKey('probe');
      assert.equal(context.with(ROOT_CONTEXT.setValue(key, 1), () => context.active().getValue(key)), undefined);
      assert.deepEqual(propagation.fields(), []);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(receiver.requests, []);
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      await stack?.stop();
    }
  });

  test('a sync transcription is one trace: HTTP span → workflow start → workflow → activities → Deepgram call', async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/` };
    const settings = loadConfig(stackEnv(t.parts, env)).tracing;
    const api = (await createTracing({ settings, serviceName: 'transcription-api' }))!;
    const worker = (await createTracing({ settings, serviceName: 'transcription-worker' }))!;
    assert.ok(api && worker);
    const stack = await startStack(t.parts, { env, tracing: { api, worker } });
    try {
      const res = await postJson(stack.url('/v1/transcriptions'), { url: t.media.put('on.wav', silentWav(3)), options: { model: 'nova-3' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'completed');
      assert.deepEqual(await startHeaderKeys(t.parts, res.body.id), ['_tracer-data']);

      const isHttp = (s: ReceivedSpan) => s.name === 'POST /v1/transcriptions' && s.kind === SERVER && s.service === 'transcription-api';
      const named = (spans: ReceivedSpan[], traceId: string, name: string) => spans.filter((s) => s.traceId === traceId && s.name === name);
      const spans = await collect(receiver, [api, worker], (all) => {
        const http = all.find(isHttp);
        return !!http && named(all, http.traceId, 'deepgram POST /v1/listen').length > 0 && named(all, http.traceId, 'RunWorkflow:transcriptionJob').length > 0;
      });

      const http = spans.find(isHttp)!;
      assert.equal(http.parentSpanId, undefined, 'the HTTP span is the root');
      assert.equal(http.attributes['http.route'], '/v1/transcriptions');
      assert.equal(http.attributes['http.request.method'], 'POST');
      assert.equal(http.attributes['http.response.status_code'], 200);

      const trace = spans.filter((s) => s.traceId === http.traceId);
      const byId = new Map(trace.map((s) => [s.spanId, s]));
      const one = (name: string | RegExp) => {
        const found = trace.filter((s) => (typeof name === 'string' ? s.name === name : name.test(s.name)));
        assert.equal(found.length, 1, `one ${name} span in the trace; trace has: ${trace.map((s) => s.name).join(', ')}`);
        return found[0]!;
      };
      const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);

      const start = one(/^(StartWorkflow|UpdateWithStartWorkflow):/);
      assert.equal(start.service, 'transcription-api');
      assert.equal(parentOf(start), http, 'the workflow start is a child of the HTTP span');
      assert.equal(start.attributes.temporalWorkflowId, transcriptionWorkflowId(res.body.id));

      const run = one('RunWorkflow:transcriptionJob');
      assert.equal(run.service, 'transcription-worker');
      assert.equal(parentOf(run), start, 'the workflow run continues the client span from the start headers');

      // A sync job's Deepgram call runs in the workflow's own task (a local activity) when a place is free, as here.
      for (const activity of ['probeJobAudioDuration', 'transcribeSyncJobHere']) {
        const scheduled = one(`StartActivity:${activity}`);
        assert.equal(parentOf(scheduled), run, `${activity} is scheduled from the workflow span`);
        const executed = one(`RunActivity:${activity}`);
        assert.equal(executed.service, 'transcription-worker');
        assert.equal(parentOf(executed), scheduled, `${activity} runs under its scheduling span`);
      }

      const deepgram = one('deepgram POST /v1/listen');
      assert.equal(deepgram.kind, CLIENT);
      assert.equal(deepgram.service, 'transcription-worker');
      assert.equal(parentOf(deepgram), one('RunActivity:transcribeSyncJobHere'), 'the Deepgram call is a child of the activity');
      assert.equal(deepgram.attributes['deepgram.endpoint'], t.parts.emulator.url);
      assert.equal(deepgram.attributes['http.status_code'], 200);
      assert.equal(deepgram.attributes['deepgram.request_id'], res.body.deepgram_request_id);
      assert.equal(deepgram.attributes['deepgram.model'], 'nova-3');

      // Every span's parent is in the same trace: no link broken on the way through Temporal.
      for (const s of trace) if (s !== http) assert.ok(parentOf(s), `${s.service}/${s.name} has its parent in the trace`);
      assert.ok(receiver.requests.every((r) => r.path === '/v1/traces' && r.contentType.startsWith('application/json')));

      // A caller's traceparent is continued rather than replaced.
      const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const callerSpan = '00f067aa0ba902b7';
      const got = await fetch(stack.url(`/v1/transcriptions/${res.body.id}`), { headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` } });
      assert.equal(got.status, 200);
      const continued = await collect(receiver, [api], (all) => all.some((s) => s.traceId === callerTrace));
      const get = continued.find((s) => s.traceId === callerTrace && s.kind === SERVER)!;
      assert.equal(get.name, 'GET /v1/transcriptions/:id');
      assert.equal(get.parentSpanId, callerSpan);
    } finally {
      await stack.stop();
      await api.shutdown();
      await worker.shutdown();
    }
    // The last shutdown takes the global context manager and propagator away again.
    assert.deepEqual(propagation.fields(), []);
  });

  test('a worker refuses a pre-built bundle that does not match its tracing', async () => {
    const settings = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }).tracing;
    const worker = (await createTracing({ settings, serviceName: 'transcription-worker' }))!;
    try {
      const { workflowWorkerOptions } = await import('../../src/runtime/workflow-code.js');
      const { workflowBundle } = await import('../helpers/temporal.js');
      assert.throws(() => workflowWorkerOptions({ code: 'plain' }, worker), /built without the OpenTelemetry interceptors/);
      const traced = await workflowBundle({ tracing: true });
      assert.throws(() => workflowWorkerOptions(traced, undefined), /tracing is off/);
      assert.equal(workflowWorkerOptions(traced, worker).workflowBundle, traced);
    } finally {
      await worker.shutdown();
    }
  });

  test('GET on an unknown path is named by its method only (no route matched)', async () => {
    const settings = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }).tracing;
    const api = (await createTracing({ settings, serviceName: 'transcription-api' }))!;
    const stack = await startStack(t.parts, { worker: false, tracing: { api } });
    try {
      const res = await getJson(stack.url('/v1/nowhere'));
      assert.equal(res.status, 404);
      const spans = await collect(receiver, [api], (all) => all.some((s) => s.attributes['url.path'] === '/v1/nowhere'));
      const span = spans.find((s) => s.attributes['url.path'] === '/v1/nowhere')!;
      assert.equal(span.name, 'GET');
      assert.equal(span.attributes['http.route'], undefined);
      assert.equal(span.attributes['http.response.status_code'], 404);
    } finally {
      await stack.stop();
      await api.shutdown();
    }
  });
});
