import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { wavHeader } from '../../src/audio/wav-header.js';

/** A streaming WAV header: sizes left open (0xFFFFFFFF), as live encoders write them. */
const streamingWavHeader = (sampleRate: number) => wavHeader({ formatTag: 1, sampleRate, channels: 1, bitsPerSample: 16 }, 0xffffffff);

export interface RadioServer {
  url: string;
  /** Connections each path received. */
  connections: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A local internet radio: 16 kHz mono linear16 speech (the fixture, looped) served as a live WAV stream, paced at
 * `speed` × real time, in 100 ms pieces:
 * - `/radio.wav` never ends;
 * - `/finite.wav?seconds=N` is N seconds with a Content-Length (the stream's end);
 * - `/drop.wav?after=N` drops the first connection after N seconds (a source that goes away), later ones play on;
 * - anything else is 404.
 */
export async function startRadioServer(pcm: Buffer, options: { speed?: number } = {}): Promise<RadioServer> {
  const speed = options.speed ?? 1;
  const piece = 3_200;
  const connections = new Map<string, number>();
  const open = new Set<ServerResponse>();
  const play = async (res: ServerResponse, totalBytes: number | null, dropAfterBytes: number | null, startAt: number) => {
    res.write(streamingWavHeader(16_000));
    let sent = 0;
    let position = startAt;
    while (!res.destroyed && (totalBytes === null || sent < totalBytes)) {
      if (dropAfterBytes !== null && sent >= dropAfterBytes) {
        res.socket?.destroy();
        return;
      }
      const take = Math.min(piece, totalBytes === null ? piece : totalBytes - sent);
      const chunk = Buffer.alloc(take);
      for (let i = 0; i < take; i++) chunk[i] = pcm[(position + i) % pcm.length]!;
      position = (position + take) % pcm.length;
      sent += take;
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      await new Promise((r) => setTimeout(r, 100 / speed));
    }
    res.end();
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://radio');
    const seen = (connections.get(url.pathname) ?? 0) + 1;
    connections.set(url.pathname, seen);
    open.add(res);
    res.on('close', () => open.delete(res));
    if (url.pathname === '/radio.wav') {
      res.writeHead(200, { 'content-type': 'audio/wav', 'cache-control': 'no-cache' });
      return void play(res, null, null, 0);
    }
    if (url.pathname === '/finite.wav') {
      const bytes = Math.round(Number(url.searchParams.get('seconds') ?? 5) * 16_000) * 2;
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(44 + bytes) });
      return void play(res, bytes, null, 0);
    }
    if (url.pathname === '/drop.wav') {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const dropAfter = seen === 1 ? Math.round(Number(url.searchParams.get('after') ?? 3) * 16_000) * 2 : null;
      // A radio plays on while a listener is away: the next connection hears later audio.
      return void play(res, null, dropAfter, seen === 1 ? 0 : Math.round(Number(url.searchParams.get('after') ?? 3) * 16_000) * 2 + 32_000);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such stream');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}
