/** Query-string helpers for Deepgram's `/v1/listen` parameters. */

export type Query = Record<string, string | string[]>;

/** Parses a query string; repeated parameters become arrays. */
export function parseQuery(search: URLSearchParams): Query {
  const out: Query = {};
  for (const [key, value] of search) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Last value of a parameter. */
export function one(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** All values of a parameter. */
export function many(q: Query, key: string): string[] {
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Deepgram booleans: "true" (any case) or "1" are true. */
export function flag(q: Query, key: string): boolean {
  const v = one(q, key);
  return v !== undefined && (v.toLowerCase() === 'true' || v === '1');
}

/** Options that shape a transcript, shared by REST and live. */
export interface TranscriptOptions {
  model?: string;
  punctuate: boolean;
  smartFormat: boolean;
  diarize: boolean;
  paragraphs: boolean;
  utterances: boolean;
  uttSplit: number;
  multichannel: boolean;
  detectLanguage: boolean;
  language?: string;
  tags: string[];
  extra: Record<string, string>;
}

export function transcriptOptions(q: Query): TranscriptOptions {
  const smartFormat = flag(q, 'smart_format');
  const paragraphs = flag(q, 'paragraphs');
  const extra: Record<string, string> = {};
  for (const item of many(q, 'extra')) {
    const at = item.indexOf(':');
    if (at > 0) extra[item.slice(0, at)] = item.slice(at + 1);
  }
  const uttSplit = Number(one(q, 'utt_split'));
  return {
    model: one(q, 'model'),
    smartFormat,
    // smart_format and paragraphs switch punctuation on.
    punctuate: flag(q, 'punctuate') || smartFormat || paragraphs,
    diarize: flag(q, 'diarize'),
    paragraphs: paragraphs || smartFormat,
    utterances: flag(q, 'utterances'),
    uttSplit: Number.isFinite(uttSplit) && uttSplit > 0 ? uttSplit : 0.8,
    multichannel: flag(q, 'multichannel'),
    detectLanguage: flag(q, 'detect_language'),
    language: one(q, 'language'),
    tags: many(q, 'tag'),
    extra,
  };
}
