import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { BlobStore } from '../src/adapters/blob-store/index.js';
import { UploadTooLargeError } from '../src/adapters/blob-store/index.js';
import { AudioSplitError, AudioSplitterUnavailableError, type AudioSplitter } from '../src/adapters/audio-splitter/audio-splitter.js';
import type { Transcriber } from '../src/adapters/deepgram/transcriber.js';
import { stitchChunkResponses } from '../src/adapters/deepgram/stitch-chunks.js';
import { transcriptText, type DeepgramPrerecordedResponse } from '../src/adapters/deepgram/response.js';
import { UrlNotAllowedError, type OutboundHttp } from '../src/adapters/outbound/index.js';
import type { Db } from '../src/db/database.js';
import { chunkResults, findJobChunk, insertJobChunks, listJobChunks, markChunkFailed, releaseJobChunks, saveChunkResult } from '../src/db/repositories/job-chunks.repository.js';
import { findJob, markJobProcessing } from '../src/db/repositories/jobs.repository.js';
import { findTranscript, saveTranscript } from '../src/db/repositories/transcripts.repository.js';
import { wholeFileOption, type ChunkPlan } from '../src/domain/chunking.js';
import type { AudioSource, JobError, TranscriptSummary } from '../src/domain/transcription.js';
import type { Logger } from '../src/observability/logger.js';
import type { Metrics } from '../src/observability/metrics.js';
import { deepgramFailure } from './deepgram-failures.js';
import { createJobCompletion } from './job-completion.js';
import { whileHeartbeating } from './heartbeat.js';

export interface ChunkingActivityDeps {
  db: Db;
  blobs: BlobStore;
  transcriber: Transcriber;
  outbound: OutboundHttp;
  splitter: AudioSplitter;
  /** A remote file longer than this is not downloaded for cutting (MAX_UPLOAD_BYTES): it goes to Deepgram whole. */
  maxSourceBytes: number;
  metrics?: Metrics;
  metricsRegion?: string;
  logger?: Logger;
}

