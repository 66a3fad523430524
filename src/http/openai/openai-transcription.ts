import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';

/** OpenAI's `response_format` values for `/v1/audio/transcriptions`. */
export const RESPONSE_FORMATS = ['json', 'text', 'srt', 'vtt', 'verbose_json'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];
export type Granularity = 'word' | 'segment';

/** OpenAI's model names: each means "the best general model" here, Deepgram's Nova-3. Any other name is Deepgram's own. */
export const OPENAI_MODEL_ALIASES: Record<string, string> = {
  'whisper-1': 'nova-3',
  'gpt-4o-transcribe': 'nova-3',
  'gpt-4o-mini-transcribe': 'nova-3',
};

/** What `GET /v1/models` lists: OpenAI's names first (aliases), then Deepgram's and the local engine's. */
export const LISTED_MODELS = ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe', 'nova-3', 'nova-2', 'whisper-base', 'whisper-tiny'];

/** OpenAI's error envelope (`{error: {message, type, param, code}}`), which its SDKs turn into typed exceptions. */
export function openAiError(c: Context<AppEnv>, status: number, message: string, param: string | null = null, code: string | null = null) {
  const type = status === 401 ? 'invalid_request_error' : status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return c.json({ error: { message, type, param, code } }, status as 400);
}

interface DeepgramWord {
  word: string;
  punctuated_word?: string;
  start: number;
  end: number;
  confidence?: number;
}

interface DeepgramResult {
  metadata?: { duration?: number };
  results?: {
    channels?: Array<{ alternatives?: Array<{ transcript?: string; words?: DeepgramWord[] }>; detected_language?: string }>;
    utterances?: Array<{ start: number; end: number; transcript: string; confidence?: number; channel?: number }>;
  };
}

export interface TranscriptView {
  text: string;
  durationSeconds: number;
  language: string;
  segments: Array<{ start: number; end: number; text: string; confidence: number }>;
  words: Array<{ word: string; start: number; end: number }>;
}

/** The parts of a Deepgram response OpenAI's shapes are built from (first channel, as OpenAI transcribes mono). */
export function transcriptView(result: unknown, text: string, requestedLanguage: string | undefined): TranscriptView {
  const r = (result ?? {}) as DeepgramResult;
  const channel = r.results?.channels?.[0];
  const words = channel?.alternatives?.[0]?.words ?? [];
  const utterances = (r.results?.utterances ?? []).filter((u) => (u.channel ?? 0) === 0);
  return {
    text,
    durationSeconds: r.metadata?.duration ?? 0,
    language: LANGUAGE_NAMES[(channel?.detected_language ?? requestedLanguage ?? 'en').split('-')[0]!] ?? channel?.detected_language ?? requestedLanguage ?? 'english',
    segments: utterances.map((u) => ({ start: u.start, end: u.end, text: u.transcript, confidence: u.confidence ?? 1 })),
    words: words.map((w) => ({ word: w.punctuated_word ?? w.word, start: w.start, end: w.end })),
  };
}

// OpenAI reports the language by name in verbose_json.
const LANGUAGE_NAMES: Record<string, string> = {
  en: 'english', de: 'german', fr: 'french', es: 'spanish', it: 'italian', pt: 'portuguese', nl: 'dutch', ja: 'japanese',
  zh: 'chinese', ko: 'korean', ru: 'russian', hi: 'hindi', sv: 'swedish', da: 'danish', no: 'norwegian', pl: 'polish',
  tr: 'turkish', uk: 'ukrainian', id: 'indonesian', fi: 'finnish',
};

const usage = (view: TranscriptView) => ({ type: 'duration' as const, seconds: Math.ceil(view.durationSeconds) });

/** `response_format=json`. */
export function jsonBody(view: TranscriptView) {
  return { text: view.text, usage: usage(view) };
}

/** `response_format=verbose_json`, with segments and/or words as `timestamp_granularities[]` asks. */
export function verboseJsonBody(view: TranscriptView, granularities: readonly Granularity[]) {
  return {
    task: 'transcribe',
    language: view.language,
    duration: view.durationSeconds,
    text: view.text,
    ...(granularities.includes('segment')
      ? {
          segments: view.segments.map((s, id) => ({
            id,
            seek: 0,
            start: s.start,
            end: s.end,
            text: s.text,
            tokens: [],
            temperature: 0,
            avg_logprob: Math.log(Math.max(s.confidence, 1e-6)),
            compression_ratio: 1,
            no_speech_prob: 0,
          })),
        }
      : {}),
    ...(granularities.includes('word') ? { words: view.words } : {}),
    usage: usage(view),
  };
}

/** `stream=true`: the transcript as `transcript.text.delta` events (one per utterance), then `transcript.text.done`. */
export function streamEvents(view: TranscriptView): Array<Record<string, unknown>> {
  const pieces = view.segments.length > 0 ? view.segments.map((s, i) => (i === 0 ? s.text : ` ${s.text}`)) : [view.text];
  return [...pieces.filter(Boolean).map((delta) => ({ type: 'transcript.text.delta', delta })), { type: 'transcript.text.done', text: view.text, usage: usage(view) }];
}
