import type { BlobStore } from '../adapters/blob-store/index.js';
import type { ResumableUploads } from '../adapters/resumable-uploads/tus-uploads.js';
import { AppError } from '../domain/errors.js';
import type { DeepgramOptions } from '../domain/transcription.js';
import { ingestUpload, type IngestedUpload } from './uploads.js';

/**
 * A finished resumable upload (`/v1/uploads`, tus) becomes the job's audio: its bytes stream into the blob store
 * through the same checks as a direct upload, and the tus upload is removed. Another tenant's upload, or none, is
 * 404; one that is not finished, or expired unfinished, is 409 with where it stands.
 */
export async function ingestResumableUpload(
  uploads: ResumableUploads | undefined,
  blobs: BlobStore,
  uploadId: string,
  options: { tenantId: string; maxBytes: number; deepgramOptions: DeepgramOptions },
): Promise<IngestedUpload> {
  if (!uploads) throw new AppError(404, 'upload_not_found', `No upload ${uploadId}: resumable uploads are not enabled here`);
  const found = await uploads.find(uploadId, options.tenantId);
  switch (found.state) {
    case 'missing':
      throw new AppError(404, 'upload_not_found', `No upload ${uploadId} (it may have expired, or been used for a transcription already)`);
    case 'unfinished':
      throw new AppError(409, 'upload_incomplete', `Upload ${uploadId} is not finished: ${found.offset} of ${found.size ?? 'an unknown number of'} bytes arrived; resume it, then ask again`, {
        upload_id: uploadId,
        state: 'unfinished',
        offset: found.offset,
        size: found.size,
        expires_at: found.expiresAt,
      });
    case 'expired':
      throw new AppError(409, 'upload_expired', `Upload ${uploadId} expired before it was finished; upload the file again`, {
        upload_id: uploadId,
        state: 'expired',
        offset: found.offset,
        size: found.size,
        expired_at: found.expiredAt,
      });
    case 'finished': {
      const body = await uploads.open(uploadId);
      const ingested = await ingestUpload(blobs, body, { contentType: found.contentType, maxBytes: options.maxBytes, deepgramOptions: options.deepgramOptions, tenantId: options.tenantId });
      await uploads.remove(uploadId);
      return ingested;
    }
  }
}
