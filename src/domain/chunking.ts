import type { DeepgramOptions } from './transcription.js';

/** When a long file is cut into chunks transcribed in parallel (CHUNK_THRESHOLD_SECONDS, CHUNK_SECONDS). */
export interface ChunkingSettings {
  /** Audio longer than this is chunked. */
  thresholdSeconds: number;
  /** About how long each chunk is (cuts go into the pause nearest each multiple). */
  chunkSeconds: number;
}

/** A chunk of a job's audio, on the file's timeline. */
export interface ChunkSpan {
  index: number;
  startSeconds: number;
  endSeconds: number;
}

/** What cutting a job's audio gave: its chunks, or why it is transcribed whole after all. */
export type ChunkPlan = { chunked: true; durationSeconds: number; chunks: ChunkSpan[] } | { chunked: false; reason: string };

/** What a chunk's own workflow needs: ids and settings, never audio. */
export interface ChunkTranscriptionInput {
  jobId: string;
  index: number;
  tenantId: string;
  priority: number;
  deepgramTaskQueue: string;
  retry: { initialIntervalMs: number; backoffCoefficient: number; maximumAttempts: number; maximumIntervalMs: number };
  timeouts: { deepgramCallMs: number; heartbeatMs: number };
  outageMaxWaitMs: number;
}

/**
 * Options whose answer is about the whole recording, which per-chunk answers cannot give: speaker numbers would
 * restart in every chunk, and summaries, topics, intents and sentiment would cover a chunk each. Such jobs go whole.
 */
const WHOLE_FILE_OPTIONS = ['diarize', 'summarize', 'topics', 'intents', 'sentiment'] as const;

/** The option that keeps a job from being chunked; null when it may be. */
export function wholeFileOption(options: DeepgramOptions): string | null {
  for (const name of WHOLE_FILE_OPTIONS) {
    const value = options[name];
    if (value !== undefined && value !== false && value !== 'false') return name;
  }
  return null;
}

/** Whether audio of this length is cut into chunks under these settings (a threshold of 0 turns chunking off). */
export function shouldChunk(durationSeconds: number | null | undefined, settings: ChunkingSettings | undefined): boolean {
  if (!settings || settings.thresholdSeconds <= 0 || durationSeconds == null || !Number.isFinite(durationSeconds)) return false;
  return durationSeconds > settings.thresholdSeconds;
}

/** `1:02:03.5`-style position for messages about a chunk. */
export function timecode(seconds: number): string {
  const total = Math.max(0, seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = (Math.round(s * 10) / 10).toFixed(1).padStart(4, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
