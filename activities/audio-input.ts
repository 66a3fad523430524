import type { BlobStore } from '../src/adapters/blob-store/index.js';
import type { AudioInput } from '../src/adapters/deepgram/transcriber.js';
import type { AudioSource } from '../src/domain/transcription.js';

/**
 * What Deepgram gets: the URL to fetch; for an upload, a presigned URL of its object where the store gives one
 * (S3_PRESIGN_FOR_DEEPGRAM: Deepgram fetches it itself, no worker relays the bytes), else the bytes streamed from
 * the blob store each time they are sent.
 */
export async function audioInputFor(source: AudioSource, blobs: BlobStore): Promise<AudioInput> {
  if (source.kind === 'url') return { kind: 'url', url: source.url };
  const presigned = await blobs.presignedUrl?.(source.blobId);
  if (presigned) return { kind: 'url', url: presigned };
  return { kind: 'upload', contentType: source.contentType, open: () => blobs.openRead(source.blobId) };
}
