import type { Context } from 'hono';
import { AppError } from '../domain/errors.js';

/** Reads a JSON body, turning a wrong content type or malformed JSON into a clear 4xx. */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError(415, 'unsupported_media_type', 'Send the request as JSON with Content-Type: application/json');
  }
  const text = await c.req.text();
  if (text.trim() === '') throw new AppError(400, 'invalid_json', 'The request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError(400, 'invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
  }
}
