import type { LiveMessage } from '../adapters/deepgram/live-client.js';
import type { LiveSegment } from '../domain/live.js';

/** Sums of float seconds are rounded so 1.1 + 2.2 does not reach the client as 3.3000000000000003. */
const round = (n: number): number => Math.round(n * 1e6) / 1e6;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Moves an upstream message onto the session's timeline: every Deepgram socket starts at 0, the client sees one
 * continuous stream. `offset` is where the current socket's audio starts on that timeline. The session id replaces
 * Deepgram's per-socket request id, so the client holds one id for the whole session (the one to resume with).
 * Returns a new object; unknown message types pass through untouched.
 */
export function toSessionTimeline(message: LiveMessage, offset: number, sessionId: string): LiveMessage {
  switch (message.type) {
    case 'Results': {
      const out: LiveMessage = { ...message };
      const start = num(message.start);
      if (start !== undefined) out.start = round(start + offset);
      const channel = message.channel as { alternatives?: Array<Record<string, unknown>> } | undefined;
      if (channel?.alternatives) {
        out.channel = {
          ...channel,
          alternatives: channel.alternatives.map((alt) => ({
            ...alt,
            words: Array.isArray(alt.words) ? alt.words.map((w: Record<string, unknown>) => shiftWord(w, offset)) : alt.words,
          })),
        };
      }
      const metadata = message.metadata as Record<string, unknown> | undefined;
      if (metadata) out.metadata = { ...metadata, request_id: sessionId };
      return out;
    }
    case 'UtteranceEnd': {
      const end = num(message.last_word_end);
      return end === undefined ? message : { ...message, last_word_end: round(end + offset) };
    }
    case 'SpeechStarted': {
      const at = num(message.timestamp);
      return at === undefined ? message : { ...message, timestamp: round(at + offset) };
    }
    default:
      return message;
  }
}

function shiftWord(word: Record<string, unknown>, offset: number): Record<string, unknown> {
  const start = num(word.start);
  const end = num(word.end);
  return { ...word, ...(start !== undefined ? { start: round(start + offset) } : {}), ...(end !== undefined ? { end: round(end + offset) } : {}) };
}

/** The stored form of a final Results message already on the session timeline; undefined for anything else. */
export function finalSegmentOf(message: LiveMessage): Omit<LiveSegment, 'seq'> | undefined {
  if (message.type !== 'Results' || message.is_final !== true) return undefined;
  const start = num(message.start) ?? 0;
  const duration = num(message.duration) ?? 0;
  const alt = (message.channel as { alternatives?: Array<Record<string, unknown>> } | undefined)?.alternatives?.[0];
  const channelIndex = Array.isArray(message.channel_index) ? num(message.channel_index[0]) : undefined;
  return {
    channel: channelIndex ?? 0,
    start,
    end: round(start + duration),
    transcript: typeof alt?.transcript === 'string' ? alt.transcript : '',
    confidence: num(alt?.confidence) ?? null,
    speechFinal: message.speech_final === true,
    fromFinalize: message.from_finalize === true,
    words: Array.isArray(alt?.words) ? alt.words : [],
  };
}
