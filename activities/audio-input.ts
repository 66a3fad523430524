import type { BlobStore } from '../src/adapters/blob-store/index.js';
import type { AudioInput } from '../src/adapters/deepgram/transcriber.js';
import type { AudioSource } from '../src/domain/transcription.js';

/** What Deepgram gets: the URL to fetch, or the uploaded bytes read back from the blob store. */
export async function audioInputFor(source: AudioSource, blobs: BlobStore): Promise<AudioInput> {
  if (source.kind === 'url') return { kind: 'url', url: source.url };
  return { kind: 'bytes', data: await blobs.read(source.blobId), contentType: source.contentType };
}
