import { Readable } from 'node:stream';
import { request } from 'undici';

/**
 * The `fetch` the Deepgram SDK is given: uploads that are streams go out through undici's `request`, which sends them
 * with backpressure; everything else goes to the built-in fetch. Node 20's fetch tees a streamed request body (to be
 * able to replay it on a redirect) and never reads the second branch, so it keeps the whole upload in memory
 * (nodejs/undici#4058, fixed only in undici 8, which Node 20 does not ship).
 */
export const streamingUploadFetch: typeof fetch = async (input, init) => {
  const body = init?.body;
  if (!(body instanceof Readable)) return fetch(input, init);
  const signal = init?.signal ?? undefined;
  const url = typeof input === 'string' || input instanceof URL ? input : input.url;
  try {
    const answer = await request(url, {
      method: (init?.method ?? 'POST') as 'POST',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body,
      signal,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
    }
    const hasBody = ![204, 205, 304].includes(answer.statusCode);
    if (!hasBody) answer.body.resume();
    return new Response(hasBody ? (Readable.toWeb(answer.body) as unknown as ReadableStream<Uint8Array>) : null, { status: answer.statusCode, headers });
  } catch (err) {
    body.destroy();
    // What fetch itself throws, so the SDK tells a timeout (AbortError) from an unreachable endpoint (TypeError).
    if (signal?.aborted) throw new DOMException('This operation was aborted', 'AbortError');
    throw new TypeError('fetch failed', { cause: err });
  }
};

