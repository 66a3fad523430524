import { MAX_BODY_BYTES } from '../../http-util.js';

const FETCH_TIMEOUT_MS = 60_000;

/** Either the downloaded bytes or a Deepgram-style REMOTE_CONTENT_ERROR message. */
export type RemoteAudio = { ok: true; audio: Buffer } | { ok: false; message: string };

/** Downloads `{"url": ...}` media the way Deepgram does: http(s) only, any failure or non-2xx is an error. */
export async function fetchRemoteAudio(rawUrl: string, shutdown: AbortSignal): Promise<RemoteAudio> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, message: 'Could not parse the media URL.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `Unsupported URL scheme for media download: ${url.protocol}` };
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.any([shutdown, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const kind = response.status >= 500 ? 'server' : 'client';
      return {
        ok: false,
        message: `The remote server hosting the media returned a ${kind} error: ${response.status} ${response.statusText}.`.replace(' .', '.'),
      };
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, message: 'The media at the URL is too large.' };
    }
    return { ok: true, audio: Buffer.from(await response.arrayBuffer()) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, message: `Could not download the media from the URL${cause ? ` (${cause})` : ''}.` };
  }
}
