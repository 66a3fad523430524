import { Hono } from 'hono';
import { AppError } from '../../domain/errors.js';
import { modelLabel } from '../../domain/model-label.js';
import { JOB_STATUSES, type JobStatus } from '../../domain/transcription.js';
import type { JobWithTranscript } from '../../services/transcriptions.service.js';
import type { AppDeps, AppEnv } from '../app-env.js';
import { decodeCursor, encodeCursor, parseLimit } from '../cursor.js';
import { failedJobStatus, jobView } from '../job-view.js';
import { deletedJob } from '../../services/job-lifecycle.js';
import { readSubmission } from '../read-submission.js';
import { parseFormat, renderTranscript } from '../transcript-formats.js';

export function transcriptionRoutes(deps: AppDeps) {
  const view = (loaded: JobWithTranscript) =>
    jobView(loaded, { self: `/v1/transcriptions/${loaded.job.id}`, temporalUi: deps.temporalUiLink?.(loaded.job.id) });

  return new Hono<AppEnv>()
    .post('/', async (c) => {
      const submission = await readSubmission(c, deps.service);
      const result = submission.kind === 'stream' ? await deps.service.submitStream(c.get('caller'), submission.request) : await deps.service.submit(c.get('caller'), submission.request);
      // An Idempotency-Key replay of a job deleted since: the same answer as every other request naming it.
      if (result.replayed && result.job.status === 'deleted') throw deletedJob(result.job.id);
      const body = view(result);
      // The outcome and the latency are counted once, by the worker that finishes the job (sync or async alike).
      if (!result.replayed) deps.metrics.transcriptionRequests.inc({ status: 'accepted', model: modelLabel(submission.request.options.model), region: deps.region });
      deps.logger.info({ jobId: result.job.id, workflowId: result.job.id, status: result.job.status, mode: body.mode, replayed: result.replayed }, 'transcription submitted');
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      if (!result.finished) {
        c.header('Location', body.links.self);
        return c.json(body, 202);
      }
      if (result.job.status === 'failed') return c.json(body, failedJobStatus(result.job.error));
      return c.json(body, 200);
    })
    .get('/', async (c) => {
      const status = c.req.query('status');
      const mode = c.req.query('mode');
      const cursor = c.req.query('cursor');
      if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
        throw new AppError(400, 'invalid_request', `Query "status" must be one of ${JOB_STATUSES.join(', ')}`);
      }
      if (mode !== undefined && mode !== 'sync' && mode !== 'async') throw new AppError(400, 'invalid_mode', 'Query "mode" must be sync or async');
      const limit = parseLimit(c.req.query('limit'));
      const jobs = await deps.service.list(c.get('caller'), {
        limit: limit + 1,
        ...(status ? { status: status as JobStatus } : {}),
        ...(mode ? { mode } : {}),
        ...(cursor !== undefined ? { cursor: decodeCursor(cursor) } : {}),
      });
      const page = jobs.slice(0, limit);
      const last = page.at(-1);
      return c.json({ data: page.map((job) => view({ job })), next_cursor: jobs.length > limit && last ? encodeCursor(last.createdAt, last.id) : null }, 200);
    })
    .get('/:id', async (c) => {
      const format = parseFormat(c.req.query('format'));
      const loaded = await deps.service.get(c.get('caller'), c.req.param('id'));
      if (!loaded) throw new AppError(404, 'not_found', `No transcription with id ${c.req.param('id')}`);
      if (loaded.job.status === 'deleted') throw deletedJob(loaded.job.id);
      if (format === 'json') return c.json(view(loaded), 200);
      const rendered = renderTranscript(loaded, format);
      c.header('Content-Type', rendered.contentType);
      return c.body(rendered.body, 200);
    });
}
