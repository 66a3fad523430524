import { spawnEntry, stopChild } from './processes.js';
import { freePort } from '../src/runtime/free-port.js';

/** The Deepgram stand-in every throughput row calls: the emulator in its own process, answering after `latencyMs`. */
export interface DeepgramStandIn {
  url: string;
  key: string;
  stop(): Promise<void>;
}

const KEY = 'bench-key';

export async function startDeepgramStandIn(latencyMs: number): Promise<DeepgramStandIn> {
  const port = await freePort();
  const emulator = await spawnEntry('src/main/emulator.ts', { EMULATOR_PORT: String(port), EMULATOR_API_KEY: KEY, EMULATOR_ENGINE: 'synthetic', LOG_LEVEL: 'warn' }, 'listening');
  const url = `http://127.0.0.1:${port}`;
  await fetch(`${url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs, times: 'Infinity' }) });
  return { url, key: KEY, stop: () => stopChild(emulator) };
}

/**
 * The least a Deepgram call can be: the stand-in transcribes `audioUrl` (fetching it, as Deepgram fetches a user's
 * file) and the answer is read. What the floor's activity and the BullMQ worker do for each job.
 */
export async function callDeepgramStandIn(standIn: { url: string; key: string }, audioUrl: string): Promise<void> {
  const res = await fetch(`${standIn.url}/v1/listen`, { method: 'POST', headers: { authorization: `Token ${standIn.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: audioUrl }) });
  const body = (await res.json()) as { metadata?: { request_id?: string } };
  if (!res.ok || !body.metadata?.request_id) throw new Error(`the Deepgram stand-in answered ${res.status}`);
}
