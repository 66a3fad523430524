/**
 * A long recording (made from the fixtures' speech with pauses, ~30 minutes) transcribed through the whole platform
 * as one Deepgram call and cut into chunks transcribed in parallel: wall time from submission to the completed job,
 * through the local Whisper engine and through a Deepgram stand-in whose answer takes time in proportion to the audio;
 * and for the local engine the WER of each against the recordings' Deepgram transcripts, and of the chunked result
 * against the unchunked one.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startDeepgramEmulator, type DeepgramEmulator } from '../src/emulator/index.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';
import { longRecording, type LongRecording } from '../test/helpers/long-recording.js';
import { deepgramWords, wordErrorRate } from '../test/helpers/wer.js';
import { startInProcessPlatform } from './in-process-platform.js';

const RECORDINGS: Array<[string, string]> = [
  ['preamble-16k.wav', 'prerecorded/prerecorded-nova3-smart-format-file-preamble.json'],
  ['spacewalk.wav', 'prerecorded/prerecorded-nova2-paragraphs-spacewalk.json'],
  ['Bueller-Life-moves-pretty-fast.wav', 'prerecorded/prerecorded-nova3-smart-format-url-bueller.json'],
];

export interface ChunkedRun {
  path: string;
  mode: 'whole' | 'chunked';
  chunks: number;
  wallSeconds: number;
  wer: number | null;
  transcript: string;
}

export interface ChunkedBench {
  audioSeconds: number;
  runs: ChunkedRun[];
  /** WER of the chunked local-engine transcript, the unchunked one taken as the reference. */
  chunkedVsWhole: number | null;
}

export async function benchChunkedLongAudio(temporalAddress: string, options: { minutes: number; standInMsPerAudioSecond: number }, log: (m: string) => void): Promise<ChunkedBench> {
  log(`chunked: making a ${options.minutes}-minute recording from the fixtures' speech ...`);
  const long = await longRecording(await Promise.all(RECORDINGS.map(([f]) => readFile(path.join(AUDIO_DIR, f)))), { pauseSeconds: 1.5, minSeconds: options.minutes * 60 });
  const references = RECORDINGS.map(([, json]) => deepgramWords(json));
  const reference = long.starts.flatMap((_, i) => references[i % references.length]!);
  const runs: ChunkedRun[] = [];

  const local = await startDeepgramEmulator({ engine: 'whisper', apiKey: 'bench' });
  try {
    for (const mode of ['whole', 'chunked'] as const) runs.push(await transcribeThrough(temporalAddress, local, 'local Whisper engine (whisper-base, 2 workers)', mode, long, reference, log));
  } finally {
    await local.close();
  }
  const standIn = await startDeepgramEmulator({ engine: 'synthetic', apiKey: 'bench' });
  try {
    standIn.injectFault({ latencyPerAudioSecondMs: options.standInMsPerAudioSecond, times: Infinity });
    const label = `Deepgram stand-in (${options.standInMsPerAudioSecond} ms per audio second)`;
    for (const mode of ['whole', 'chunked'] as const) runs.push(await transcribeThrough(temporalAddress, standIn, label, mode, long, null, log));
  } finally {
    await standIn.close();
  }
  const [whole, chunked] = runs;
  return { audioSeconds: long.seconds, runs, chunkedVsWhole: whole && chunked ? wordErrorRate(whole.transcript, chunked.transcript) : null };
}

async function transcribeThrough(temporalAddress: string, emulator: DeepgramEmulator, label: string, mode: 'whole' | 'chunked', long: LongRecording, reference: string[] | null, log: (m: string) => void): Promise<ChunkedRun> {
  const platform = await startInProcessPlatform({
    temporalAddress,
    deepgramUrl: emulator.url,
    deepgramKey: 'bench',
    taskQueue: `bench-chunked-${mode}-${Date.now()}`,
    // Defaults (600 s threshold, 300 s chunks) for the chunked run; chunking off for the whole one. A whole-file call
    // through the local engine takes minutes: the Deepgram call timeout is raised so that it can finish at all.
    env: { CHUNK_THRESHOLD_SECONDS: mode === 'whole' ? '0' : '600', DEEPGRAM_TIMEOUT_SECONDS: '3600', DEEPGRAM_HEARTBEAT_TIMEOUT_MS: '60000' },
  });
  try {
    log(`chunked: ${label}, ${mode}: transcribing ${(long.seconds / 60).toFixed(1)} minutes of audio ...`);
    const started = performance.now();
    const res = await fetch(`${platform.apiUrl}/v1/transcriptions?mode=async&punctuate=true`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: long.wav });
    if (res.status !== 202) throw new Error(`chunked bench: submission answered ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    let job: any;
    let shown = -1;
    for (;;) {
      job = await (await fetch(`${platform.apiUrl}/v1/transcriptions/${id}`)).json();
      if (job.status === 'completed' || job.status === 'failed') break;
      if (job.chunks && job.chunks.completed !== shown) {
        shown = job.chunks.completed;
        log(`chunked: ${mode}: ${shown}/${job.chunks.total} chunks done`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const wallSeconds = (performance.now() - started) / 1000;
    if (job.status !== 'completed') throw new Error(`chunked bench: the ${mode} job failed: ${JSON.stringify(job.error)}`);
    return { path: label, mode, chunks: job.chunks?.total ?? 1, wallSeconds, wer: reference ? wordErrorRate(reference, job.transcript) : null, transcript: job.transcript };
  } finally {
    await platform.stop();
  }
}
