/**
 * Live transcription through the local engine: N real-time streams at once (spacewalk.wav, 26 s of casual speech
 * with pauses, as 100 ms chunks of 16 kHz linear16 paced at real time, interim results on), for growing N. For each
 * final: how long after the audio that closed it (the cut) and after its last word it arrived; for each interim, how
 * long after the audio it covers. A level holds when no stream fails and finals arrive within 1.5 s of the cut at p50.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { startDeepgramEmulator } from '../src/emulator/index.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';
import { SCORED_RECORDINGS, wordErrorRate } from '../test/helpers/wer.js';
import { toLinear16 } from './engine-audio.js';
import { summarize } from './stats.js';

const FILE = 'spacewalk.wav';
const CHUNK_MS = 100;

export interface EngineLiveLevel {
  streams: number;
  finalsAfterCut: ReturnType<typeof summarize>;
  finalsAfterLastWord: ReturnType<typeof summarize>;
  interims: ReturnType<typeof summarize>;
  wer: number;
  failed: number;
  holds: boolean;
}

export async function benchEngineLive(levels: number[], log: (m: string) => void): Promise<EngineLiveLevel[]> {
  const emulator = await startDeepgramEmulator({ engine: 'whisper', apiKey: null });
  const pcm = await toLinear16(await readFile(path.join(AUDIO_DIR, FILE)));
  const reference = SCORED_RECORDINGS.find((r) => r.file === FILE)!.reference();
  const out: EngineLiveLevel[] = [];
  try {
    for (const streams of levels) {
      log(`engine live: ${streams} real-time stream(s) of ${FILE} ...`);
      const results = await Promise.allSettled(Array.from({ length: streams }, () => oneStream(emulator.url, pcm)));
      const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const cut = ok.flatMap((s) => s.afterCut);
      const summary = {
        streams,
        finalsAfterCut: summarize(cut),
        finalsAfterLastWord: summarize(ok.flatMap((s) => s.afterLastWord)),
        interims: summarize(ok.flatMap((s) => s.interims)),
        wer: ok.reduce((n, s) => n + wordErrorRate(reference, s.transcript), 0) / Math.max(1, ok.length),
        failed: results.length - ok.length,
      };
      out.push({ ...summary, holds: summary.failed === 0 && summary.finalsAfterCut.p50 <= 1_500 });
    }
  } finally {
    await emulator.close();
  }
  return out;
}

async function oneStream(url: string, pcm: Buffer) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/listen?encoding=linear16&sample_rate=16000&interim_results=true&punctuate=true`);
  const afterCut: number[] = [];
  const afterLastWord: number[] = [];
  const interims: number[] = [];
  const finals: string[] = [];
  let t0 = 0;
  const audioSentAt = (seconds: number) => t0 + seconds * 1000;
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', async () => {
      t0 = performance.now();
      const step = (16_000 * 2 * CHUNK_MS) / 1000;
      for (let i = 0, n = 0; i < pcm.length; i += step, n++) {
        ws.send(pcm.subarray(i, i + step));
        const wait = t0 + (n + 1) * CHUNK_MS - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      ws.send(JSON.stringify({ type: 'CloseStream' }));
    });
    ws.on('message', (data) => {
      const now = performance.now();
      const message = JSON.parse(String(data));
      if (message.type !== 'Results') return;
      const end = message.start + message.duration;
      const words = message.channel.alternatives[0].words as Array<{ end: number }>;
      if (!message.is_final) {
        interims.push(now - audioSentAt(end));
        return;
      }
      finals.push(message.channel.alternatives[0].transcript);
      if (!words.length || end * 1000 > pcm.length / 32) return; // the end-of-stream flush is not a pause
      afterCut.push(now - audioSentAt(end));
      afterLastWord.push(now - audioSentAt(words[words.length - 1]!.end));
    });
    ws.on('close', () => resolve());
  });
  return { afterCut, afterLastWord, interims, transcript: finals.join(' ') };
}
