import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import { Server } from '@tus/server';

/** Where a resumable upload stands, as the transcription request sees it. */
export type UploadState =
  | { state: 'missing' }
  | { state: 'unfinished'; offset: number; size: number | null; expiresAt: string }
  | { state: 'expired'; offset: number; size: number | null; expiredAt: string }
  | { state: 'finished'; size: number; contentType: string };

export interface ResumableUploadsOptions {
  /** URL path the tus endpoint is served at. */
  path: string;
  maxBytes: number;
  /** An unfinished upload is removed this long after it was created. */
  expiryMs: number;
  /** Local folder (one API machine, or a shared volume) or the S3 bucket every replica shares. */
  store:
    | { kind: 'directory'; directory: string }
    | { kind: 's3'; bucket: string; region: string; endpoint?: string; forcePathStyle: boolean; credentials?: { accessKeyId: string; secretAccessKey: string } };
}

export interface ResumableUploads {
  /** Serves one tus request (creation, HEAD, PATCH, DELETE, OPTIONS) for the caller's tenant. */
  handle(request: Request, tenantId: string): Promise<Response>;
  /** The upload's state, only if it belongs to `tenantId` (another tenant's upload is 'missing'). */
  find(uploadId: string, tenantId: string): Promise<UploadState>;
  /** The finished upload's bytes, front to back. */
  open(uploadId: string): Promise<Readable>;
  remove(uploadId: string): Promise<void>;
  /** Deletes unfinished uploads past their expiry; returns how many. */
  removeExpired(): Promise<number>;
}

/**
 * Resumable uploads over the tus protocol (`@tus/server` with its file or S3 store). Every upload id starts with a
 * tag derived from its tenant, so a request for another tenant's upload is refused before the store is touched,
 * and is indistinguishable from one for an upload that does not exist.
 */
export function createResumableUploads(options: ResumableUploadsOptions): ResumableUploads {
  const s3 =
    options.store.kind === 's3'
      ? {
          bucket: options.store.bucket,
          region: options.store.region,
          ...(options.store.endpoint ? { endpoint: options.store.endpoint } : {}),
          forcePathStyle: options.store.forcePathStyle,
          ...(options.store.credentials ? { credentials: options.store.credentials } : {}),
        }
      : undefined;
  const datastore: FileStore | S3Store = s3
    ? new S3Store({ partSize: 8 * 1024 * 1024, expirationPeriodInMilliseconds: options.expiryMs, s3ClientConfig: s3 })
    : new FileStore({ directory: (options.store as { directory: string }).directory, expirationPeriodInMilliseconds: options.expiryMs });
  // S3Store.remove() aborts the upload's multipart upload first, which a finished upload no longer has: it then
  // fails before deleting the objects (@tus/s3-store 2.0.7). A finished upload's two objects are deleted here.
  const bucketClient = s3 ? new S3Client(s3) : undefined;
  const removeFinishedFromBucket = (uploadId: string) =>
    bucketClient?.send(new DeleteObjectsCommand({ Bucket: s3!.bucket, Delete: { Objects: [{ Key: uploadId }, { Key: `${uploadId}.info` }] } }));
  const tenantOf = new WeakMap<Request, string>();
  const server = new Server({
    path: options.path,
    datastore,
    maxSize: options.maxBytes,
    relativeLocation: true,
    // Resumes on a finished upload would be refused anyway; a finished one is deleted once transcribed.
    disableTerminationForFinishedUploads: false,
    namingFunction: (req) => `${tenantTag(tenantOf.get(req) ?? '')}_${randomUUID().replaceAll('-', '')}`,
    onIncomingRequest: async (req, uploadId) => {
      if (uploadId && !uploadId.startsWith(`${tenantTag(tenantOf.get(req) ?? '')}_`)) throw { status_code: 404, body: 'The file for this url was not found\n' };
    },
  });

  return {
    async handle(request, tenantId) {
      tenantOf.set(request, tenantId);
      return server.handleWeb(request);
    },
    async find(uploadId, tenantId) {
      if (!uploadId.startsWith(`${tenantTag(tenantId)}_`) || !/^[0-9a-f]{16}_[0-9a-f]{32}$/.test(uploadId)) return { state: 'missing' };
      let upload;
      try {
        upload = await datastore.getUpload(uploadId);
      } catch {
        return { state: 'missing' };
      }
      const size = upload.size ?? null;
      if (size !== null && upload.offset === size) {
        return { state: 'finished', size, contentType: upload.metadata?.filetype ?? upload.metadata?.contentType ?? 'application/octet-stream' };
      }
      const expires = new Date(new Date(upload.creation_date ?? Date.now()).getTime() + options.expiryMs);
      if (expires.getTime() <= Date.now()) return { state: 'expired', offset: upload.offset, size, expiredAt: expires.toISOString() };
      return { state: 'unfinished', offset: upload.offset, size, expiresAt: expires.toISOString() };
    },
    async open(uploadId) {
      return (await datastore.read(uploadId)) as Readable;
    },
    async remove(uploadId) {
      await datastore.remove(uploadId).catch(() => removeFinishedFromBucket(uploadId));
    },
    removeExpired: () => server.cleanUpExpiredUploads(),
  };
}

/** 16 hex characters of the tenant id's hash: tenant-specific, not revealing it. */
function tenantTag(tenantId: string): string {
  return createHash('sha256').update(`upload-tenant:${tenantId}`).digest('hex').slice(0, 16);
}
