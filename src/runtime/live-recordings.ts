import type { Client } from '@temporalio/client';
import { createBlobStore } from '../adapters/blob-store/index.js';
import { outboundHttpFor } from '../adapters/outbound/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { createLiveRecordings, type LiveRecordings } from '../services/live-recordings.service.js';
import { createTranscriptionService } from '../services/transcriptions.service.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';
import { transcriptionSettings } from './service-settings.js';

/**
 * What a streaming worker needs to keep recordings and start their re-passes: the deployment's blob store, and the
 * job API's own submission (a re-pass is a job like any other: same checks, budget, workflow).
 */
export async function liveRecordingsFor(config: Config, deps: { db: Db; temporal: Client }): Promise<LiveRecordings> {
  const blobs = createBlobStore(deps.db, config.uploads);
  const transcriptions = createTranscriptionService({
    settings: transcriptionSettings(config),
    db: deps.db,
    temporal: deps.temporal,
    blobs,
    searchAttributes: await ensureSearchAttributes(deps.temporal, config.temporal.namespace),
    outbound: outboundHttpFor(config.urls),
  });
  return createLiveRecordings({ db: deps.db, blobs, submit: transcriptions.submit });
}
