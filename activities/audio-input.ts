import type { BlobStore } from '../src/adapters/blob-store/index.js';
import type { AudioInput } from '../src/adapters/deepgram/transcriber.js';
import type { AudioSource } from '../src/domain/transcription.js';

/** What Deepgram gets: the URL to fetch, or the uploaded bytes streamed from the blob store each time they are sent. */
export function audioInputFor(source: AudioSource, blobs: BlobStore): AudioInput {
  if (source.kind === 'url') return { kind: 'url', url: source.url };
  return { kind: 'upload', contentType: source.contentType, open: () => blobs.openRead(source.blobId) };
}
