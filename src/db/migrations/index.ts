import type { Migration, MigrationProvider } from 'kysely';
import * as createJobsAndTranscripts from './2026_11_25_100000_create_jobs_and_transcripts.js';
import * as addUploadsWebhooksIdempotency from './2026_11_25_110000_add_uploads_webhooks_idempotency.js';
import * as createLiveSessions from './2026_11_25_120000_create_live_sessions.js';
import * as indexOpenLiveSessions from './2026_11_25_130000_index_open_live_sessions.js';
import * as createDeepgramCallSlots from './2026_11_25_140000_create_deepgram_call_slots.js';
import * as createRateLimits from './2026_11_25_150000_create_rate_limits.js';
import * as addTenantsKeysAndUsage from './2026_12_02_100000_add_tenants_keys_and_usage.js';
import * as addLiveSessionDeletedAt from './2026_12_02_160000_add_live_session_deleted_at.js';
import * as addAcquireDeepgramCallSlot from './2026_12_03_100000_add_acquire_deepgram_call_slot.js';
import * as createJobChunks from './2026_12_03_200000_create_job_chunks.js';
import * as createAccessTokens from './2026_12_03_210000_create_access_tokens.js';
import * as addLiveRecordings from './2026_12_04_100000_add_live_recordings.js';

/**
 * Migrations in order. Listed statically (not read from a folder) so they work the same from
 * source under tsx, from a build, and inside tests.
 */
const migrations: Record<string, Migration> = {
  '2026_11_25_100000_create_jobs_and_transcripts': createJobsAndTranscripts,
  '2026_11_25_110000_add_uploads_webhooks_idempotency': addUploadsWebhooksIdempotency,
  '2026_11_25_120000_create_live_sessions': createLiveSessions,
  '2026_11_25_130000_index_open_live_sessions': indexOpenLiveSessions,
  '2026_11_25_140000_create_deepgram_call_slots': createDeepgramCallSlots,
  '2026_11_25_150000_create_rate_limits': createRateLimits,
  '2026_12_02_100000_add_tenants_keys_and_usage': addTenantsKeysAndUsage,
  '2026_12_02_160000_add_live_session_deleted_at': addLiveSessionDeletedAt,
  '2026_12_03_100000_add_acquire_deepgram_call_slot': addAcquireDeepgramCallSlot,
  '2026_12_03_200000_create_job_chunks': createJobChunks,
  '2026_12_03_210000_create_access_tokens': createAccessTokens,
  '2026_12_04_100000_add_live_recordings': addLiveRecordings,
};

export const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };
