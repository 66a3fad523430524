/** Reading Deepgram's prerecorded response defensively: the SDK's types lag behind what the API sends. */

export interface DeepgramPrerecordedResponse {
  metadata: { request_id: string; duration?: number; channels?: number; [k: string]: unknown };
  results: {
    channels: Array<{ alternatives?: Array<{ transcript?: string; [k: string]: unknown }>; [k: string]: unknown }>;
    [k: string]: unknown;
  };
}

export function isPrerecordedResponse(body: unknown): body is DeepgramPrerecordedResponse {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  const metadata = b.metadata as Record<string, unknown> | undefined;
  const results = b.results as Record<string, unknown> | undefined;
  return typeof metadata?.request_id === 'string' && Array.isArray(results?.channels);
}

/** The transcript text: one line per channel, first alternative of each. */
export function transcriptText(response: DeepgramPrerecordedResponse): string {
  return response.results.channels
    .map((channel) => channel.alternatives?.[0]?.transcript ?? '')
    .filter((t) => t.length > 0)
    .join('\n');
}

export function audioDuration(response: DeepgramPrerecordedResponse): number | null {
  const d = response.metadata.duration;
  return typeof d === 'number' && Number.isFinite(d) ? d : null;
}
