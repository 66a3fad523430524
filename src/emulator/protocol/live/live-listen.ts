import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { AudioParamError, parseRawFormat, type RawFormat } from '../audio.js';
import { errorBody, faultError, invalidAuth, type DeepgramErrorBody } from '../errors.js';
import { describeFault } from '../../faults/faults.js';
import { credentialFromHeader, credentialFromProtocols, headerValue, isAuthorized } from '../../http-util.js';
import { LiveSession, type LiveSessionInit } from './live-session.js';
import { FLUX_DEFAULTS, FluxTurns, thresholdProblem, type FluxThresholds } from './flux-turns.js';
import { flag, many, one, parseQuery, type Query } from '../params.js';
import type { EmulatorState } from '../../state.js';

export interface LiveHandler {
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  closeAll(): void;
}

/** Raw encodings whose byte rate needs sample_rate. */
const NEEDS_SAMPLE_RATE = new Set(['linear16', 'linear32', 'mulaw', 'alaw']);
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Writes an HTTP error response on a socket whose upgrade is refused, with Deepgram's dg-request-id / dg-error. */
function refuse(socket: Socket, status: number, body: DeepgramErrorBody, extra: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    'dg-request-id': body.request_id,
    'dg-error': body.err_msg.replace(/[\r\n]/g, ' '),
    Connection: 'close',
    ...extra,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${head}\r\n\r\n${payload}`);
}

/** Validates live query parameters; returns the raw format or a message for a 400 handshake rejection. */
function validate(query: Query): RawFormat | string {
  let format: RawFormat;
  try {
    format = parseRawFormat({ encoding: one(query, 'encoding'), sample_rate: one(query, 'sample_rate'), channels: one(query, 'channels') });
  } catch (err) {
    if (err instanceof AudioParamError) return err.message;
    throw err;
  }
  if (format.encoding && NEEDS_SAMPLE_RATE.has(format.encoding) && !format.sampleRate) {
    return `Invalid query parameters: sample_rate is required with encoding=${format.encoding}.`;
  }
  const endpointing = one(query, 'endpointing');
  if (endpointing !== undefined && endpointing !== 'false' && endpointing !== 'true' && !/^\d+$/.test(endpointing)) {
    return `Invalid query parameter: endpointing=${endpointing} must be a number of milliseconds or false.`;
  }
  const utteranceEnd = one(query, 'utterance_end_ms');
  if (utteranceEnd !== undefined && !/^\d+$/.test(utteranceEnd)) {
    return `Invalid query parameter: utterance_end_ms=${utteranceEnd} must be a number of milliseconds.`;
  }
  if (one(query, 'model')?.startsWith('nova-3') && one(query, 'keywords')) {
    return 'Keywords are not supported for Nova-3 models. Use keyterm instead.';
  }
  return format;
}

const FLUX_ENCODINGS = new Set(['linear16', 'linear32', 'mulaw', 'alaw', 'opus', 'ogg-opus']);

/** Flux's parameters (`/v2/listen`); returns its thresholds or a message for a 400 handshake rejection. */
function validateFlux(query: Query): FluxThresholds | string {
  const model = one(query, 'model');
  if (!model) return 'Invalid query parameters: model is required.';
  if (!model.startsWith('flux-')) return `Invalid query parameter: model=${model} is not available on /v2/listen.`;
  const encoding = one(query, 'encoding');
  if (encoding && !FLUX_ENCODINGS.has(encoding)) return `Invalid query parameter: encoding=${encoding}.`;
  const thresholds: FluxThresholds = { ...FLUX_DEFAULTS };
  for (const name of ['eot_threshold', 'eager_eot_threshold', 'eot_timeout_ms'] as const) {
    const value = one(query, name);
    if (value === undefined) continue;
    const problem = thresholdProblem(name, Number(value));
    if (problem) return `Invalid query parameter: ${problem}.`;
    thresholds[name] = Number(value);
  }
  return thresholds;
}

/** The v1 timeline a Flux session's turns are made from: punctuated interim results, endpoints, eot_timeout_ms. */
function fluxTimelineConfig(query: Query, requestId: string, thresholds: FluxThresholds): LiveSessionInit['config'] {
  return {
    requestId,
    modelParam: one(query, 'model'),
    language: one(query, 'model') === 'flux-general-en' ? 'en' : undefined,
    interimResults: true,
    endpointing: 0.01,
    utteranceEnd: thresholds.eot_timeout_ms / 1000,
    vadEvents: false,
    punctuate: true,
    diarize: false,
  };
}

function timelineConfig(query: Query, requestId: string): LiveSessionInit['config'] {
  const endpointing = one(query, 'endpointing');
  const utteranceEnd = one(query, 'utterance_end_ms');
  const smartFormat = flag(query, 'smart_format');
  return {
    requestId,
    modelParam: one(query, 'model'),
    language: one(query, 'language'),
    interimResults: flag(query, 'interim_results'),
    // Deepgram's default endpointing is 10 ms; `true` keeps the default.
    endpointing: endpointing === 'false' ? null : endpointing === undefined || endpointing === 'true' ? 0.01 : Number(endpointing) / 1000,
    utteranceEnd: utteranceEnd === undefined ? null : Number(utteranceEnd) / 1000,
    vadEvents: flag(query, 'vad_events'),
    punctuate: flag(query, 'punctuate') || smartFormat,
    diarize: flag(query, 'diarize'),
  };
}

/** Handles `GET /v1/listen` and Flux `GET /v2/listen` upgrades: auth, parameter checks, live faults, then a LiveSession per socket. */
export function createLiveHandler(state: EmulatorState): LiveHandler {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // Browser-style auth sends `Sec-WebSocket-Protocol: token, <key>`; the server must pick one of them.
    handleProtocols: (protocols) => [...protocols].find((p) => /^(token|bearer)$/i.test(p)) ?? false,
  });
  const sessions = new Set<LiveSession>();
  const frozen = new Set<{ terminate(): void }>();
  const requestIds = new WeakMap<IncomingMessage, string>();
  wss.on('headers', (headers, req) => {
    const id = requestIds.get(req);
    if (id) headers.push(`dg-request-id: ${id}`);
  });

  const upgrade = async (req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> => {
    const id = randomUUID();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const query = parseQuery(url.searchParams);
    const record = state.record({ id, kind: 'live', method: 'GET', path: url.pathname, query, startedAt: Date.now() });
    const reject = (status: number, body: DeepgramErrorBody, extra?: Record<string, string>): void => {
      record.status = status;
      record.endedAt = Date.now();
      refuse(socket, status, body, extra);
    };
    const key = [credentialFromHeader(headerValue(req.headers.authorization)), credentialFromProtocols(headerValue(req.headers['sec-websocket-protocol']))];
    if (!isAuthorized(state.settings.apiKey, ...key)) return reject(401, invalidAuth(id));
    const flux = url.pathname.startsWith('/v2/');
    const thresholds = flux ? validateFlux(query) : undefined;
    if (typeof thresholds === 'string') return reject(400, errorBody('INVALID_QUERY_PARAMETER', thresholds, id));
    const format = validate(query);
    if (typeof format === 'string') return reject(400, errorBody('INVALID_QUERY_PARAMETER', format, id));

    const fault = state.faults.take('live');
    if (fault) record.fault = describeFault(fault);
    if (fault?.status !== undefined) {
      if (fault.latencyMs && !(await state.sleep(fault.latencyMs))) return void socket.destroy();
      const defaults = faultError(fault.status);
      const extra: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
      return reject(fault.status, errorBody(fault.errCode ?? defaults.errCode, fault.errMsg ?? defaults.errMsg, id), extra);
    }
    if (socket.destroyed) return;
    requestIds.set(req, id);
    wss.handleUpgrade(req, socket, head, (ws) => {
      record.status = 101;
      if (fault?.freeze) {
        // Hung: the socket stays open but is never read again, and nothing is sent.
        socket.pause();
        const endLive = state.beginLive();
        frozen.add(ws);
        ws.on('close', () => {
          frozen.delete(ws);
          endLive();
        });
        return;
      }
      const endLive = state.beginLive();
      const session = new LiveSession({
        state,
        ws,
        requestId: id,
        format,
        config: thresholds ? fluxTimelineConfig(query, id, thresholds) : timelineConfig(query, id),
        ...(thresholds ? { flux: new FluxTurns(id, { thresholds, keyterms: many(query, 'keyterm') }) } : {}),
        fault,
        record,
      });
      sessions.add(session);
      ws.on('close', () => {
        sessions.delete(session);
        endLive();
      });
      session.start();
    });
  };

  return {
    handleUpgrade: (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      upgrade(req, socket, head).catch((err: unknown) => {
        state.settings.logger.warn({ err: (err as Error).message }, 'emulator: live upgrade failed');
        socket.destroy();
      });
    },
    closeAll: () => {
      for (const session of sessions) session.terminate();
      for (const ws of frozen) ws.terminate();
      wss.close();
    },
  };
}
