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
