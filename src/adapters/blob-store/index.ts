import type { Db } from '../../db/database.js';
import type { Config } from '../../config.js';
import type { BlobStore } from './blob-store.js';
import { createFilesystemBlobStore } from './filesystem-blob-store.js';
import { createPostgresBlobStore } from './postgres-blob-store.js';
import { createS3BlobStore } from './s3-blob-store.js';

export * from './blob-store.js';

export function createBlobStore(db: Db, options: Pick<Config['uploads'], 'store' | 'dir' | 's3'>): BlobStore {
  if (options.store === 's3') {
    if (!options.s3) throw new Error('BLOB_STORE=s3 needs S3_BUCKET');
    return createS3BlobStore(db, options.s3);
  }
  return options.store === 'filesystem' ? createFilesystemBlobStore(db, options.dir) : createPostgresBlobStore(db);
}
