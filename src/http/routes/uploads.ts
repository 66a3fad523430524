import { Hono, type Context } from 'hono';
import type { ResumableUploadsService } from '../../services/resumable-uploads.service.js';
import { AppError } from '../../domain/errors.js';
import type { AppEnv } from '../app-env.js';

/** Where the tus endpoint lives; upload URLs are `${UPLOADS_PATH}/<id>`. */
export const UPLOADS_PATH = '/v1/uploads';

/**
 * `/v1/uploads`: resumable uploads over the tus protocol (creation, HEAD for the offset, PATCH to resume, DELETE),
 * under the caller's tenant and MAX_UPLOAD_BYTES. A finished upload is transcribed with
 * `POST /v1/transcriptions {"upload_id": "<id>"}`.
 */
export function uploadRoutes(deps: { resumableUploads?: ResumableUploadsService }) {
  const app = new Hono<AppEnv>();
  const serve = (c: Context<AppEnv>) => {
    if (!deps.resumableUploads) throw new AppError(404, 'not_found', 'Resumable uploads are not enabled here');
    return deps.resumableUploads.handle(c.get('caller'), c.req.raw);
  };
  app.all('/', serve);
  app.all('/:id', serve);
  return app;
}
