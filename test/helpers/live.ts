import { streamSourceFor } from '../../src/runtime/stream-source.js';
import { liveRecordingsFor } from '../../src/runtime/live-recordings.js';
import { randomBytes } from 'node:crypto';
import { DeepgramClient } from '@deepgram/sdk';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { startStreamingWorker, type StreamingWorker } from '../../src/runtime/streaming-worker.js';
import { stackEnv, type SharedParts } from './stack.js';
import { workflowBundle } from './temporal.js';

/** Env for live tests: a live task queue of the file's own, so no other file's sessions reach its workers. */
export function liveEnv(parts: SharedParts, env: Record<string, string> = {}): Record<string, string> {
  return stackEnv(parts, { LIVE_TASK_QUEUE: `live-test-${randomBytes(4).toString('hex')}`, STREAMING_PORT: '0', ...env });
}

/** A streaming worker built by the same factory as `npm run streaming-worker` (own port) or `npm start` (`httpServer`). */
export async function startTestStreamingWorker(
  parts: SharedParts,
  env: Record<string, string>,
  httpServer?: Parameters<typeof startStreamingWorker>[0]['httpServer'],
): Promise<{ config: Config; worker: StreamingWorker; metrics: Metrics }> {
  const config = loadConfig(env);
  const metrics = createMetrics();
  const worker = await startStreamingWorker({
    live: config.live,
    apiKeys: config.auth.keys,
    keyCacheMs: config.auth.keyCacheMs,
    regions: config.regions,
    host: '127.0.0.1',
    db: parts.db,
    temporal: parts.temporal.client,
    temporalAddress: parts.temporal.address,
    namespace: config.temporal.namespace,
    payloadKeys: config.temporal.payloadKeys,
    // DEEPGRAM_API_URL: the shared emulator unless the test lists its own endpoints.
    deepgram: { apiUrls: config.deepgram.apiUrls, apiKey: config.deepgram.apiKey, failureThreshold: config.deepgram.circuit.failureThreshold, cooldownMs: config.deepgram.circuit.cooldownMs },
    logger: createLogger({ level: config.log.level }),
    metrics,
    ...(httpServer ? { httpServer } : {}),
    recordings: await liveRecordingsFor(config, { db: parts.db, temporal: parts.temporal.client }),
    openSource: streamSourceFor(config),
    workflowBundle: await workflowBundle(),
  });
  return { config, worker, metrics };
}

export interface SdkLive {
  conn: any;
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
}

/** The unmodified Deepgram SDK v5 live client, pointed at `baseUrl` (its auto-reconnect off, as a careful client). */
export function openSdkLive(baseUrl: string, args: Record<string, unknown>, apiKey = 'any-key'): Promise<SdkLive> {
  return openSdkSocket(new DeepgramClient({ apiKey, baseUrl: baseUrl.replace(/^ws/, 'http') }), 'v1', args);
}

/** The unmodified SDK's Flux client (`listen.v2`), pointed at `baseUrl`, its auto-reconnect off. */
export function openSdkFlux(baseUrl: string, args: Record<string, unknown>, options: { apiKey?: string; accessToken?: string } = {}): Promise<SdkLive> {
  const auth = options.accessToken ? { accessToken: options.accessToken } : { apiKey: options.apiKey ?? 'any-key' };
  return openSdkSocket(new DeepgramClient({ ...auth, baseUrl: baseUrl.replace(/^ws/, 'http') }), 'v2', { model: 'flux-general-en', ...args });
}

async function openSdkSocket(dg: DeepgramClient, api: 'v1' | 'v2', args: Record<string, unknown>): Promise<SdkLive> {
  const conn: any = await (api === 'v1' ? dg.listen.v1 : dg.listen.v2).connect({ reconnectAttempts: 0, ...args } as any);
  const messages: any[] = [];
  conn.on('message', (m: any) => messages.push(m));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => conn.on('close', (e: any) => resolve({ code: e.code, reason: e.reason ?? '' })));
  conn.connect();
  await conn.waitForOpen();
  return { conn, messages, closed };
}

export interface RawLive {
  ws: WebSocket;
  /** The 101 response's headers (dg-request-id; resume-from-seconds on a resume). */
  headers: Record<string, string | string[] | undefined>;
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the n-th message matching `predicate`. */
  waitFor(predicate: (m: any) => boolean, timeoutMs?: number): Promise<any>;
}

/** A plain `ws` client: for what the SDK hides (handshake refusals, close codes, oversized frames). */
export async function openRawLive(url: string, protocols?: string[], options?: WebSocket.ClientOptions): Promise<RawLive> {
  const ws = new WebSocket(url, protocols, options);
  const messages: any[] = [];
  const waiters: Array<{ predicate: (m: any) => boolean; resolve: (m: any) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    messages.push(m);
    for (const w of [...waiters]) if (w.predicate(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  let headers: RawLive['headers'] = {};
  ws.once('upgrade', (res) => (headers = res.headers));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });
  return {
    ws,
    headers,
    messages,
    closed,
    waitFor(predicate, timeoutMs = 15_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a live message')), timeoutMs);
        waiters.push({ predicate, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
}

/** The HTTP answer to an upgrade the server refused. */
export function refusedUpgrade(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
    });
  });
}

/** Sends `pcm` in `chunkBytes` pieces, `pauseMs` apart. */
export async function sendAudio(send: (chunk: Buffer) => void, pcm: Buffer, chunkBytes: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < pcm.length; i += chunkBytes) {
    send(pcm.subarray(i, i + chunkBytes));
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
