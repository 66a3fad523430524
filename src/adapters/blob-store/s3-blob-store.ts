import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PassThrough, Readable } from 'node:stream';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { BlobNotFoundError, BlobStoreUnavailableError, measuredChunks, newBlobId, type BlobStore } from './blob-store.js';

/** Multipart part size: S3's minimum; with one part in flight and one filling, an upload holds ~10 MiB. */
const PART_BYTES = 5 * 1024 * 1024;

/** BLOB_STORE=s3's settings (S3_*): bucket, region, endpoint, path style, credentials, presigning for Deepgram. */
export type S3BlobStoreOptions = NonNullable<Config['uploads']['s3']>;

/** Uploads as objects in an S3-compatible bucket, shared by every API replica and worker. */
export function createS3BlobStore(db: Db, options: S3BlobStoreOptions): BlobStore {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // A store that does not answer must become a 503 within seconds, not hang a request.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 60_000 },
    maxAttempts: 2,
  });
  const keyOf = (blobId: string) => `audio/${blobId}`;
  const Bucket = options.bucket;

  return {
    kind: 's3',
    async write(body, { contentType, maxBytes, tenantId }) {
      const blobId = newBlobId();
      const stats = { sizeBytes: 0, sha256: '', head: Buffer.alloc(0) };
      const upload = new Upload({
        client,
        params: { Bucket, Key: keyOf(blobId), Body: Readable.from(measuredChunks(body, 256 * 1024, maxBytes, stats)), ContentType: contentType },
        partSize: PART_BYTES,
        queueSize: 1,
        leavePartsOnError: false,
      });
      try {
        await unavailableOn(() => upload.done());
        await db
          .insertInto('audio_blobs')
          .values({ id: blobId, content_type: contentType, size_bytes: stats.sizeBytes, sha256: stats.sha256, storage: 's3', tenant_id: tenantId })
          .execute();
      } catch (err) {
        await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(blobId) })).catch(() => undefined);
        throw err;
      }
      return { blobId, contentType, ...stats };
    },
    async openRead(blobId) {
      try {
        const object = await unavailableOn(() => client.send(new GetObjectCommand({ Bucket, Key: keyOf(blobId) })));
        // A connection lost mid-read is the store's outage too, whoever is reading.
        const body = new PassThrough();
        const source = object.Body as Readable;
        source.once('error', (err) => body.destroy(new BlobStoreUnavailableError(`the S3 blob store stopped sending ${blobId}: ${err.message}`, { cause: err })));
        body.once('close', () => source.destroy());
        source.pipe(body);
        return { body, sizeBytes: Number(object.ContentLength) };
      } catch (err) {
        if (isMissing(err)) throw new BlobNotFoundError(blobId);
        throw err;
      }
    },
    async delete(blobId) {
      await unavailableOn(() => client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(blobId) })));
      await db.deleteFrom('audio_blobs').where('id', '=', blobId).execute();
    },
    async presignedUrl(blobId) {
      if (options.presignForDeepgramSeconds === undefined) return undefined;
      // A missing object must fail here (BlobNotFoundError), not as Deepgram's "could not fetch the URL".
      await unavailableOn(() => client.send(new HeadObjectCommand({ Bucket, Key: keyOf(blobId) }))).catch((err: unknown) => {
        throw isMissing(err) ? new BlobNotFoundError(blobId) : err;
      });
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: keyOf(blobId) }), { expiresIn: options.presignForDeepgramSeconds });
    },
  };
}

function isMissing(err: unknown): boolean {
  return err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** The store did not answer, or answered that it is failing (5xx): not a verdict on the request. */
function isUnreachable(err: unknown): boolean {
  if (err instanceof S3ServiceException) return (err.$metadata.httpStatusCode ?? 500) >= 500;
  const code = (err as { code?: string } | null)?.code ?? ((err as { cause?: { code?: string } } | null)?.cause?.code);
  const name = (err as Error | null)?.name;
  return (code !== undefined && NETWORK_CODES.has(code)) || name === 'TimeoutError' || name === 'RequestTimeout';
}

/** Network faults and 5xx from the store become BlobStoreUnavailableError; everything else stays as it is. */
async function unavailableOn<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isUnreachable(err)) throw new BlobStoreUnavailableError(`the S3 blob store is unreachable: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}
