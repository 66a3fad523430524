import { createHash } from 'node:crypto';
import { wavHeader } from '../audio/wav-header.js';
import type { BlobStore } from '../adapters/blob-store/index.js';
import type { Db } from '../db/database.js';
import { callerByKeyId } from '../db/repositories/api-keys.repository.js';
import { finishRecording, listRecordingParts, recordPart, setRepassJob, type RecordingPart } from '../db/repositories/live-recordings.repository.js';
import { findLiveSession } from '../db/repositories/live-sessions.repository.js';
import { AppError } from '../domain/errors.js';
import type { LiveSession, RecordingFormat } from '../domain/live.js';
import { batchOptionsFromLive } from '../domain/live-recording.js';
import { OPEN_CALLER, type Caller } from '../domain/tenancy.js';
import type { DeepgramOptions } from '../domain/transcription.js';
import type { RecordingSink } from '../live-relay/recorder.js';
import type { SubmitResult, SubmitTranscription } from './submission.js';

/** Pieces of silence written into a gap of the timeline. */
const SILENCE = Buffer.alloc(64 * 1024);

export interface RepassRequest {
  /** Pre-recorded options (validated); none = the session's re-pass options, else its own live options that apply to a file. */
  options?: DeepgramOptions;
  webhookUrl?: string;
  priority?: number;
}

export interface LiveRecordingsDeps {
  db: Db;
  blobs: BlobStore;
  /** Submits the re-pass job (the job API's own use case); absent where no re-pass is started (a relay-only process). */
  submit?: (caller: Caller, request: SubmitTranscription) => Promise<SubmitResult>;
}

/** How the recording is laid out from its parts: what to copy from each, and silence where a part is missing. */
type Piece = { kind: 'part'; blobId: string; skip: number; bytes: number } | { kind: 'silence'; bytes: number };

function layout(parts: RecordingPart[]): { pieces: Piece[]; dataBytes: number } {
  const pieces: Piece[] = [];
  let end = 0;
  for (const part of parts) {
    const partEnd = part.byteOffset + part.byteLength;
    if (partEnd <= end) continue;
    if (part.byteOffset > end) pieces.push({ kind: 'silence', bytes: part.byteOffset - end });
    const skip = Math.max(0, end - part.byteOffset);
    pieces.push({ kind: 'part', blobId: part.blobId, skip, bytes: part.byteLength - skip });
    end = partEnd;
  }
  return { pieces, dataBytes: end };
}

export const recordingContentType = (format: RecordingFormat | null): string => (format?.kind === 'container' ? format.contentType : 'audio/wav');

/**
 * Recordings of live sessions: the parts a relay stores as audio streams, the one file they are joined into when the
 * session ends, and re-passes, batch jobs that transcribe that file again.
 */
