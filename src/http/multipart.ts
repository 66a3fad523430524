import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { AppError } from '../domain/errors.js';

export interface MultipartResult<T> {
  /** The last value of each text field. */
  fields: Record<string, string>;
  /** Every value of each text field, in order (`timestamp_granularities[]` repeats). */
  lists: Record<string, string[]>;
  file?: T;
}

/**
 * Streams a multipart/form-data body: text fields are collected, the one audio file (field `fileField`, `audio` by
 * default) is handed to `onFile` as a stream while it arrives (never buffered whole). Any other file field is refused.
 */
export async function readMultipart<T>(
  request: Request,
  onFile: (stream: AsyncIterable<Uint8Array>, info: { mimeType: string; filename: string }) => Promise<T>,
  fileField = 'audio',
): Promise<MultipartResult<T>> {
  if (!request.body) throw new AppError(400, 'invalid_request', 'The multipart body is empty');
  const headers = Object.fromEntries(request.headers.entries());
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers, limits: { files: 1, fields: 20, fieldSize: 256 * 1024 } });
  } catch (err) {
    throw new AppError(400, 'invalid_request', `Malformed multipart request: ${(err as Error).message}`);
  }
  const fields: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  let filePromise: Promise<T> | undefined;
  const done = new Promise<void>((resolve, reject) => {
    parser.on('field', (name, value) => {
      fields[name] = value;
      (lists[name] ??= []).push(value);
    });
    parser.on('file', (name, stream, info) => {
      if (name !== fileField) {
        stream.resume();
        reject(new AppError(400, 'invalid_request', `Unexpected file field "${name}"; send the audio in a field named "${fileField}"`));
        return;
      }
      filePromise = onFile(stream, { mimeType: info.mimeType, filename: info.filename ?? '' });
      // Surface storage errors (e.g. too large) without waiting for the rest of the body.
      filePromise.catch((err) => {
        stream.resume();
        reject(err);
      });
    });
    parser.on('filesLimit', () => reject(new AppError(400, 'invalid_request', 'Send exactly one audio file')));
    parser.on('error', (err) => reject(new AppError(400, 'invalid_request', `Malformed multipart request: ${(err as Error).message}`)));
    parser.on('close', () => resolve());
  });
  Readable.fromWeb(request.body as WebReadableStream<Uint8Array>).pipe(parser);
  await done;
  return { fields, lists, ...(filePromise ? { file: await filePromise } : {}) };
}
