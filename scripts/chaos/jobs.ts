/**
 * Async jobs as a careful client submits them: a raw WAV upload with `mode=async` and a `webhook_url`, an
 * `Idempotency-Key` per job, retried on connection errors and 5xx (Temporal or PostgreSQL restarting) until it is
 * accepted. Each job's audio differs by a few bytes, so the emulator's log tells which job a Deepgram call was for.
 */
import { createHash } from 'node:crypto';

export interface SubmittedJob {
  index: number;
  key: string;
  audioSha256: string;
  /** Job id from the 202; undefined if it was never accepted. */
  id?: string;
  /** Ids seen in answers to this key (more than one = the idempotency key made two jobs). */
  idsSeen: Set<string>;
  attempts: number;
  /** Last refusal, for a job never accepted. */
  lastError?: string;
}

/** The base WAV (header + samples) with the job's index written into its last samples. */
export function jobAudio(base: Buffer, index: number): Buffer {
  const audio = Buffer.from(base);
  audio.writeUInt32LE(index + 1, audio.length - 8);
  return audio;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function submitJob(apiUrl: string, webhookUrl: string, runId: string, base: Buffer, index: number, giveUpAt: number): Promise<SubmittedJob> {
  const audio = jobAudio(base, index);
  const job: SubmittedJob = { index, key: `chaos-${runId}-${index}`, audioSha256: createHash('sha256').update(audio).digest('hex'), idsSeen: new Set(), attempts: 0 };
  const url = `${apiUrl}/v1/transcriptions?mode=async&webhook_url=${encodeURIComponent(webhookUrl)}`;
  while (true) {
    job.attempts++;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'audio/wav', 'idempotency-key': job.key }, body: audio, signal: AbortSignal.timeout(30_000) });
      const body = (await res.json().catch(() => ({}))) as { id?: string; error?: { code?: string } };
      if (body.id) job.idsSeen.add(body.id);
      if (res.status === 202 && body.id) {
        job.id = body.id;
        return job;
      }
      job.lastError = `${res.status} ${body.error?.code ?? ''}`;
      // 4xx other than a rate limit is a refusal no retry changes.
      if (res.status < 500 && res.status !== 429) return job;
    } catch (err) {
      job.lastError = (err as Error).message;
    }
    if (Date.now() > giveUpAt) return job;
    await sleep(500);
  }
}
