import type { LiveMessage } from '../adapters/deepgram/live-client.js';

/**
 * The Metadata message that ends a session for the client, in Deepgram's shape. Deepgram's own Metadata describes
 * one socket; a session may span several, so the request id is the session's, the duration is the session's
 * timeline, and the sha256 covers the audio this relay received.
 */
export function sessionMetadata(input: {
  sessionId: string;
  createdAt: Date;
  duration: number;
  sha256: string;
  channels: number;
  upstream: LiveMessage | undefined;
}): LiveMessage {
  const upstream = input.upstream ?? {};
  return {
    type: 'Metadata',
    transaction_key: 'deprecated',
    request_id: input.sessionId,
    sha256: input.sha256,
    created: input.createdAt.toISOString(),
    duration: Math.round(input.duration * 1e6) / 1e6,
    channels: typeof upstream.channels === 'number' ? upstream.channels : input.channels,
    ...(upstream.models !== undefined ? { models: upstream.models } : {}),
    ...(upstream.model_info !== undefined ? { model_info: upstream.model_info } : {}),
  };
}