export function createLiveRecordings(deps: LiveRecordingsDeps) {
  const { db, blobs } = deps;

  const sink: RecordingSink = {
    async appendPart({ sessionId, tenantId, byteOffset, chunks, format }) {
      const byteLength = chunks.reduce((n, c) => n + c.length, 0);
      const stored = await blobs.write(
        (async function* () {
          yield* chunks;
        })(),
        { contentType: 'application/octet-stream', maxBytes: byteLength + 1, tenantId },
      );
      const added = await recordPart(db, sessionId, { byteOffset, byteLength, blobId: stored.blobId }, format).catch(async (err: unknown) => {
        await blobs.delete(stored.blobId).catch(() => undefined);
        throw err;
      });
      if (!added) await blobs.delete(stored.blobId);
    },
  };

  /** Streams the pieces out of the blob store, one part at a time. */
  async function* joined(pieces: Piece[]): AsyncGenerator<Uint8Array> {
    for (const piece of pieces) {
      if (piece.kind === 'silence') {
        for (let left = piece.bytes; left > 0; left -= SILENCE.length) yield SILENCE.subarray(0, Math.min(left, SILENCE.length));
        continue;
      }
      const content = await blobs.openRead(piece.blobId);
      let skip = piece.skip;
      let left = piece.bytes;
      for await (const chunk of content.body as AsyncIterable<Buffer>) {
        let data = chunk;
        if (skip > 0) {
          const dropped = Math.min(skip, data.length);
          data = data.subarray(dropped);
          skip -= dropped;
        }
        if (data.length === 0) continue;
        const take = data.subarray(0, Math.min(left, data.length));
        left -= take.length;
        yield take;
        if (left === 0) break;
      }
      content.body.destroy();
    }
  }

  /**
   * Joins a session's parts into one playable file (a WAV for PCM-like audio, the client's container otherwise), makes
   * it the session's recording and drops the parts. Idempotent: a session that has its file keeps it.
   */
  async function assemble(sessionId: string): Promise<{ blobId: string | null; bytes: number }> {
    const session = await findLiveSession(db, sessionId);
    if (!session?.record) return { blobId: null, bytes: 0 };
    const parts = await listRecordingParts(db, sessionId);
    if (session.recording.blobId && parts.length === 0) return { blobId: session.recording.blobId, bytes: session.recording.bytes };
    const { pieces, dataBytes } = layout(parts);
    if (dataBytes === 0 && !session.recording.blobId) return { blobId: null, bytes: 0 };
    const format = session.recording.format;
    const header = format?.kind === 'pcm' ? wavHeader(format, dataBytes) : undefined;
    const stored = session.recording.blobId
      ? undefined
      : await blobs.write(
          (async function* () {
            if (header) yield header;
            yield* joined(pieces);
          })(),
          { contentType: recordingContentType(format), maxBytes: dataBytes + (header?.length ?? 0) + 1, tenantId: session.tenantId },
        );
    const { kept, partBlobIds } = await finishRecording(db, sessionId, stored?.blobId ?? session.recording.blobId!);
    if (stored && !kept) await blobs.delete(stored.blobId);
    for (const blobId of partBlobIds) await blobs.delete(blobId);
    const final = await findLiveSession(db, sessionId);
    return { blobId: final?.recording.blobId ?? null, bytes: final?.recording.bytes ?? 0 };
  }

  /** The session's recording, ready to transcribe: refused while it streams or when there is none. */
  function requireRecording(session: LiveSession | undefined, id: string): asserts session is LiveSession & { recording: { blobId: string } } {
    if (!session) throw new AppError(404, 'not_found', `No live session with id ${id}`);
    if (session.deletedAt) throw new AppError(410, 'deleted', `Live session ${id} was deleted`);
    if (!session.record) throw new AppError(409, 'no_recording', `Live session ${id} was not recorded; connect with record=true to keep a session's audio`);
    if (!session.recording.blobId) {
      if (session.status === 'active') throw new AppError(409, 'recording_not_ready', `Live session ${id} is still streaming; its recording is ready once it ends`, undefined, 5);
      if (session.recording.bytes === 0) throw new AppError(409, 'no_recording', `Live session ${id} received no audio to record`);
      throw new AppError(409, 'recording_not_ready', `The recording of live session ${id} is being finished; retry shortly`, undefined, 2);
    }
  }

  /**
   * Transcribes a session's recording again as a durable batch job of the session's tenant (its own copy of the
   * audio, so deleting either leaves the other whole). Asking twice with the same options returns the same job.
   */
  async function repass(caller: Caller, sessionId: string, request: RepassRequest = {}): Promise<SubmitResult> {
    if (!deps.submit) throw new Error('re-passes are not configured in this process');
    const session = await findLiveSession(db, sessionId, caller.tenantId);
    requireRecording(session, sessionId);
    const options = request.options ?? session.repassOptions ?? batchOptionsFromLive(session.options);
    const fingerprint = createHash('sha256').update(JSON.stringify([options, request.webhookUrl ?? null])).digest('hex').slice(0, 16);
    const source = await blobs.openRead(session.recording.blobId);
    const copy = await blobs.write(source.body, { contentType: recordingContentType(session.recording.format), maxBytes: source.sizeBytes + 1, tenantId: session.tenantId });
    const result = await deps.submit(caller, {
      source: { kind: 'upload', blobId: copy.blobId, contentType: copy.contentType, sizeBytes: copy.sizeBytes, sha256: copy.sha256 },
      mode: 'async',
      options,
      priority: request.priority ?? 3,
      ...(request.webhookUrl ? { webhookUrl: request.webhookUrl } : {}),
      idempotencyKey: `live-repass:${sessionId}:${fingerprint}`,
    });
    await setRepassJob(db, sessionId, result.job.id);
    return result;
  }

  return {
    sink,
    assemble,
    repass,
    /**
     * The automatic re-pass of `repass=true`, on behalf of the key that opened the session (none if it was revoked
     * since: nothing is started).
     */
    async repassOnEnd(sessionId: string): Promise<string | null> {
      const session = await findLiveSession(db, sessionId);
      if (!session?.recording.blobId || session.repassJobId) return session?.repassJobId ?? null;
      const caller = session.apiKeyId ? await callerByKeyId(db, session.apiKeyId) : OPEN_CALLER;
      if (!caller) return null;
      return (await repass(caller, sessionId)).job.id;
    },
    /** The recording's bytes for download. */
    async open(caller: Caller, sessionId: string) {
      const session = await findLiveSession(db, sessionId, caller.tenantId);
      requireRecording(session, sessionId);
      const content = await blobs.openRead(session.recording.blobId);
      return { ...content, contentType: recordingContentType(session.recording.format) };
    },
  };
}

export type LiveRecordings = ReturnType<typeof createLiveRecordings>;
