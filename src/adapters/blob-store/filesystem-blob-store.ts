import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Db } from '../../db/database.js';
import { BlobNotFoundError, measuredChunks, newBlobId, type BlobStore } from './blob-store.js';

/** Uploads as files under one folder: for single-machine setups where every worker sees the same disk. */
export function createFilesystemBlobStore(db: Db, dir: string): BlobStore {
  const fileOf = (blobId: string) => path.join(dir, path.basename(blobId));
  return {
    kind: 'filesystem',
    async write(body, { contentType, maxBytes, tenantId }) {
      await mkdir(dir, { recursive: true });
      const blobId = newBlobId();
      const stats = { sizeBytes: 0, sha256: '', head: Buffer.alloc(0) };
      try {
        await pipeline(Readable.from(measuredChunks(body, 256 * 1024, maxBytes, stats)), createWriteStream(fileOf(blobId)));
        await db
          .insertInto('audio_blobs')
          .values({ id: blobId, content_type: contentType, size_bytes: stats.sizeBytes, sha256: stats.sha256, storage: 'filesystem', tenant_id: tenantId })
          .execute();
      } catch (err) {
        await rm(fileOf(blobId), { force: true });
        throw err;
      }
      return { blobId, contentType, ...stats };
    },
    async openRead(blobId) {
      const file = fileOf(blobId);
      const size = await stat(file).then(
        (s) => s.size,
        (err: NodeJS.ErrnoException) => {
          throw err.code === 'ENOENT' ? new BlobNotFoundError(blobId) : err;
        },
      );
      return { body: createReadStream(file), sizeBytes: size };
    },
    async delete(blobId) {
      await rm(fileOf(blobId), { force: true });
      await db.deleteFrom('audio_blobs').where('id', '=', blobId).execute();
    },
  };
}
