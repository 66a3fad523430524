import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  bytes: number;
  sha256: string;
}

/**
 * A Deepgram `/v1/listen` stand-in for memory measurements: it reads each upload as a stream, keeping only its
 * length and hash, and answers with a Deepgram-shaped result. (The emulator keeps the audio to transcribe it, and its
 * engine would spend hours on a gigabyte.)
 */
export async function startDeepgramSink(): Promise<{ url: string; received: SinkRequest[]; close: () => Promise<void> }> {
  const received: SinkRequest[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/listen')) {
      // The workers' readiness checks ask whether Deepgram is reachable.
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const requestId = randomUUID();
      received.push({ bytes, sha256: hash.digest('hex') });
      const duration = Math.max(0, bytes - 44) / 32_000; // 16 kHz 16-bit mono
      res.writeHead(200, { 'content-type': 'application/json', 'dg-request-id': requestId });
      res.end(
        JSON.stringify({
          metadata: { request_id: requestId, duration, channels: 1, models: ['sink'] },
          results: { channels: [{ alternatives: [{ transcript: `received ${bytes} bytes`, confidence: 1, words: [] }] }] },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
