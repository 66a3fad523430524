import type { Db } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import { createMemoryRateLimitStore } from './memory-store.js';
import { createPostgresRateLimitStore } from './postgres-store.js';
import type { RateLimitStore } from './rate-limit-store.js';

export type { RateDecision, RateLimitStore } from './rate-limit-store.js';

/** RATE_LIMIT_STORE: `postgres` shares budgets across API replicas; `memory` keeps them per process. */
export function createRateLimitStore(kind: 'postgres' | 'memory', db: Db, logger?: Logger): RateLimitStore {
  return kind === 'postgres' ? createPostgresRateLimitStore(db, logger) : createMemoryRateLimitStore();
}
