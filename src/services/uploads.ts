import { parseBuffer } from 'music-metadata';
import type { BlobStore } from '../adapters/blob-store/index.js';
import { UploadTooLargeError } from '../adapters/blob-store/index.js';
import { durationFromHead } from '../audio/probe.js';
import { AppError } from '../domain/errors.js';
import type { AudioSource, DeepgramOptions } from '../domain/transcription.js';

export interface IngestedUpload {
  source: Extract<AudioSource, { kind: 'upload' }>;
  durationSeconds: number | null;
}

/**
 * Streams an upload into the blob store (413 as soon as it passes the limit), then checks it is audio
 * we can describe (415 with the reason otherwise). Rejected uploads leave nothing behind.
 */
export async function ingestUpload(
  blobs: BlobStore,
  body: AsyncIterable<Uint8Array>,
  options: { contentType: string; maxBytes: number; deepgramOptions: DeepgramOptions; tenantId: string },
): Promise<IngestedUpload> {
  let stored;
  try {
    stored = await blobs.write(body, { contentType: options.contentType, maxBytes: options.maxBytes, tenantId: options.tenantId });
  } catch (err) {
    if (err instanceof UploadTooLargeError) throw new AppError(413, 'payload_too_large', `${err.message}; send a URL instead, or raise MAX_UPLOAD_BYTES`);
    throw err;
  }
  if (stored.sizeBytes === 0) {
    await blobs.delete(stored.blobId);
    throw new AppError(400, 'invalid_request', 'The uploaded audio is empty');
  }
  const source = { kind: 'upload' as const, blobId: stored.blobId, contentType: stored.contentType, sizeBytes: stored.sizeBytes, sha256: stored.sha256 };

  const { encoding, sample_rate: sampleRate, channels } = options.deepgramOptions;
  if (encoding !== undefined) {
    // Headerless audio: the caller told us the format, as Deepgram requires.
    const bytesPerSample = encoding === 'linear16' ? 2 : encoding === 'linear32' ? 4 : encoding === 'mulaw' || encoding === 'alaw' ? 1 : null;
    const duration =
      bytesPerSample && typeof sampleRate === 'number' ? stored.sizeBytes / (bytesPerSample * (typeof channels === 'number' ? channels : 1) * sampleRate) : null;
    return { source, durationSeconds: duration };
  }
  const reason = await unrecognisedAudio(stored.head, stored.sizeBytes, stored.contentType);
  if (reason) {
    await blobs.delete(stored.blobId);
    throw new AppError(
      422,
      'unsupported_audio',
      `The upload is not audio we can read (${reason}). Send WAV, MP3, FLAC, Ogg, WebM, M4A or similar, or raw audio with encoding and sample_rate options`,
    );
  }
  return { source, durationSeconds: await durationFromHead(stored.head, stored.sizeBytes, stored.contentType) };
}

/**
 * Why the upload is not audio we can read, or null. The declared Content-Type is only a hint: clients often send
 * `audio/wav` for an MP3 (Deepgram reads the bytes, not the header), so the bytes are sniffed when it leads nowhere.
 */
async function unrecognisedAudio(head: Buffer, size: number, contentType: string): Promise<string | null> {
  const reason = await unreadableAs(head, size, contentType);
  if (reason === null) return null;
  return (await unreadableAs(head, size, undefined)) === null ? null : reason;
}

async function unreadableAs(head: Buffer, size: number, mimeType: string | undefined): Promise<string | null> {
  try {
    const meta = await parseBuffer(head, { size, ...(mimeType ? { mimeType } : {}) }, { duration: false, skipCovers: true });
    if (!meta.format.container && !meta.format.codec) return 'no audio container or codec found';
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
