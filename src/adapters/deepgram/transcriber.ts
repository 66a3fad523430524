import { DeepgramClient } from '@deepgram/sdk';
import type { DeepgramOptions } from '../../domain/transcription.js';
import { classifyDeepgramError, DeepgramCallError } from './errors.js';
import { isPrerecordedResponse, type DeepgramPrerecordedResponse } from './response.js';

export type AudioInput = { kind: 'url'; url: string } | { kind: 'bytes'; data: Buffer; contentType: string };

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
}

export function createDeepgramTranscriber(options: TranscriberOptions): Transcriber {
  const client = new DeepgramClient({
    ...(options.apiKey ? { apiKey: options.apiKey } : { auth: false }),
    baseUrl: options.apiUrl,
    timeoutInSeconds: options.timeoutSeconds,
    // Temporal's activity retry policy owns retries; SDK retries would multiply attempts and hide Retry-After.
    maxRetries: 0,
  });

  async function call(request: TranscribeRequest, extraQuery: Record<string, string>): Promise<unknown> {
    const requestOptions = {
      maxRetries: 0,
      timeoutInSeconds: options.timeoutSeconds,
      abortSignal: request.signal,
      queryParams: { ...request.options, ...extraQuery },
    };
    try {
      if (request.audio.kind === 'url') {
        return await client.listen.v1.media.transcribeUrl({ url: request.audio.url }, requestOptions);
      }
      return await client.listen.v1.media.transcribeFile(
        { data: request.audio.data, contentType: request.audio.contentType },
        {},
        requestOptions,
      );
    } catch (err) {
      if (request.signal?.aborted) throw err;
      throw classifyDeepgramError(err);
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
