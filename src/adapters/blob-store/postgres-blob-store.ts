import type { Db } from '../../db/database.js';
import { measuredChunks, newBlobId, type BlobStore } from './blob-store.js';

const CHUNK_BYTES = 1024 * 1024;

/** Uploads in PostgreSQL, in 1 MiB chunks: workers on other machines need nothing but the database. */
export function createPostgresBlobStore(db: Db): BlobStore {
  return {
    kind: 'postgres',
    async write(body, { contentType, maxBytes, tenantId }) {
      const blobId = newBlobId();
      const stats = { sizeBytes: 0, sha256: '', head: Buffer.alloc(0) };
      await db.insertInto('audio_blobs').values({ id: blobId, content_type: contentType, size_bytes: 0, sha256: '', storage: 'postgres', tenant_id: tenantId }).execute();
      try {
        let seq = 0;
        for await (const chunk of measuredChunks(body, CHUNK_BYTES, maxBytes, stats)) {
          await db.insertInto('audio_blob_chunks').values({ blob_id: blobId, seq: seq++, data: chunk }).execute();
        }
        await db.updateTable('audio_blobs').set({ size_bytes: stats.sizeBytes, sha256: stats.sha256 }).where('id', '=', blobId).execute();
      } catch (err) {
        await db.deleteFrom('audio_blobs').where('id', '=', blobId).execute().catch(() => undefined);
        throw err;
      }
      return { blobId, contentType, ...stats };
    },
    async read(blobId) {
      const chunks = await db.selectFrom('audio_blob_chunks').select('data').where('blob_id', '=', blobId).orderBy('seq').execute();
      const exists = chunks.length > 0 || (await db.selectFrom('audio_blobs').select('id').where('id', '=', blobId).executeTakeFirst());
      if (!exists) throw new Error(`audio blob ${blobId} does not exist`);
      return Buffer.concat(chunks.map((c) => c.data));
    },
    async delete(blobId) {
      await db.deleteFrom('audio_blobs').where('id', '=', blobId).execute();
    },
  };
}
