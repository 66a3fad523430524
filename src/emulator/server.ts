import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { handleAdmin } from './faults/admin-routes.js';
import { probeAudio } from './protocol/audio.js';
import { sendJson } from './http-util.js';
import { createWhisperEngine } from './engine/whisper-engine.js';
import type { SpeechEngine } from './engine/types.js';
import { createLiveHandler } from './protocol/live/live-listen.js';
import { handleRestListen } from './protocol/rest/rest-listen.js';
import { EmulatorState } from './state.js';
import { TranscriptRegistry } from './protocol/transcripts.js';
import type { DeepgramEmulator, EmulatorOptions } from './types.js';

const silent = { info: () => {}, warn: () => {} };

const isListenPath = (path: string): boolean => path === '/v1/listen' || path === '/v1/listen/';
const isLiveUpgradePath = (path: string): boolean => isListenPath(path) || path === '/v2/listen' || path === '/v2/listen/';

/** Starts a Deepgram-protocol emulator (REST + live WebSocket + admin API) on a real port. */
export async function startDeepgramEmulator(options: EmulatorOptions = {}): Promise<DeepgramEmulator> {
  const host = options.host ?? '127.0.0.1';
  const transcripts = new TranscriptRegistry(async (audio) => (await probeAudio(audio)).duration);
  const state = new EmulatorState(
    {
      apiKey: options.apiKey === undefined ? 'emulator-key' : options.apiKey,
      callbackRetryDelayMs: options.callbackRetryDelayMs ?? 30_000,
      callbackMaxAttempts: Math.max(1, options.callbackMaxAttempts ?? 10),
      liveIdleTimeoutMs: options.liveIdleTimeoutMs ?? 10_000,
      logger: options.logger ?? silent,
    },
    transcripts,
    await resolveEngine(options),
  );

  const admin = options.admin ?? true;
  const server = createServer((req, res) => {
    void route(state, req, res, admin);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const live = createLiveHandler(state);
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    if (isLiveUpgradePath(path)) live.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  state.settings.logger.info({ url }, 'emulator: Deepgram emulator listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    engine: state.engine?.info ?? null,
    registerTranscript: (audio, text) => transcripts.register(audio, text),
    injectFault: (fault) => state.faults.add(fault),
    clearFaults: () => state.faults.clear(),
    requests: () => state.requests(),
    stats: () => state.stats(),
    reset: () => state.reset(),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        state.shutdown.abort();
        live.closeAll();
        state.engine?.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

async function resolveEngine(options: EmulatorOptions): Promise<SpeechEngine | null> {
  const engine = options.engine ?? 'synthetic';
  if (engine === 'synthetic') return null;
  if (engine === 'whisper') {
    return createWhisperEngine({
      python: options.enginePython,
      concurrency: options.engineConcurrency,
      threads: options.engineThreads,
      model: options.engineModel,
      partialIntervalMs: options.enginePartialIntervalMs,
    });
  }
  return engine;
}

async function route(state: EmulatorState, req: IncomingMessage, res: ServerResponse, admin: boolean): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  if (isListenPath(url.pathname) && req.method === 'POST') return handleRestListen(state, req, res, url);
  // For container and Kubernetes probes: answers once the engine (when there is one) has loaded.
  if (url.pathname === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok', engine: state.engine?.info.engine ?? 'synthetic' });
  if (admin && url.pathname.startsWith('/_emulator/')) return handleAdmin(state, req, res, url.pathname);
  if (isListenPath(url.pathname)) {
    sendJson(res, 405, { err_code: 'METHOD_NOT_ALLOWED', err_msg: 'Use POST for pre-recorded audio or a WebSocket upgrade for live audio.' });
    return;
  }
  sendJson(res, 404, { err_code: 'NOT_FOUND', err_msg: `No route for ${req.method} ${url.pathname}.` });
}
