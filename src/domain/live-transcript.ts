import type { LiveSegment } from './live.js';

/**
 * A live session's final results in the shape of a Deepgram pre-recorded response: the transcript and words of
 * every final, and one utterance per final with words (what captions are cut from). What a stream job stores as its
 * transcript, and what a session's captions are rendered from.
 */
export function deepgramResultFromLive(sessionId: string, createdAt: Date, segments: LiveSegment[], model: string | null) {
  const spoken = segments.filter((s) => s.transcript.length > 0 && s.words.length > 0);
  const transcript = spoken.map((s) => s.transcript).join(' ');
  const duration = segments.reduce((end, s) => Math.max(end, s.end), 0);
  const confidences = spoken.map((s) => s.confidence ?? 0);
  return {
    transcript,
    result: {
      metadata: { request_id: sessionId, created: createdAt.toISOString(), duration, channels: 1, models: model ? [model] : [] },
      results: {
        channels: [
          {
            alternatives: [
              {
                transcript,
                confidence: confidences.length > 0 ? confidences.reduce((a, b) => a + b, 0) / confidences.length : 0,
                words: spoken.flatMap((s) => s.words),
              },
            ],
          },
        ],
        utterances: spoken.map((s) => ({ start: s.start, end: s.end, channel: s.channel, transcript: s.transcript, confidence: s.confidence ?? 0, words: s.words })),
      },
    },
    durationSeconds: duration,
  };
}
