import { z } from 'zod';

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * Deepgram prerecorded options we pass through. Unknown keys are refused (a typo should not be
 * silently ignored and billed). `callback` is ours to set, so clients cannot pass it here.
 */
export const DeepgramOptionsSchema = z
  .strictObject({
    model: z.string().min(1),
    version: z.string().min(1),
    language: z.string().min(1),
    detect_language: z.boolean(),
    smart_format: z.boolean(),
    punctuate: z.boolean(),
    diarize: z.boolean(),
    utterances: z.boolean(),
    utt_split: z.number().positive(),
    paragraphs: z.boolean(),
    numerals: z.boolean(),
    profanity_filter: z.boolean(),
    filler_words: z.boolean(),
    dictation: z.boolean(),
    measurements: z.boolean(),
    multichannel: z.boolean(),
    keyterm: stringOrList,
    keywords: stringOrList,
    search: stringOrList,
    replace: stringOrList,
    redact: z.union([z.boolean(), stringOrList]),
    tag: stringOrList,
    extra: stringOrList,
    summarize: z.union([z.literal('v2'), z.boolean()]),
    topics: z.boolean(),
    intents: z.boolean(),
    sentiment: z.boolean(),
    detect_entities: z.boolean(),
    encoding: z.enum(['linear16', 'linear32', 'flac', 'alaw', 'mulaw', 'amr-nb', 'amr-wb', 'opus', 'ogg-opus', 'speex', 'g729']),
    sample_rate: z.number().int().positive(),
    channels: z.number().int().positive(),
  })
  .partial();

export type ValidDeepgramOptions = z.infer<typeof DeepgramOptionsSchema>;

const BOOLEAN_OPTIONS = new Set([
  'detect_language', 'smart_format', 'punctuate', 'diarize', 'utterances', 'paragraphs', 'numerals', 'profanity_filter',
  'filler_words', 'dictation', 'measurements', 'multichannel', 'topics', 'intents', 'sentiment', 'detect_entities',
]);
const NUMBER_OPTIONS = new Set(['utt_split', 'sample_rate', 'channels']);
const LIST_OPTIONS = new Set(['keyterm', 'keywords', 'search', 'replace', 'tag', 'extra']);

/**
 * Deepgram options from a query string (raw uploads and the drop-in /v1/listen), typed the way the JSON
 * API takes them. Values that do not convert are left as strings so validation reports them.
 */
export function optionsFromQuery(query: Record<string, string[]>, skip: ReadonlySet<string>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(query)) {
    if (skip.has(key) || values.length === 0) continue;
    const last = values[values.length - 1]!;
    if (BOOLEAN_OPTIONS.has(key)) options[key] = last === 'true' ? true : last === 'false' ? false : last;
    else if (NUMBER_OPTIONS.has(key)) options[key] = last.trim() !== '' && Number.isFinite(Number(last)) ? Number(last) : last;
    else if (LIST_OPTIONS.has(key)) options[key] = values.length === 1 ? last : values;
    else if (key === 'redact') options[key] = last === 'true' ? true : last === 'false' ? false : values.length === 1 ? last : values;
    else if (key === 'summarize') options[key] = last === 'true' ? true : last === 'false' ? false : last;
    else options[key] = last;
  }
  return options;
}
