import type { z } from 'zod';
import type { JobListSchema, JobSchema } from '../http/openapi/schemas.js';
import type { DeepgramOptions, RequestedMode } from '../domain/transcription.js';

/** A job as `GET /v1/transcriptions/:id` returns it: the type comes from the zod schema the server answers with. */
export type Job = z.infer<typeof JobSchema>;
export type JobPage = z.infer<typeof JobListSchema>;

/** One progress event of `GET /v1/transcriptions/:id/events`. */
export interface ProgressEvent {
  id: number;
  status: Job['status'];
  phase: 'queued' | 'fetching' | 'transcribing' | 'storing' | 'delivering' | null;
  percent?: number;
  eta_seconds?: number;
  chunks?: { total: number; completed: number };
  final: boolean;
}

export interface SubmitOptions {
  /** `stream` (submitUrl only): the URL is a live audio stream, transcribed as it plays. */
  mode?: RequestedMode | 'stream';
  /** With mode `stream`: stop after this many seconds. */
  maxDurationSeconds?: number;
  options?: DeepgramOptions;
  webhookUrl?: string;
  priority?: number;
  /** Makes the request safe to retry: the same key returns the same job. */
  idempotencyKey?: string;
}

/** An error answer of the API: its status, machine-readable code and message. */
export class TranscriptionApiError extends Error {
  override name = 'TranscriptionApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface TranscriptionClientOptions {
  /** Where the API answers, e.g. `https://transcription.internal` (no `/v1`). */
  baseUrl: string;
  apiKey?: string;
  /** Another fetch (tests, proxies); default the global one. */
  fetch?: typeof globalThis.fetch;
}

/**
 * The platform's HTTP API for other services: submit by URL or with the audio itself, read, list, cancel and delete
 * jobs, follow their progress events, and fetch transcripts and captions. Errors are TranscriptionApiError.
 */
export function createTranscriptionClient(options: TranscriptionClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const auth: Record<string, string> = options.apiKey ? { authorization: `Token ${options.apiKey}` } : {};

  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await doFetch(`${base}${path}`, { ...init, headers: { ...auth, ...((init.headers as Record<string, string>) ?? {}) } });
    if (res.status >= 400) {
      const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; details?: unknown } } | undefined;
      throw new TranscriptionApiError(res.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `HTTP ${res.status}`, body?.error?.details);
    }
    return res;
  }
  const json = async <T>(path: string, init?: RequestInit) => (await (await call(path, init)).json()) as T;
  const keyHeader = (o: SubmitOptions): Record<string, string> => (o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {});
  const id = (jobId: string) => encodeURIComponent(jobId);

  const client = {
    /** Transcribes audio at a URL. */
    submitUrl: (url: string, o: SubmitOptions = {}) =>
      json<Job>('/v1/transcriptions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...keyHeader(o) },
        body: JSON.stringify({
          url,
          ...(o.mode ? { mode: o.mode } : {}),
          ...(o.maxDurationSeconds !== undefined ? { max_duration_seconds: o.maxDurationSeconds } : {}),
          ...(o.options ? { options: o.options } : {}),
          ...(o.webhookUrl ? { webhook_url: o.webhookUrl } : {}),
          ...(o.priority ? { priority: o.priority } : {}),
        }),
      }),

    /** Transcribes audio sent with the request (streamed: a ReadableStream is never held whole). */
    submitAudio(audio: Blob | Uint8Array | ReadableStream<Uint8Array>, o: SubmitOptions & { contentType?: string } = {}): Promise<Job> {
      const query = new URLSearchParams({
        ...(o.mode ? { mode: o.mode } : {}),
        ...(o.webhookUrl ? { webhook_url: o.webhookUrl } : {}),
        ...(o.priority ? { priority: String(o.priority) } : {}),
        ...Object.fromEntries(Object.entries(o.options ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)])),
      });
      return json<Job>(`/v1/transcriptions?${query}`, {
        method: 'POST',
        headers: { 'content-type': o.contentType ?? 'application/octet-stream', ...keyHeader(o) },
        body: audio as unknown as RequestInit['body'],
        ...(audio instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    },

    get: (jobId: string) => json<Job>(`/v1/transcriptions/${id(jobId)}`),
    list: (q: { status?: Job['status']; mode?: 'sync' | 'async'; limit?: number; cursor?: string } = {}) =>
      json<JobPage>(`/v1/transcriptions?${new URLSearchParams(Object.entries(q).flatMap(([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]])))}`),
    cancel: (jobId: string) => json<Job>(`/v1/transcriptions/${id(jobId)}/cancel`, { method: 'POST' }),
    delete: async (jobId: string) => void (await call(`/v1/transcriptions/${id(jobId)}`, { method: 'DELETE' })),
    /** The transcript as text or captions (the job must be completed). */
    transcript: async (jobId: string, format: 'txt' | 'srt' | 'vtt' = 'txt') => (await call(`/v1/transcriptions/${id(jobId)}?format=${format}`)).text(),

    /** The job's progress events, from its current state to its final one (resume after `lastEventId`). */
    async *events(jobId: string, o: { lastEventId?: number; signal?: AbortSignal } = {}): AsyncGenerator<ProgressEvent> {
      const res = await call(`/v1/transcriptions/${id(jobId)}/events`, {
        headers: o.lastEventId !== undefined ? { 'last-event-id': String(o.lastEventId) } : {},
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const lines = buffer.slice(0, end).split('\n');
            buffer = buffer.slice(end + 2);
            const field = (name: string) => lines.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
            const data = field('data');
            if (field('event') === 'progress' && data) yield { id: Number(field('id')), ...JSON.parse(data) } as ProgressEvent;
          }
        }
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    },

    /** Follows the job to its final state and returns it, with its transcript when it completed. */
    async waitFor(jobId: string, o: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void } = {}): Promise<Job> {
      for await (const event of client.events(jobId, { ...(o.signal ? { signal: o.signal } : {}) })) o.onProgress?.(event);
      return client.get(jobId);
    },
  };
  return client;
}

export type TranscriptionClient = ReturnType<typeof createTranscriptionClient>;
