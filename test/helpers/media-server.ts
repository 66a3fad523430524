import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface MediaServer {
  url: string;
  /** Serves `body` at `/name` (overrides files). */
  put(name: string, body: Buffer, contentType?: string): string;
  /** URL of a file in `dir`. */
  file(name: string): string;
  rangeRequests: number;
  close(): Promise<void>;
}

/** A local audio host honouring Range requests, like a CDN the platform would fetch from. */
export async function startMediaServer(dir: string): Promise<MediaServer> {
  const overrides = new Map<string, { body: Buffer; type: string }>();
  const state = { rangeRequests: 0 };
  const server = createServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    let entry = overrides.get(name);
    if (!entry) {
      try {
        entry = { body: await readFile(path.join(dir, path.basename(name))), type: name.endsWith('.mp3') ? 'audio/mpeg' : 'audio/wav' };
      } catch {
        res.writeHead(404).end('not found');
        return;
      }
    }
    const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
    if (range) {
      state.rangeRequests++;
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : entry.body.length - 1, entry.body.length - 1);
      res.writeHead(206, {
        'content-type': entry.type,
        'content-range': `bytes ${start}-${end}/${entry.body.length}`,
        'content-length': end - start + 1,
        'accept-ranges': 'bytes',
      });
      res.end(entry.body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'content-type': entry.type, 'content-length': entry.body.length, 'accept-ranges': 'bytes' });
    res.end(entry.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    put(name, body, contentType = 'audio/wav') {
      overrides.set(name, { body, type: contentType });
      return `${base}/${encodeURIComponent(name)}`;
    },
    file: (name) => `${base}/${encodeURIComponent(name)}`,
    get rangeRequests() {
      return state.rangeRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
