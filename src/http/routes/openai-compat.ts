import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { AppError } from '../../domain/errors.js';
import type { AudioSource, DeepgramOptions } from '../../domain/transcription.js';
import type { SubmitResult } from '../../services/transcriptions.service.js';
import type { AppDeps, AppEnv } from '../app-env.js';
import { readMultipart } from '../multipart.js';
import { renderTranscript } from '../transcript-formats.js';
import { parseOptions } from '../validation/transcription-request.js';
import { IDEMPOTENCY_KEY_PATTERN } from '../validation/idempotency-key.js';
import {
  jsonBody,
  LISTED_MODELS,
  OPENAI_MODEL_ALIASES,
  openAiError,
  RESPONSE_FORMATS,
  streamEvents,
  transcriptView,
  verboseJsonBody,
  type Granularity,
  type ResponseFormat,
} from '../openai/openai-transcription.js';

/** A request field OpenAI would refuse: its 400, naming the parameter. */
class OpenAiParamError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

interface OpenAiRequest {
  format: ResponseFormat;
  granularities: Granularity[];
  stream: boolean;
  language?: string;
  options: DeepgramOptions;
}

const KEEPALIVE_MS = 15_000;
const MAX_KEYTERMS = 50;

/**
 * OpenAI's speech-to-text API, for the tools that speak it (Open WebUI, LiteLLM, Haystack, the `openai` SDKs):
 * `POST /v1/audio/transcriptions` and `GET /v1/models`. Every request is a durable job of the caller's tenant, like
 * `/v1/listen`'s: listed under `/v1/transcriptions`, visible in the Temporal UI, its id in `x-transcription-id`.
 */
export function openAiRoutes(deps: AppDeps) {
  const modelObject = (id: string) => ({ id, object: 'model', created: 1_700_000_000, owned_by: OPENAI_MODEL_ALIASES[id] ? `alias of ${OPENAI_MODEL_ALIASES[id]}` : 'deepgram' });

  async function submit(c: Context<AppEnv>, source: AudioSource, durationHint: number | undefined, request: OpenAiRequest): Promise<SubmitResult> {
    const idempotencyKey = c.req.header('idempotency-key');
    return deps.service.submit(c.get('caller'), {
      source,
      mode: 'sync',
      options: request.options,
      priority: 3,
      ...(durationHint !== undefined ? { durationHint } : {}),
      ...(idempotencyKey && IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey) ? { idempotencyKey } : {}),
      // OpenAI's API answers when the transcript is ready: hold the request as long as a Deepgram call may take.
      syncWaitMs: deps.config.deepgram.timeoutSeconds * 1000,
    });
  }

  return new Hono<AppEnv>()
    .get('/models', (c) => c.json({ object: 'list', data: LISTED_MODELS.map(modelObject) }))
    .get('/models/:id', (c) => {
      const id = c.req.param('id');
      if (!LISTED_MODELS.includes(id)) return openAiError(c, 404, `The model '${id}' does not exist`, 'model', 'model_not_found');
      return c.json(modelObject(id));
    })
    .post('/audio/transcriptions', async (c) => {
      if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
        return openAiError(c, 400, "Send multipart/form-data with the audio in a field named 'file'", 'file');
      }
      const form = await readMultipart(c.req.raw, (stream, info) => deps.service.ingestUpload(c.get('caller'), stream, { contentType: info.mimeType || 'application/octet-stream' }), 'file');
      if (!form.file) return openAiError(c, 400, "Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
      let request: OpenAiRequest;
      try {
        request = readRequest(form.fields, form.lists);
      } catch (err) {
        await deps.service.discardUpload(form.file.source);
        if (err instanceof OpenAiParamError) return openAiError(c, 400, err.message, err.param, 'invalid_value');
        if (err instanceof AppError) return openAiError(c, 400, err.message, null, err.code);
        throw err;
      }
      const durationHint = form.file.durationSeconds ?? undefined;
      if (request.stream) {
        return streamSSE(c, async (sse) => {
          const keepalive = setInterval(() => void sse.write(': keep-alive\n\n'), KEEPALIVE_MS);
          try {
            const result = await submit(c, form.file!.source, durationHint, request);
            const outcome = finished(result);
            if ('error' in outcome) {
              await sse.writeSSE({ data: JSON.stringify({ error: { message: outcome.error.message, type: 'server_error', code: outcome.error.code } }) });
              return;
            }
            const view = transcriptView(result.transcript!.result, result.transcript!.text, request.language);
            for (const event of streamEvents(view)) await sse.writeSSE({ data: JSON.stringify(event) });
          } finally {
            clearInterval(keepalive);
          }
        });
      }
      const result = await submit(c, form.file.source, durationHint, request);
      c.header('x-transcription-id', result.job.id);
      const outcome = finished(result);
      if ('error' in outcome) return openAiError(c, outcome.status, outcome.error.message, null, outcome.error.code);
      const transcript = result.transcript!;
      const view = transcriptView(transcript.result, transcript.text, request.language);
      switch (request.format) {
        case 'json':
          return c.json(jsonBody(view));
        case 'verbose_json':
          return c.json(verboseJsonBody(view, request.granularities));
        case 'text':
          return c.text(`${transcript.text}\n`);
        default: {
          const rendered = renderTranscript(result, request.format);
          return c.body(rendered.body, 200, { 'content-type': rendered.contentType });
        }
      }
    });
}

