import type { Migration, MigrationProvider } from 'kysely';
import * as createJobsAndTranscripts from './2026_11_25_100000_create_jobs_and_transcripts.js';

/**
 * Migrations in order. Listed statically (not read from a folder) so they work the same from
 * source under tsx, from a build, and inside tests.
 */
const migrations: Record<string, Migration> = {
  '2026_11_25_100000_create_jobs_and_transcripts': createJobsAndTranscripts,
};

export const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };
