import type { Readable } from 'node:stream';
import { DeepgramClient } from '@deepgram/sdk';
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import type { DeepgramOptions } from '../../domain/transcription.js';
import { classifyDeepgramError, DeepgramCallError } from './errors.js';
import { streamingUploadFetch } from './streaming-upload-fetch.js';
import { isPrerecordedResponse, type DeepgramPrerecordedResponse } from './response.js';

/** Uploaded audio is opened anew for every send (retries, failover), and streamed: it is never held whole in memory. */
export type AudioInput =
  | { kind: 'url'; url: string }
  | { kind: 'upload'; contentType: string; open: () => Promise<{ body: Readable; sizeBytes: number }> };

export interface TranscribeRequest {
  audio: AudioInput;
  options: DeepgramOptions;
  signal?: AbortSignal;
}

/** The Deepgram prerecorded API as the activities need it. Every failure is a DeepgramCallError. */
export interface Transcriber {
  readonly endpoint: string;
  transcribe(request: TranscribeRequest): Promise<DeepgramPrerecordedResponse>;
  /** Callback mode: Deepgram answers with a request id now and POSTs the result to `callbackUrl` later. */
  submitWithCallback(request: TranscribeRequest, callbackUrl: string): Promise<{ deepgramRequestId: string }>;
}

export interface TranscriberOptions {
  apiUrl: string;
  /** Without a key no Authorization header is sent (self-hosted Deepgram authenticates at the container). */
  apiKey?: string;
  timeoutSeconds: number;
  /** With tracing on: a client span per call (endpoint, HTTP status, Deepgram request id), child of the activity's. */
  tracer?: Tracer;
}

export function createDeepgramTranscriber(options: TranscriberOptions): Transcriber {
  const client = new DeepgramClient({
    ...(options.apiKey ? { apiKey: options.apiKey } : { auth: false }),
    baseUrl: options.apiUrl,
    timeoutInSeconds: options.timeoutSeconds,
    // Temporal's activity retry policy owns retries; SDK retries would multiply attempts and hide Retry-After.
    maxRetries: 0,
    fetch: streamingUploadFetch,
  });

  async function call(request: TranscribeRequest, extraQuery: Record<string, string>): Promise<unknown> {
    if (!options.tracer) return send(request, extraQuery);
    return options.tracer.startActiveSpan(
      'deepgram POST /v1/listen',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'deepgram.endpoint': options.apiUrl,
          'http.request.method': 'POST',
          // No query string: it carries the options and, in callback mode, a signed callback URL.
          'url.full': `${options.apiUrl}/v1/listen`,
          'deepgram.audio': request.audio.kind,
          'deepgram.callback': 'callback' in extraQuery,
          ...(typeof request.options.model === 'string' ? { 'deepgram.model': request.options.model } : {}),
        },
      },
      async (span) => {
        try {
          return await send(request, extraQuery, span);
        } catch (err) {
          recordFailure(span, err);
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  async function send(request: TranscribeRequest, extraQuery: Record<string, string>, span?: Span): Promise<unknown> {
    const requestOptions = {
      maxRetries: 0,
      timeoutInSeconds: options.timeoutSeconds,
      abortSignal: request.signal,
      queryParams: { ...request.options, ...extraQuery },
    };
    let upload: { body: Readable; sizeBytes: number } | undefined;
    // Opening or reading the upload is our storage's business, not Deepgram's: those errors pass as they are.
    if (request.audio.kind === 'upload') upload = await request.audio.open();
    let uploadError: unknown;
    upload?.body.once('error', (err) => (uploadError = err));
    try {
      const audio = request.audio;
      let pending;
      if (audio.kind === 'url') {
        pending = client.listen.v1.media.transcribeUrl({ url: audio.url }, requestOptions);
      } else {
        pending = client.listen.v1.media.transcribeFile({ data: upload!.body, contentType: audio.contentType, contentLength: upload!.sizeBytes }, {}, requestOptions);
      }
      if (!span) return await pending;
      const { data, rawResponse } = await pending.withRawResponse();
      span.setAttributes({ 'http.response.status_code': rawResponse.status, 'http.status_code': rawResponse.status });
      const requestId = requestIdOf(data) ?? rawResponse.headers.get('dg-request-id');
      if (requestId) span.setAttribute('deepgram.request_id', requestId);
      return data;
    } catch (err) {
      if (request.signal?.aborted) throw err;
      if (uploadError !== undefined) throw uploadError;
      throw classifyDeepgramError(err);
    } finally {
      // An answer before the whole upload was sent (an error, a timeout) leaves the blob stream open.
      upload?.body.destroy();
    }
  }

  return {
    endpoint: options.apiUrl,
    async transcribe(request) {
      const body = await call(request, {});
      if (!isPrerecordedResponse(body)) {
        throw new DeepgramCallError('transient', 'Deepgram answered without results', 200, undefined, undefined, undefined);
      }
      return body;
    },
    async submitWithCallback(request, callbackUrl) {
      const body = (await call(request, { callback: callbackUrl })) as { request_id?: unknown };
      if (typeof body?.request_id !== 'string') {
        throw new DeepgramCallError('transient', 'Deepgram accepted the callback request without a request id', 200, undefined, undefined, undefined);
      }
      return { deepgramRequestId: body.request_id };
    },
  };
}

function requestIdOf(body: unknown): string | undefined {
  const b = body as { request_id?: unknown; metadata?: { request_id?: unknown } } | undefined;
  const id = b?.metadata?.request_id ?? b?.request_id;
  return typeof id === 'string' ? id : undefined;
}

/** Both the current (`http.response.status_code`) and the older (`http.status_code`) attribute names are set. */
function recordFailure(span: Span, err: unknown): void {
  if (err instanceof DeepgramCallError) {
    if (err.status !== undefined) span.setAttributes({ 'http.response.status_code': err.status, 'http.status_code': err.status });
    if (err.deepgramRequestId) span.setAttribute('deepgram.request_id', err.deepgramRequestId);
    span.setAttribute('error.type', err.status !== undefined ? String(err.status) : err.kind);
  }
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}
