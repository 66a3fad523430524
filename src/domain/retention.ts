/** What one retention run is asked to do (RETENTION_DAYS). */
export interface RetentionRequest {
  /** Null without RETENTION_DAYS: jobs and sessions are kept, only orphan uploads are swept. */
  retentionDays: number | null;
  /** Rows per table per batch: each batch is one short transaction. */
  batchSize: number;
  /** Uploads no job references are deleted once this old (a request is never this long between upload and job). */
  orphanGraceMs: number;
}

/** What one batch deleted. */
export interface RetentionBatch {
  jobs: number;
  liveSessions: number;
  uploads: number;
}
