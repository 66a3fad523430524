import { Hono } from 'hono';
import { AppError } from '../../domain/errors.js';
import type { JobWithTranscript } from '../../services/transcriptions.service.js';
import type { AppDeps, AppEnv } from '../app-env.js';
import { failedJobStatus, jobView } from '../job-view.js';
import { readJson } from '../read-json.js';
import { parseCreateTranscription } from '../validation/transcription-request.js';

export function transcriptionRoutes(deps: AppDeps) {
  const view = (loaded: JobWithTranscript) =>
    jobView(loaded, { self: `/v1/transcriptions/${loaded.job.id}`, temporalUi: deps.temporalUiLink?.(loaded.job.id) });

  return new Hono<AppEnv>()
    .post('/', async (c) => {
      const request = parseCreateTranscription(await readJson(c));
      const startedAt = performance.now();
      const result = await deps.service.submit(request);
      const body = view(result);
      const model = typeof request.options.model === 'string' ? request.options.model : 'default';
      const outcome = result.finished ? result.job.status : 'accepted';
      deps.metrics.transcriptionRequests.inc({ status: outcome, model, region: deps.region });
      if (result.finished && result.job.status === 'completed') {
        deps.metrics.transcriptionLatency.observe({ model }, (performance.now() - startedAt) / 1000);
      }
      deps.logger.info({ jobId: result.job.id, workflowId: result.job.id, status: result.job.status, mode: body.mode }, 'transcription submitted');
      if (!result.finished) {
        c.header('Location', body.links.self);
        return c.json(body, 202);
      }
      if (result.job.status === 'failed') return c.json(body, failedJobStatus(result.job.error));
      return c.json(body, 200);
    })
    .get('/:id', async (c) => {
      const loaded = await deps.service.get(c.req.param('id'));
      if (!loaded) throw new AppError(404, 'not_found', `No transcription with id ${c.req.param('id')}`);
      return c.json(view(loaded), 200);
    });
}