/** Long files cut at pauses and transcribed chunk by chunk (each chunk its own workflow), then stitched into one answer. */
export function createChunkingActivities(deps: ChunkingActivityDeps) {
  const completion = createJobCompletion(deps);

  /** The job's audio as a local file: an upload read back from the blob store, a URL fetched through the outbound guard. */
  async function download(source: AudioSource, file: string, signal: AbortSignal): Promise<void> {
    if (source.kind === 'upload') {
      const { body } = await deps.blobs.openRead(source.blobId);
      await pipeline(body, createWriteStream(file), { signal });
      return;
    }
    const res = await deps.outbound.request(source.url, { signal }).catch((err: unknown) => {
      if (err instanceof UrlNotAllowedError) throw new AudioSplitError('the audio URL is not public');
      throw err;
    });
    if (!res.ok || !res.body) throw new AudioSplitError(`fetching the audio URL answered ${res.status}`);
    let bytes = 0;
    const limit = new Transform({
      transform(piece: Buffer, _enc, done) {
        bytes += piece.length;
        done(bytes > deps.maxSourceBytes ? new UploadTooLargeError(deps.maxSourceBytes) : null, piece);
      },
    });
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), limit, createWriteStream(file), { signal });
  }

  return {
    /**
     * Cuts the job's audio at pauses into chunks of about `chunkSeconds`, stores each chunk's audio as a blob and
     * records the chunks. Idempotent: a job already cut returns its recorded chunks. A job that cannot be cut (options
     * about the whole file, no splitter on this worker, audio PyAV cannot read, a remote file over the size limit) is
     * transcribed whole, as before chunking: the answer says why.
     */
    async splitJobAudio(request: { jobId: string; chunkSeconds: number }): Promise<ChunkPlan> {
      const existing = await listJobChunks(deps.db, request.jobId);
      if (existing.length > 0) return planOf(existing);
      const job = await findJob(deps.db, request.jobId);
      if (!job || job.deletedAt) throw ApplicationFailure.nonRetryable(`job ${request.jobId} no longer exists`, 'DeepgramRejected', { code: 'job_deleted', message: 'The job was deleted' });
      const option = wholeFileOption(job.options);
      if (option) return { chunked: false, reason: `${option} is about the whole recording` };
      await markJobProcessing(deps.db, request.jobId);
      const workDir = await mkdtemp(path.join(tmpdir(), 'chunks-'));
      let phase: Record<string, unknown> = { phase: 'downloading' };
      try {
        return await whileHeartbeating(Context.current(), () => phase, async (ctx) => {
          const input = path.join(workDir, 'source');
          await download(job.source, input, ctx.cancellationSignal);
          const split = await deps.splitter.split(input, workDir, { chunkSeconds: request.chunkSeconds, signal: ctx.cancellationSignal, onProgress: (event) => (phase = event) });
          if (split.chunks.length < 2) return { chunked: false as const, reason: 'the audio has no pause to cut at' };
          const stored = [];
          for (const chunk of split.chunks) {
            phase = { phase: 'storing', chunk: chunk.index, of: split.chunks.length };
            const blob = await deps.blobs.write(createReadStream(chunk.path), { contentType: 'audio/wav', maxBytes: Number.MAX_SAFE_INTEGER, tenantId: job.tenantId });
            stored.push({ ...chunk, blobId: blob.blobId });
          }
          const recorded = await insertJobChunks(deps.db, request.jobId, stored.map(({ index, startSeconds, endSeconds, blobId }) => ({ index, startSeconds, endSeconds, blobId })));
          // Another attempt recorded its chunks first (this one was presumed dead): its plan stands, these blobs go.
          if (!recorded) {
            for (const c of stored) await deps.blobs.delete(c.blobId);
            return planOf(await listJobChunks(deps.db, request.jobId));
          }
          deps.logger?.info({ jobId: request.jobId, chunks: stored.length, durationSeconds: split.durationSeconds }, 'long audio cut into chunks');
          return { chunked: true as const, durationSeconds: split.durationSeconds, chunks: stored.map(({ index, startSeconds, endSeconds }) => ({ index, startSeconds, endSeconds })) };
        });
      } catch (err) {
        if (err instanceof AudioSplitterUnavailableError || err instanceof AudioSplitError || err instanceof UploadTooLargeError) {
          deps.logger?.warn({ jobId: request.jobId, reason: err.message }, 'long audio transcribed whole: it could not be cut');
          return { chunked: false, reason: err.message };
        }
        throw deepgramFailure(err);
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },

    /** One chunk's Deepgram call, with the job's options; its answer is kept. Idempotent: an answered chunk is not sent again. */
    async transcribeAudioChunk(request: { jobId: string; index: number }): Promise<{ deepgramRequestId: string }> {
      try {
        const chunk = await findJobChunk(deps.db, request.jobId, request.index);
        if (!chunk) throw ApplicationFailure.nonRetryable(`job ${request.jobId} has no chunk ${request.index}`, 'DeepgramRejected', { code: 'job_deleted', message: 'The job was deleted' });
        if (chunk.status === 'completed' && chunk.deepgramRequestId) return { deepgramRequestId: chunk.deepgramRequestId };
        const job = await findJob(deps.db, request.jobId);
        if (!job || job.deletedAt || !chunk.blobId) throw ApplicationFailure.nonRetryable(`job ${request.jobId} no longer exists`, 'DeepgramRejected', { code: 'job_deleted', message: 'The job was deleted' });
        if (job.status === 'canceled') throw ApplicationFailure.nonRetryable(`job ${request.jobId} was canceled`, 'DeepgramRejected', { code: 'job_canceled', message: 'The job was canceled' });
        const blobId = chunk.blobId;
        return await whileHeartbeating(Context.current(), () => ({ waiting: 'deepgram', chunk: request.index }), async (ctx) => {
          if (ctx.info.attempt > 1) deps.metrics?.deepgramRetries.inc();
          const presigned = await deps.blobs.presignedUrl?.(blobId);
          const audio = presigned ? { kind: 'url' as const, url: presigned } : { kind: 'upload' as const, contentType: 'audio/wav', open: () => deps.blobs.openRead(blobId) };
          const response = await deps.transcriber.transcribe({ audio, options: job.options, signal: ctx.cancellationSignal });
          await saveChunkResult(deps.db, request.jobId, request.index, response.metadata.request_id, response);
          const seconds = chunk.endSeconds - chunk.startSeconds;
          if (seconds > 0) deps.metrics?.audioSecondsProcessed.inc({ mode: 'prerecorded' }, seconds);
          return { deepgramRequestId: response.metadata.request_id };
        });
      } catch (err) {
        throw deepgramFailure(err);
      }
    },

    /** A chunk that kept failing keeps its error; the job fails with it (chunks already answered stay answered). */
    async recordChunkFailure(jobId: string, index: number, error: JobError): Promise<void> {
      await markChunkFailed(deps.db, jobId, index, error);
    },

    /**
     * Joins the chunks' answers into the file's one Deepgram-shaped answer, stores it as the job's transcript, drops the
     * chunks' answers and audio, and completes the job. Idempotent: a stored transcript is not stitched again.
     */
    async stitchChunkedTranscript(request: { jobId: string; durationSeconds: number }): Promise<TranscriptSummary> {
      try {
        return await whileHeartbeating(Context.current(), () => ({ phase: 'stitching' }), () => stitch(request));
      } catch (err) {
        throw deepgramFailure(err);
      }
    },
  };

  async function stitch(request: { jobId: string; durationSeconds: number }): Promise<TranscriptSummary> {
    const stored = await findTranscript(deps.db, request.jobId);
    let summary: TranscriptSummary;
    if (stored) {
      summary = { deepgramRequestId: stored.deepgramRequestId, durationSeconds: request.durationSeconds };
    } else {
      const chunks = await chunkResults(deps.db, request.jobId);
      if (!chunks) throw new Error(`job ${request.jobId} has chunks without an answer`);
      const job = await findJob(deps.db, request.jobId);
      const response = stitchChunkResponses(
        chunks.map((c) => ({ startSeconds: c.startSeconds, endSeconds: c.endSeconds, response: c.result as DeepgramPrerecordedResponse })),
        { requestId: randomUUID(), durationSeconds: request.durationSeconds, ...(job?.source.kind === 'upload' ? { sha256: job.source.sha256 } : {}) },
      );
      await saveTranscript(deps.db, { jobId: request.jobId, deepgramRequestId: response.metadata.request_id, text: transcriptText(response), result: response });
      summary = { deepgramRequestId: response.metadata.request_id, durationSeconds: request.durationSeconds };
    }
    // The chunks' audio and answers go before the job turns completed: a completed job holds nothing of them.
    for (const blobId of await releaseJobChunks(deps.db, request.jobId)) await deps.blobs.delete(blobId);
    await completion.completeJob(request.jobId, summary);
    return summary;
  }
}

function planOf(chunks: Array<{ index: number; startSeconds: number; endSeconds: number }>): ChunkPlan {
  return {
    chunked: true,
    durationSeconds: chunks[chunks.length - 1]!.endSeconds,
    chunks: chunks.map(({ index, startSeconds, endSeconds }) => ({ index, startSeconds, endSeconds })),
  };
}
