import { parseBuffer } from 'music-metadata';
import { parseWavHeader, wavDurationSeconds } from './wav-header.js';
import type { OutboundHttp } from '../adapters/outbound/outbound-http.js';

/** How much of the audio's head is fetched to learn its duration. */
export const PROBE_BYTES = 256 * 1024;
const PROBE_MAX_REDIRECTS = 3;

/**
 * Duration of audio from its first bytes. `totalBytes` is the full size when known (from
 * Content-Range or Content-Length); formats whose header states no length need it.
 * Returns null when the head does not say.
 */
export async function durationFromHead(head: Buffer, totalBytes?: number, mimeType?: string): Promise<number | null> {
  const wav = parseWavHeader(head);
  if (wav) return wavDurationSeconds(wav, totalBytes);
  // The declared type first, then the bytes alone (a client's Content-Type is often wrong).
  for (const hint of mimeType ? [mimeType, undefined] : [undefined]) {
    try {
      const meta = await parseBuffer(head, { size: totalBytes, ...(hint ? { mimeType: hint } : {}) }, { duration: false, skipCovers: true });
      const d = meta.format.duration;
      // With only a prefix, music-metadata may report the prefix's length; trust it only for the whole file.
      const complete = totalBytes !== undefined && head.length >= totalBytes;
      if (d !== undefined && Number.isFinite(d) && (complete || meta.format.container !== 'WAVE')) return d;
    } catch {
      // try the next hint
    }
  }
  return null;
}

/**
 * Probes a remote file's duration with a ranged GET of its head. Any network trouble means
 * "unknown" (the router then picks sync), never an error: probing is an optimisation.
 */
export async function probeUrlDuration(url: string, outbound: Pick<OutboundHttp, 'request'>, signal?: AbortSignal): Promise<number | null> {
  let response: Response;
  try {
    // Each redirect hop is vetted like the first (no private addresses unless allowed).
    response = await outbound.request(url, { headers: { Range: `bytes=0-${PROBE_BYTES - 1}` }, signal, maxRedirects: PROBE_MAX_REDIRECTS });
  } catch {
    return null;
  }
  if (!response.ok || !response.body) return null;
  const totalBytes = totalSizeOf(response);
  const head = await readAtMost(response, PROBE_BYTES);
  return durationFromHead(head, totalBytes ?? (response.status === 200 ? head.length : undefined), response.headers.get('content-type') ?? undefined);
}

function totalSizeOf(response: Response): number | undefined {
  const range = response.headers.get('content-range');
  const total = range?.match(/\/(\d+)$/)?.[1];
  if (total) return Number(total);
  const length = response.headers.get('content-length');
  return response.status === 200 && length ? Number(length) : undefined;
}

async function readAtMost(response: Response, limit: number): Promise<Buffer> {
  const reader = response.body!.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit);
}
