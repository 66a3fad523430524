import { isFluxModel, type LiveApi, type LiveOptions } from './live.js';

export type LiveQueryError = { status: 400 | 404; code: 'unknown_option' | 'invalid_option'; message: string };
export type LiveQuery =
  | { ok: true; options: LiveOptions; sessionId?: string; takeover: boolean; createSession: boolean; record: boolean; repass: boolean }
  | { ok: false; error: LiveQueryError };

/** Our own true/false parameters: never sent to Deepgram (a Deepgram-compatible client that does not send them gets false). */
const OWN_FLAGS = ['takeover', 'create_session', 'record', 'repass'] as const;
type OwnFlag = (typeof OWN_FLAGS)[number];

const ENCODINGS = new Set(['linear16', 'linear32', 'flac', 'alaw', 'mulaw', 'amr-nb', 'amr-wb', 'opus', 'ogg-opus', 'speex', 'g729']);
/** Headerless encodings whose samples mean nothing without a sample rate. */
const NEEDS_SAMPLE_RATE = new Set(['linear16', 'linear32', 'alaw', 'mulaw', 'opus', 'speex', 'g729', 'amr-nb', 'amr-wb', 'flac']);
const BOOLEANS = new Set([
  'interim_results', 'multichannel', 'vad_events', 'smart_format', 'punctuate', 'diarize', 'numerals', 'profanity_filter',
  'dictation', 'filler_words', 'detect_entities', 'mip_opt_out', 'measurements', 'no_delay',
]);
const NAMES = new Set(['model', 'language', 'version', 'diarize_model']);
const REPEATABLE = new Set(['keyterm', 'keywords', 'search', 'replace', 'redact', 'tag', 'extra']);
/** Flux (`/v2/listen`): its own, smaller set of parameters. */
const FLUX_ENCODINGS = new Set(['linear16', 'linear32', 'mulaw', 'alaw', 'opus', 'ogg-opus']);
const FLUX_BOOLEANS = new Set(['mip_opt_out', 'numerals', 'profanity_filter']);
const FLUX_REPEATABLE = new Set(['keyterm', 'language_hint', 'redact', 'tag']);
const FLUX_VALUES = new Set(['model', 'encoding', 'sample_rate', 'eot_threshold', 'eager_eot_threshold', 'eot_timeout_ms']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalid = (message: string): LiveQuery => ({ ok: false, error: { status: 400, code: 'invalid_option', message } });
const isInt = (v: string, min: number, max: number) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
const isDecimal = (v: string, min: number, max: number) => /^\d+(\.\d+)?$/.test(v) && Number(v) >= min && Number(v) <= max;

/**
 * Validates the query of a live `GET /v1/listen` upgrade: Deepgram's live parameters, with Deepgram's string
 * values, plus our `session_id` (resume; with `create_session=true` the id of a session to start if it does not exist
 * yet, so a client's automatic reconnect, which repeats the same URL, resumes it). Unknown or malformed parameters are refused with a message naming them,
 * before anything is started or billed. `api: 'v2'` validates a Flux `GET /v2/listen` upgrade instead.
 */
export function parseLiveQuery(params: URLSearchParams, api: LiveApi = 'v1'): LiveQuery {
  const v2 = api === 'v2';
  const repeatable = v2 ? FLUX_REPEATABLE : REPEATABLE;
  const options: LiveOptions = {};
  let sessionId: string | undefined;
  const flags: Record<OwnFlag, boolean> = { takeover: false, create_session: false, record: false, repass: false };
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    if ((OWN_FLAGS as readonly string[]).includes(name)) {
      if (values.length !== 1 || (values[0] !== 'true' && values[0] !== 'false')) return invalid(`${name} must be true or false`);
      flags[name as OwnFlag] = values[0] === 'true';
      continue;
    }
    if (name === 'session_id') {
      if (values.length !== 1 || !UUID.test(values[0]!)) return invalid('session_id must be the id of a live session (a UUID)');
      sessionId = values[0]!.toLowerCase();
      continue;
    }
    if (repeatable.has(name)) {
      if (values.some((v) => v.length === 0 || v.length > 256)) return invalid(`${name} values must be 1 to 256 characters`);
      options[name] = values.length === 1 ? values[0]! : values;
      continue;
    }
    const known = v2
      ? FLUX_BOOLEANS.has(name) || FLUX_VALUES.has(name)
      : BOOLEANS.has(name) || NAMES.has(name) || ['encoding', 'sample_rate', 'channels', 'endpointing', 'utterance_end_ms'].includes(name);
    if (!known) {
      const where = v2 ? "Flux's /v2/listen parameters" : "Deepgram's live streaming parameters";
      return { ok: false, error: { status: 400, code: 'unknown_option', message: `Unknown query parameter ${name}; see ${where}` } };
    }
    if (values.length > 1) return invalid(`${name} was given ${values.length} times; give it once`);
    const problem = v2 ? checkFluxValue(name, values[0]!) : checkValue(name, values[0]!);
    if (problem) return invalid(problem);
    options[name] = values[0]!;
  }
  const { takeover, create_session: createSession, repass } = flags;
  if (v2 && repass) return invalid('repass=true is not available on /v2/listen: a re-pass is a pre-recorded job, and Flux models are live only');
  if (takeover && !sessionId) return invalid('takeover=true needs the session_id of the session to take over');
  if (createSession && !sessionId) return invalid('create_session=true needs the session_id (a UUID you choose) to create the session under');
  if (repass && params.get('record') === 'false') return invalid('repass=true transcribes the recording again: it needs record=true (or no record parameter)');
  // A re-pass needs the recording, so asking for one records.
  const record = flags.record || repass;
  return (v2 ? fluxCrossCheck(options) : crossCheck(options)) ?? { ok: true, options, takeover, createSession, record, repass, ...(sessionId ? { sessionId } : {}) };
}

