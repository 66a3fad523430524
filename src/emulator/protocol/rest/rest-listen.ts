import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AudioParamError, parseRawFormat, probeAudio, type RawFormat } from '../audio.js';
import { parseCallbackUrl, runCallbackJob } from './callback.js';
import { engineTranscription } from './rest-engine.js';
import { corruptAudio, errorBody, faultError, invalidAuth, invalidCallback, invalidJson, invalidParam, remoteContent } from '../errors.js';
import { describeFault } from '../../faults/faults.js';
import { BodyTooLargeError, credentialFromHeader, isAuthorized, readBody, sendJson } from '../../http-util.js';
import { one, parseQuery, transcriptOptions, type TranscriptOptions } from '../params.js';
import { fetchRemoteAudio } from './remote-audio.js';
import { prerecordedResponse } from '../responses.js';
import type { EmulatorState } from '../../state.js';
import { sha256Hex } from '../transcripts.js';
import type { RecordedRequest } from '../../types.js';

type Outcome = { status: number; body: unknown };
type AudioSource = { kind: 'bytes'; audio: Buffer } | { kind: 'url'; url: string };

/** Body form A (`application/json` with `{"url": ...}`) or B (raw audio bytes). */
function readSource(req: IncomingMessage, body: Buffer): AudioSource | { kind: 'invalid-json' } {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (!contentType.startsWith('application/json')) return { kind: 'bytes', audio: body };
  try {
    const mediaUrl = (JSON.parse(body.toString('utf8')) as { url?: unknown } | null)?.url;
    return typeof mediaUrl === 'string' ? { kind: 'url', url: mediaUrl } : { kind: 'invalid-json' };
  } catch {
    return { kind: 'invalid-json' };
  }
}

/** `POST /v1/listen`: pre-recorded transcription (sync or callback mode). */
export async function handleRestListen(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const id = randomUUID();
  const query = parseQuery(url.searchParams);
  const record = state.record({ id, kind: 'rest', method: req.method ?? 'POST', path: url.pathname, query, startedAt: Date.now() });
  const end = state.beginRest();
  res.on('close', () => {
    end();
    record.endedAt ??= Date.now();
  });
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    record.status = status;
    sendJson(res, status, body, { 'dg-request-id': id, ...headers });
  };
  try {
    await serve(state, req, res, id, query, record, reply);
  } catch (err) {
    state.settings.logger.warn({ err: (err as Error).message, requestId: id }, 'emulator: REST handler failed');
    reply(500, errorBody('INTERNAL_SERVER_ERROR', 'The emulator failed to process the request.', id));
  }
}

async function serve(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  query: ReturnType<typeof parseQuery>,
  record: RecordedRequest,
  reply: (status: number, body: unknown, headers?: Record<string, string>) => void,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) reply(413, errorBody('PAYLOAD_TOO_LARGE', 'Payload too large.', id));
    else res.destroy();
    return;
  }
  // Record what was asked for before auth and faults, so the request log can be filtered by source.
  const source = readSource(req, body);
  if (source.kind === 'url') record.sourceUrl = source.url;
  if (source.kind === 'bytes') {
    record.audioBytes = body.length;
    record.audioSha256 = sha256Hex(body);
  }
  const callbackRaw = one(query, 'callback');
  if (callbackRaw !== undefined) record.callbackUrl = callbackRaw;

  if (!isAuthorized(state.settings.apiKey, credentialFromHeader(req.headers.authorization))) {
    reply(401, invalidAuth(id));
    return;
  }

  const fault = state.faults.take('rest');
  if (fault) record.fault = describeFault(fault);
  if (fault?.latencyMs && !(await state.sleep(fault.latencyMs))) {
    res.destroy();
    return;
  }
  if (fault?.drop) {
    req.socket.destroy();
    return;
  }
  if (fault?.status !== undefined) {
    const defaults = faultError(fault.status);
    const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
    reply(fault.status, errorBody(fault.errCode ?? defaults.errCode, fault.errMsg ?? defaults.errMsg, id), headers);
    return;
  }

  let format: RawFormat;
  try {
    format = parseRawFormat({ encoding: one(query, 'encoding'), sample_rate: one(query, 'sample_rate'), channels: one(query, 'channels') });
  } catch (err) {
    if (err instanceof AudioParamError) return reply(400, invalidParam(id, err.message));
    throw err;
  }
  const options = transcriptOptions(query);
  if (options.model?.startsWith('nova-3') && one(query, 'keywords')) {
    return reply(400, invalidParam(id, 'Keywords are not supported for Nova-3 models. Use keyterm instead.'));
  }

  if (callbackRaw !== undefined && !parseCallbackUrl(callbackRaw)) return reply(400, invalidCallback(id));
  if (source.kind === 'invalid-json') return reply(400, invalidJson(id));

  const transcribe = (): Promise<Outcome> => transcribeSource(state, id, source, format, options, record, fault?.latencyPerAudioSecondMs);
  if (callbackRaw !== undefined) {
    reply(200, { request_id: id });
    const method = one(query, 'callback_method')?.toUpperCase() === 'PUT' ? 'PUT' : 'POST';
    void runCallbackJob(state, { requestId: id, url: callbackRaw, method, query, produce: async () => (await transcribe()).body });
    return;
  }
  const outcome = await transcribe();
  reply(outcome.status, outcome.body);
}

async function transcribeSource(
  state: EmulatorState,
  id: string,
  source: AudioSource,
  format: RawFormat,
  options: TranscriptOptions,
  record: RecordedRequest,
  latencyPerAudioSecondMs = 0,
): Promise<Outcome> {
  let audio: Buffer;
  if (source.kind === 'url') {
    const remote = await fetchRemoteAudio(source.url, state.shutdown.signal);
    if (!remote.ok) return { status: 400, body: remoteContent(id, remote.message) };
    audio = remote.audio;
  } else {
    audio = source.audio;
  }
  const sha256 = sha256Hex(audio);
  record.audioBytes = audio.length;
  record.audioSha256 = sha256;
  let info;
  try {
    info = await probeAudio(audio, format);
  } catch (err) {
    // In engine mode the reason is given, as for audio the engine's decoder rejects.
    return { status: 400, body: corruptAudio(id, state.engine ? (err as Error).message : undefined) };
  }
  if (latencyPerAudioSecondMs > 0) await state.sleep(info.duration * latencyPerAudioSecondMs);
  const entry = state.transcripts.byAudioHash(sha256);
  if (!entry && state.engine) return engineTranscription(state.engine, { id, sha256, audio, format, options });
  return {
    status: 200,
    body: prerecordedResponse({
      requestId: id,
      sha256,
      duration: info.duration,
      audioChannels: info.channels,
      options,
      registeredText: entry?.text,
    }),
  };
}
