import { Hono } from 'hono';
import { AppError } from '../../domain/errors.js';
import { FINAL_STATUSES } from '../../domain/transcription.js';
import { modelLabel } from '../../domain/model-label.js';
import type { BatchItemResult } from '../../services/batch-submission.js';
import { deletedJob } from '../../services/job-lifecycle.js';
import type { AppDeps, AppEnv } from '../app-env.js';
import { jobView } from '../job-view.js';
import { readJson } from '../read-json.js';
import { parseBatchRequest } from '../validation/batch-request.js';

/**
 * `POST /v1/transcriptions/batch`: up to 1,000 jobs in one request, answered 207 item by item, each item with the
 * status its request alone would have got (202 accepted, 200 a replay of a finished job, 4xx refused).
 */
export function transcriptionBatchRoutes(deps: AppDeps) {
  const itemView = (index: number, item: BatchItemResult) => {
    if (item.outcome === 'refused') return { index, status: item.error.status, ...item.error.toJSON() };
    if (item.job.status === 'deleted') return { index, status: 410, replayed: true, ...deletedJob(item.job.id).toJSON() };
    const job = jobView({ job: item.job }, { self: `/v1/transcriptions/${item.job.id}`, temporalUi: deps.temporalUiLink?.(item.job.id) });
    const status = item.outcome === 'replayed' && FINAL_STATUSES.includes(item.job.status) ? 200 : 202;
    return { index, status, ...(item.outcome === 'replayed' ? { replayed: true } : {}), job };
  };

  return new Hono<AppEnv>()
    .post('/', async (c) => {
      const items = parseBatchRequest(await readJson(c));
      const result = await deps.service.submitBatch(c.get('caller'), items);
      const answered = result.items.map((item, index) => itemView(index, item));
      const count = (outcome: BatchItemResult['outcome']) => result.items.filter((i) => i.outcome === outcome).length;
      for (const item of result.items) {
        if (item.outcome === 'accepted') deps.metrics.transcriptionRequests.inc({ status: 'accepted', model: modelLabel(item.job.options.model), region: deps.region });
      }
      deps.logger.info({ batchId: result.batchId, accepted: count('accepted'), replayed: count('replayed'), refused: count('refused') }, 'transcription batch submitted');
      return c.json({ batch_id: result.batchId, accepted: count('accepted'), replayed: count('replayed'), refused: count('refused'), items: answered }, 207);
    })
    .on(['GET', 'PUT', 'PATCH', 'DELETE'], '/', (c) => {
      // Without this, GET and DELETE would reach `/v1/transcriptions/:id` with the id "batch".
      c.header('Allow', 'POST');
      throw new AppError(405, 'method_not_allowed', `${c.req.path} accepts POST, not ${c.req.method}`);
    });
}