function checkValue(name: string, value: string): string | undefined {
  if (BOOLEANS.has(name)) return value === 'true' || value === 'false' ? undefined : `${name}=${value} must be true or false`;
  if (NAMES.has(name)) return /^[\w.:-]{1,100}$/.test(value) ? undefined : `${name}=${value} is not a valid ${name}`;
  switch (name) {
    case 'encoding':
      return ENCODINGS.has(value) ? undefined : `encoding=${value} is not one of ${[...ENCODINGS].join(', ')}`;
    case 'sample_rate':
      return isInt(value, 1000, 192_000) ? undefined : `sample_rate=${value} must be a whole number of Hz between 1000 and 192000`;
    case 'channels':
      return isInt(value, 1, 32) ? undefined : `channels=${value} must be a whole number between 1 and 32`;
    case 'endpointing':
      return value === 'false' || value === 'true' || isInt(value, 0, 60_000) ? undefined : `endpointing=${value} must be milliseconds of silence or false`;
    case 'utterance_end_ms':
      return isInt(value, 1, 60_000) ? undefined : `utterance_end_ms=${value} must be a whole number of milliseconds`;
  }
  return undefined;
}

function checkFluxValue(name: string, value: string): string | undefined {
  if (FLUX_BOOLEANS.has(name)) return value === 'true' || value === 'false' ? undefined : `${name}=${value} must be true or false`;
  switch (name) {
    case 'model':
      return isFluxModel(value) && /^[\w.:-]{1,100}$/.test(value) ? undefined : `model=${value}: /v2/listen serves Flux models (flux-general-en, flux-general-multi); stream other models on /v1/listen`;
    case 'encoding':
      return FLUX_ENCODINGS.has(value) ? undefined : `encoding=${value} is not one of ${[...FLUX_ENCODINGS].join(', ')}`;
    case 'sample_rate':
      return isInt(value, 1000, 192_000) ? undefined : `sample_rate=${value} must be a whole number of Hz between 1000 and 192000`;
    case 'eot_threshold':
      return isDecimal(value, 0.5, 1) ? undefined : `eot_threshold=${value} must be a number from 0.5 to 1.0`;
    case 'eager_eot_threshold':
      return isDecimal(value, 0.3, 0.9) ? undefined : `eager_eot_threshold=${value} must be a number from 0.3 to 0.9`;
    case 'eot_timeout_ms':
      return isInt(value, 500, 60_000) ? undefined : `eot_timeout_ms=${value} must be a whole number of milliseconds from 500 to 60000`;
  }
  return undefined;
}

function fluxCrossCheck(options: LiveOptions): LiveQuery | undefined {
  if (options.model === undefined) return invalid('model is required on /v2/listen (flux-general-en or flux-general-multi)');
  const encoding = options.encoding as string | undefined;
  if (encoding && NEEDS_SAMPLE_RATE.has(encoding) && options.sample_rate === undefined) {
    return invalid(`sample_rate is required with encoding=${encoding} (raw audio carries no header to read it from)`);
  }
  if (options.eager_eot_threshold !== undefined && Number(options.eager_eot_threshold) > Number(options.eot_threshold ?? 0.7)) {
    return invalid(`eager_eot_threshold=${options.eager_eot_threshold} must not be above eot_threshold (${options.eot_threshold ?? '0.7, the default'})`);
  }
  return undefined;
}

function crossCheck(options: LiveOptions): LiveQuery | undefined {
  if (isFluxModel(options.model)) return invalid(`model=${options.model} is a Flux model: stream it on /v2/listen`);
  const encoding = options.encoding as string | undefined;
  if (encoding && NEEDS_SAMPLE_RATE.has(encoding) && options.sample_rate === undefined) {
    return invalid(`sample_rate is required with encoding=${encoding} (raw audio carries no header to read it from)`);
  }
  if (options.utterance_end_ms !== undefined && options.interim_results !== 'true') {
    return invalid('utterance_end_ms needs interim_results=true');
  }
  const model = options.model as string | undefined;
  if (model?.startsWith('nova-3') && options.keywords !== undefined) {
    return invalid('keywords is not supported by Nova-3 models; use keyterm');
  }
  return undefined;
}
