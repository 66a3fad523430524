import type { DeepgramEmulator } from '../../src/emulator/index.js';
import { sdkClient } from './helpers.js';

export interface LiveConnection {
  conn: any;
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
  errors: string[];
}

/** Opens a live session with the real SDK (auto-reconnect off) and collects every message. */
export async function openLive(emulator: DeepgramEmulator, args: Record<string, unknown>, apiKey?: string): Promise<LiveConnection> {
  const dg = sdkClient(emulator, apiKey);
  const conn: any = await dg.listen.v1.connect({ reconnectAttempts: 0, ...args } as any);
  const messages: any[] = [];
  const errors: string[] = [];
  conn.on('message', (m: any) => messages.push(m));
  conn.on('error', (e: Error) => errors.push(e.message));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    conn.on('close', (ev: { code: number; reason: string }) => resolve({ code: ev.code, reason: ev.reason }));
  });
  conn.connect();
  await conn.waitForOpen();
  return { conn, messages, closed, errors };
}

/** Streams `audio` in chunks of `chunkBytes`, pausing `pauseMs` between chunks. */
export async function stream(conn: any, audio: Buffer, chunkBytes: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < audio.length; i += chunkBytes) {
    conn.sendMedia(audio.subarray(i, i + chunkBytes));
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
