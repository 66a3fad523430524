import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body accepted (Deepgram's limit is 2 GB; this keeps the emulator's memory bounded). */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;

export class AbortError extends Error {
  override name = 'AbortError';
}

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** setTimeout as a promise that rejects with AbortError when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortError('aborted'));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads the whole request body. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError(`body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** Extracts the key from `Authorization: Token <key>` / `Bearer <key>`. */
export function credentialFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(token|bearer)\s+(.+)$/i.exec(header.trim());
  return match ? match[2]!.trim() : undefined;
}

/** Extracts the key from a `Sec-WebSocket-Protocol: token, <key>` handshake header (browser-style auth). */
export function credentialFromProtocols(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const parts = header.split(',').map((p) => p.trim());
  const at = parts.findIndex((p) => /^(token|bearer)$/i.test(p));
  return at >= 0 ? parts[at + 1] : undefined;
}

/** True when no key is expected, or one of the supplied credentials equals it. */
export function isAuthorized(expected: string | null, ...supplied: (string | undefined)[]): boolean {
  return expected === null || supplied.some((s) => s !== undefined && s === expected);
}

/** The first value of a possibly repeated header. */
export const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