/** The job's end as OpenAI reports it: audio Deepgram refused is the caller's 400; anything else upstream's. */
function finished(result: SubmitResult): { ok: true } | { error: { message: string; code: string }; status: number } {
  const { job } = result;
  if (job.status === 'completed' && result.transcript) return { ok: true };
  if (job.status === 'failed' && job.error) {
    const rejected = job.error.code === 'deepgram_rejected' && job.error.status === 400;
    return { error: { message: job.error.message, code: job.error.code }, status: rejected ? 400 : 502 };
  }
  return { error: { message: `The transcription is still running; poll /v1/transcriptions/${job.id}`, code: 'timeout' }, status: 504 };
}

/** OpenAI's form fields, checked as OpenAI checks them, and the Deepgram options they stand for. */
function readRequest(fields: Record<string, string>, lists: Record<string, string[]>): OpenAiRequest {
  const format = (fields.response_format ?? 'json') as ResponseFormat;
  if (!RESPONSE_FORMATS.includes(format)) {
    throw new OpenAiParamError(`Unsupported value: 'response_format' must be one of ${RESPONSE_FORMATS.map((f) => `'${f}'`).join(', ')}.`, 'response_format');
  }
  const granularities = (lists['timestamp_granularities[]'] ?? lists.timestamp_granularities ?? []) as Granularity[];
  for (const g of granularities) {
    if (g !== 'word' && g !== 'segment') throw new OpenAiParamError(`Invalid value '${g}': 'timestamp_granularities[]' items must be 'word' or 'segment'.`, 'timestamp_granularities');
  }
  if (granularities.length > 0 && format !== 'verbose_json') {
    throw new OpenAiParamError("'timestamp_granularities' needs response_format 'verbose_json'.", 'timestamp_granularities');
  }
  const stream = fields.stream === 'true';
  if (fields.stream !== undefined && !['true', 'false'].includes(fields.stream)) throw new OpenAiParamError("'stream' must be true or false.", 'stream');
  if (stream && format !== 'json' && format !== 'text') throw new OpenAiParamError("Streaming answers in 'json' or 'text' only.", 'stream');
  if (fields.temperature !== undefined) {
    const t = Number(fields.temperature);
    if (!(t >= 0 && t <= 1)) throw new OpenAiParamError("'temperature' must be a number from 0 to 1.", 'temperature');
  }
  const requested = fields.model?.trim();
  if (!requested) throw new OpenAiParamError("Missing required parameter: 'model'.", 'model');
  const model = OPENAI_MODEL_ALIASES[requested] ?? requested;
  const language = fields.language?.trim() || undefined;
  const keyterms = model.startsWith('nova-3') && fields.prompt ? promptTerms(fields.prompt) : [];
  const options = parseOptions({
    model,
    punctuate: true,
    smart_format: true,
    // Segments (verbose_json, captions, stream deltas) are Deepgram's utterances.
    utterances: true,
    ...(language ? { language } : {}),
    ...(keyterms.length > 0 ? { keyterm: keyterms } : {}),
  });
  return { format, granularities: granularities.length > 0 ? [...new Set(granularities)] : ['segment'], stream, ...(language ? { language } : {}), options };
}

/** A prompt's names and phrases as Deepgram keyterms (Nova-3 biases recognition towards them); prose has no equivalent. */
function promptTerms(prompt: string): string[] {
  return prompt
    .split(/[,;\n]/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0 && t.length <= 100)
    .slice(0, MAX_KEYTERMS);
}
