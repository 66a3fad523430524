import type { ResumableUploads } from '../adapters/resumable-uploads/tus-uploads.js';
import type { Caller } from '../domain/tenancy.js';

/** The tus endpoint as the transport sees it: one request in, one response out, under the caller's tenant. */
export interface ResumableUploadsService {
  handle(caller: Caller, request: Request): Promise<Response>;
}

export function createResumableUploadsService(uploads: ResumableUploads): ResumableUploadsService {
  return { handle: (caller, request) => uploads.handle(request, caller.tenantId) };
}
