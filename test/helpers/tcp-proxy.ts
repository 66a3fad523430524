import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones, as a dead server or a cut network would. */
  cut(): Promise<void>;
  /**
   * Stops every byte, both ways, while connections stay open and new ones are accepted and then ignored: a
   * black-holed network (a firewall dropping packets), where nothing fails, it just never answers.
   */
  blackhole(): void;
  /** Accepts and relays connections again, on the same port; connections held by a black hole are reset. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A plain TCP relay to `target`, so a test can take a real server (PostgreSQL) away and bring it back. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let holding = false;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const makeServer = () =>
    createServer((client) => {
      track(client);
      if (holding) return void client.pause();
      const upstream = connect(target.port, target.host);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  let server: Server = makeServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      holding = false;
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    port,
    cut: stop,
    blackhole() {
      holding = true;
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
    async restore() {
      if (holding) {
        holding = false;
        for (const s of sockets) s.destroy();
      }
      if (server.listening) return;
      server = makeServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    close: stop,
  };
}
