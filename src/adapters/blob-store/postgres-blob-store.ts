import { Readable } from 'node:stream';
import type { Db } from '../../db/database.js';
import { BlobNotFoundError, measuredChunks, newBlobId, type BlobStore } from './blob-store.js';

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
    async openRead(blobId) {
      const blob = await db.selectFrom('audio_blobs').select('size_bytes').where('id', '=', blobId).executeTakeFirst();
      if (!blob) throw new BlobNotFoundError(blobId);
      const sizeBytes = Number(blob.size_bytes);
      async function* chunks(): AsyncGenerator<Buffer> {
        let readBytes = 0;
        // One row per query: a cursor would pin a pooled connection for as long as Deepgram takes to read the upload.
        for (let seq = 0; readBytes < sizeBytes; seq++) {
          const row = await db.selectFrom('audio_blob_chunks').select('data').where('blob_id', '=', blobId).where('seq', '=', seq).executeTakeFirst();
          if (!row) throw new Error(`audio blob ${blobId} ends after ${readBytes} of its ${sizeBytes} bytes`);
          readBytes += row.data.length;
          yield row.data;
        }
      }
      // Byte mode with one chunk of read-ahead: the stream never holds more than two chunks.
      return { body: Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK_BYTES }), sizeBytes };
    },
    async delete(blobId) {
      await db.deleteFrom('audio_blobs').where('id', '=', blobId).execute();
    },
  };
}
