import type { Db } from '../../db/database.js';
import type { BlobStore } from './blob-store.js';
import { createFilesystemBlobStore } from './filesystem-blob-store.js';
import { createPostgresBlobStore } from './postgres-blob-store.js';

export * from './blob-store.js';

export function createBlobStore(db: Db, options: { kind: 'postgres' | 'filesystem'; dir: string }): BlobStore {
  return options.kind === 'filesystem' ? createFilesystemBlobStore(db, options.dir) : createPostgresBlobStore(db);
}
