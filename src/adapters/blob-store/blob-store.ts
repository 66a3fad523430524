import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/** How many leading bytes of an upload are kept in memory to detect its format and duration. */
export const HEAD_BYTES = 256 * 1024;

export interface StoredBlob {
  blobId: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  /** The first bytes, for format and duration detection without reading the blob back. */
  head: Buffer;
}

/** Durable storage for uploaded audio, readable by every worker. Workflows only ever see the blob id. */
export interface BlobStore {
  readonly kind: 'postgres' | 'filesystem' | 's3';
  /** Streams `body` into storage; throws UploadTooLargeError as soon as it passes `maxBytes`, keeping nothing. */
  write(body: AsyncIterable<Uint8Array>, options: { contentType: string; maxBytes: number; tenantId: string }): Promise<StoredBlob>;
  /**
   * The stored bytes as a stream that reads the store piece by piece, so no process ever holds a whole upload.
   * Each call opens a new stream (a retry or a failover reads the blob again). Throws BlobNotFoundError.
   */
  openRead(blobId: string): Promise<BlobContent>;
  /** Removes the blob; deleting a missing blob is not an error. */
  delete(blobId: string): Promise<void>;
  /**
   * A short-lived URL Deepgram can fetch the blob from itself (S3 with S3_PRESIGN_FOR_DEEPGRAM), so no worker
   * relays the bytes; undefined where the store has none.
   */
  presignedUrl?(blobId: string): Promise<string | undefined>;
}

/** The blob store cannot be reached (S3 down, a network fault): an outage to wait out, not a failed upload. */
export class BlobStoreUnavailableError extends Error {
  override name = 'BlobStoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface BlobContent {
  body: Readable;
  /** Known before the first byte is read, so the Deepgram request can carry a Content-Length. */
  sizeBytes: number;
}

export class BlobNotFoundError extends Error {
  override name = 'BlobNotFoundError';
  constructor(readonly blobId: string) {
    super(`audio blob ${blobId} does not exist`);
  }
}

export class UploadTooLargeError extends Error {
  override name = 'UploadTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`The audio exceeds the ${maxBytes}-byte upload limit`);
  }
}

export function newBlobId(): string {
  return `blob_${randomUUID()}`;
}

/**
 * Re-chunks a byte stream into fixed-size pieces while hashing and counting it,
 * so stores can write chunk by chunk without ever holding the whole upload.
 */
export async function* measuredChunks(
  body: AsyncIterable<Uint8Array>,
  chunkBytes: number,
  maxBytes: number,
  stats: { sizeBytes: number; sha256: string; head: Buffer },
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  const headParts: Buffer[] = [];
  let headBytes = 0;
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of body) {
    const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    stats.sizeBytes += buf.length;
    if (stats.sizeBytes > maxBytes) throw new UploadTooLargeError(maxBytes);
    hash.update(buf);
    if (headBytes < HEAD_BYTES) {
      headParts.push(buf.subarray(0, HEAD_BYTES - headBytes));
      headBytes += Math.min(buf.length, HEAD_BYTES - headBytes);
    }
    pending.push(buf);
    pendingBytes += buf.length;
    while (pendingBytes >= chunkBytes) {
      // One copy into a chunk of its own; the rest stays a view of the piece it came in (no garbage per piece).
      const chunk = Buffer.allocUnsafeSlow(chunkBytes);
      for (let filled = 0; filled < chunkBytes; ) {
        const first = pending[0]!;
        const take = Math.min(first.length, chunkBytes - filled);
        first.copy(chunk, filled, 0, take);
        filled += take;
        if (take === first.length) pending.shift();
        else pending[0] = first.subarray(take);
      }
      pendingBytes -= chunkBytes;
      yield chunk;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
  stats.sha256 = hash.digest('hex');
  stats.head = Buffer.concat(headParts);
}
