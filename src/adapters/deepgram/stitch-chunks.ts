import type { DeepgramPrerecordedResponse } from './response.js';

/** One chunk's answer and where the chunk lies in the whole file. */
export interface ChunkResponse {
  startSeconds: number;
  endSeconds: number;
  response: DeepgramPrerecordedResponse;
}

type Json = Record<string, unknown>;

/**
 * Deepgram's answers for the chunks of one file, made into the answer for the whole file: every time (words,
 * utterances, paragraphs and their sentences) moved onto the file's timeline, texts joined in order, word indices of
 * entities shifted, `metadata.duration` the file's. The cuts lie in pauses, so the chunks' words simply follow one
 * another: none is dropped or repeated. `metadata.chunks` tells where each chunk lay and which request answered it.
 */
export function stitchChunkResponses(chunks: ChunkResponse[], whole: { requestId: string; durationSeconds: number; sha256?: string }): DeepgramPrerecordedResponse {
  if (chunks.length === 0) throw new Error('no chunks to stitch');
  const ordered = [...chunks].sort((a, b) => a.startSeconds - b.startSeconds);
  const first = ordered[0]!.response;
  const channelCount = Math.max(...ordered.map((c) => c.response.results.channels.length));
  const channels = Array.from({ length: channelCount }, (_, channel) => stitchChannel(ordered, channel));
  const utterances = ordered.some((c) => Array.isArray(c.response.results.utterances))
    ? ordered.flatMap((c) => ((c.response.results.utterances as Json[] | undefined) ?? []).map((u) => shiftTimed(u, c.startSeconds)))
    : undefined;
  const { sha256: _chunkSha, ...metadata } = first.metadata;
  return {
    metadata: {
      ...metadata,
      request_id: whole.requestId,
      ...(whole.sha256 ? { sha256: whole.sha256 } : {}),
      duration: whole.durationSeconds,
      models: unique(ordered.flatMap((c) => (c.response.metadata.models as string[] | undefined) ?? [])),
      model_info: Object.assign({}, ...ordered.map((c) => (c.response.metadata.model_info as Json | undefined) ?? {})),
      ...mergedWarnings(ordered),
      chunks: ordered.map((c) => ({ start: c.startSeconds, end: c.endSeconds, request_id: c.response.metadata.request_id })),
    },
    results: { ...first.results, channels, ...(utterances ? { utterances } : {}) },
  };
}

function stitchChannel(chunks: ChunkResponse[], channel: number): Json {
  const parts = chunks.map((c) => ({ offset: c.startSeconds, channel: c.response.results.channels[channel] as Json | undefined }));
  const alternatives = parts.map((p) => ((p.channel?.alternatives as Json[] | undefined) ?? [])[0]).map((alt, i) => ({ alt: alt ?? {}, offset: parts[i]!.offset }));
  const words: Json[] = [];
  const entities: Json[] = [];
  const paragraphs: Json[] = [];
  const paragraphTexts: string[] = [];
  let weightedConfidence = 0;
  let confidenceWeight = 0;
  for (const { alt, offset } of alternatives) {
    const chunkWords = (alt.words as Json[] | undefined) ?? [];
    for (const entity of (alt.entities as Json[] | undefined) ?? []) entities.push(shiftEntity(entity, words.length));
    words.push(...chunkWords.map((w) => shiftTimes(w, offset)));
    const block = alt.paragraphs as { transcript?: string; paragraphs?: Json[] } | undefined;
    if (block?.paragraphs) paragraphs.push(...block.paragraphs.map((p) => shiftParagraph(p, offset)));
    if (block?.transcript?.trim()) paragraphTexts.push(block.transcript.replace(/^\n/, ''));
    if (typeof alt.confidence === 'number' && chunkWords.length > 0) {
      weightedConfidence += alt.confidence * chunkWords.length;
      confidenceWeight += chunkWords.length;
    }
  }
  const base = alternatives.find((a) => Object.keys(a.alt).length > 0)?.alt ?? {};
  const anyParagraphs = alternatives.some((a) => a.alt.paragraphs !== undefined);
  const alternative: Json = {
    ...base,
    transcript: alternatives.map((a) => String(a.alt.transcript ?? '').trim()).filter(Boolean).join(' '),
    confidence: confidenceWeight > 0 ? weightedConfidence / confidenceWeight : (base.confidence ?? 0),
    words,
    ...(anyParagraphs ? { paragraphs: { transcript: paragraphTexts.length ? `\n${paragraphTexts.join('\n\n')}` : '', paragraphs } } : {}),
    ...(alternatives.some((a) => a.alt.entities !== undefined) ? { entities } : {}),
  };
  const firstChannel = parts.find((p) => p.channel)?.channel ?? {};
  return { ...firstChannel, alternatives: [alternative] };
}

// Only float addition's noise is rounded away (0.1 + 0.2): Deepgram's own times are kept as they are.
const round = (seconds: number) => Math.round(seconds * 1e6) / 1e6;

function shiftTimes<T extends Json>(item: T, offset: number): T {
  if (offset === 0) return item;
  const out: Json = { ...item };
  if (typeof item.start === 'number') out.start = round(item.start + offset);
  if (typeof item.end === 'number') out.end = round(item.end + offset);
  return out as T;
}

function shiftTimed(item: Json, offset: number): Json {
  if (offset === 0) return item;
  const out = shiftTimes(item, offset);
  if (Array.isArray(item.words)) out.words = (item.words as Json[]).map((w) => shiftTimes(w, offset));
  return out;
}

function shiftParagraph(paragraph: Json, offset: number): Json {
  if (offset === 0) return paragraph;
  const out = shiftTimes(paragraph, offset);
  if (Array.isArray(paragraph.sentences)) out.sentences = (paragraph.sentences as Json[]).map((s) => shiftTimes(s, offset));
  return out;
}

function shiftEntity(entity: Json, wordOffset: number): Json {
  const out: Json = { ...entity };
  if (typeof entity.start_word === 'number') out.start_word = entity.start_word + wordOffset;
  if (typeof entity.end_word === 'number') out.end_word = entity.end_word + wordOffset;
  return out;
}

function mergedWarnings(chunks: ChunkResponse[]): { warnings?: Json[] } {
  const seen = new Set<string>();
  const warnings: Json[] = [];
  for (const c of chunks) {
    for (const w of (c.response.metadata.warnings as Json[] | undefined) ?? []) {
      const key = JSON.stringify(w);
      if (!seen.has(key)) {
        seen.add(key);
        warnings.push(w);
      }
    }
  }
  return warnings.length ? { warnings } : {};
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];
