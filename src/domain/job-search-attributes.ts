import type { JobStatus, ResolvedMode } from './transcription.js';

/**
 * The search attributes the Temporal UI filters jobs by, as keys workflow code and clients share (registered by the
 * dev server launcher, or at start-up by src/temporal/search-attributes.ts).
 */
export const JOB_STATUS_KEY = { name: 'JobStatus', type: 'KEYWORD' } as const;
export const JOB_MODE_KEY = { name: 'JobMode', type: 'KEYWORD' } as const;
export const TENANT_KEY = { name: 'Tenant', type: 'KEYWORD' } as const;

/**
 * A job's attributes as workflows of the `transcription` type (started before 2026-12-05) and stream jobs keep them:
 * its status, its tenant, and its route once known.
 */
export function jobSearchAttributes(status: JobStatus, tenantName: string, mode: ResolvedMode | null) {
  return [{ key: JOB_STATUS_KEY, value: status }, { key: TENANT_KEY, value: tenantName }, ...(mode ? [{ key: JOB_MODE_KEY, value: mode }] : [])];
}

/**
 * A file job's attributes (`transcriptionJob` workflows): its tenant, and its route once known. Its status is the
 * workflow's own (ExecutionStatus: Running, Completed, Failed, Canceled), so no JobStatus is written for it.
 */
export function fileJobSearchAttributes(tenantName: string, mode: ResolvedMode | null) {
  return [{ key: TENANT_KEY, value: tenantName }, ...(mode ? [{ key: JOB_MODE_KEY, value: mode }] : [])];
}
