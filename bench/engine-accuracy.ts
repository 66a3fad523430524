/**
 * Accuracy and speed of the emulator's local speech engine on the real recordings in test/fixtures/audio, and on a
 * 5 dB white-noise version of each made here, scored against Deepgram's transcripts of the same audio
 * (test/helpers/wer.ts normalises case, punctuation and digits). Each file goes through the emulator's REST
 * `POST /v1/listen` in engine mode, one at a time, once per local model; RTF is the wall time of that request divided
 * by the audio's duration. Two recordings also go through the live WebSocket path, sent all at once.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { probeWhisper, startDeepgramEmulator, type DeepgramEmulator, type EngineInfo } from '../src/emulator/index.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';
import { normaliseWords, SCORED_RECORDINGS, wordErrorRate } from '../test/helpers/wer.js';
import { withWhiteNoise } from './engine-audio.js';

export const NOISE_SNR_DB = 5;
export const LOCAL_MODELS = ['whisper-base', 'whisper-tiny'] as const;

export interface EngineRow {
  model: string;
  file: string;
  audio: 'clean' | 'noise';
  path: 'REST' | 'live';
  seconds: number;
  referenceWords: number;
  wer: number;
  rtf: number;
  source: string;
}

export interface EngineSummary {
  model: string;
  /** Word-weighted WER over the REST rows (total errors / total reference words), clean and with noise. */
  wer: number;
  noisyWer: number;
  /** Time-weighted RTF over the clean REST rows. */
  rtf: number;
}

export interface EngineBench {
  info: EngineInfo;
  rows: EngineRow[];
  summaries: EngineSummary[];
}

const LIVE_FILES = ['preamble-16k.wav', 'preamble-websocket.wav'];

export async function benchEngineAccuracy(log: (m: string) => void): Promise<EngineBench | undefined> {
  const info = await probeWhisper();
  if (!info) return undefined;
  // One decode at a time, so each RTF is the engine's own speed, not a share of the cores.
  const emulator = await startDeepgramEmulator({ engine: 'whisper', apiKey: null, engineConcurrency: 1 });
  const rows: EngineRow[] = [];
  try {
    for (const recording of SCORED_RECORDINGS) {
      const clean = await readFile(path.join(AUDIO_DIR, recording.file));
      const noisy = await withWhiteNoise(clean, NOISE_SNR_DB);
      for (const model of LOCAL_MODELS) {
        for (const [variant, audio] of [['clean', clean], ['noise', noisy]] as const) {
          log(`engine: ${model} transcribing ${recording.file} (${variant}) ...`);
          const started = performance.now();
          const res = await fetch(`${emulator.url}/v1/listen?punctuate=true&model=${model}`, { method: 'POST', body: audio });
          const body = (await res.json()) as any;
          const elapsed = (performance.now() - started) / 1000;
          if (res.status !== 200) throw new Error(`engine bench: ${recording.file} answered ${res.status} ${JSON.stringify(body)}`);
          const reference = recording.reference();
          const duration = body.metadata.duration as number;
          rows.push({
            model,
            file: recording.file,
            audio: variant,
            path: 'REST',
            seconds: duration,
            referenceWords: normaliseWords(reference).length,
            wer: wordErrorRate(reference, body.results.channels[0].alternatives[0].transcript),
            rtf: elapsed / duration,
            source: recording.source,
          });
        }
      }
    }
    for (const file of LIVE_FILES) {
      log(`engine: streaming ${file} over the live WebSocket ...`);
      rows.push(await liveRow(emulator, file));
    }
  } finally {
    await emulator.close();
  }
  const summaries = LOCAL_MODELS.map((model) => {
    const rest = rows.filter((r) => r.path === 'REST' && r.model === model);
    const weighted = (variant: 'clean' | 'noise') => {
      const some = rest.filter((r) => r.audio === variant);
      return some.reduce((n, r) => n + r.wer * r.referenceWords, 0) / some.reduce((n, r) => n + r.referenceWords, 0);
    };
    const clean = rest.filter((r) => r.audio === 'clean');
    return {
      model,
      wer: weighted('clean'),
      noisyWer: weighted('noise'),
      rtf: clean.reduce((n, r) => n + r.rtf * r.seconds, 0) / clean.reduce((n, r) => n + r.seconds, 0),
    };
  });
  return { info, rows, summaries };
}

/** Sends the whole file at once, then CloseStream; the transcript is the final Results joined. */
async function liveRow(emulator: DeepgramEmulator, file: string): Promise<EngineRow> {
  const recording = SCORED_RECORDINGS.find((r) => r.file === file)!;
  const audio = await readFile(path.join(AUDIO_DIR, file));
  const ws = new WebSocket(`${emulator.url.replace(/^http/, 'ws')}/v1/listen?punctuate=true`);
  const finals: string[] = [];
  let duration = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => {
      for (let i = 0; i < audio.length; i += 8192) ws.send(audio.subarray(i, i + 8192));
      ws.send(JSON.stringify({ type: 'CloseStream' }));
    });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'Results' && message.is_final) finals.push(message.channel.alternatives[0].transcript);
      if (message.type === 'Metadata') duration = message.duration;
    });
    ws.on('close', () => resolve());
  });
  const elapsed = (performance.now() - started) / 1000;
  const reference = recording.reference();
  return {
    model: emulator.engine!.model,
    file,
    audio: 'clean',
    path: 'live',
    seconds: duration,
    referenceWords: normaliseWords(reference).length,
    wer: wordErrorRate(reference, finals.join(' ')),
    rtf: elapsed / duration,
    source: recording.source,
  };
}
