/**
 * `npm run record-histories`: runs one workflow of each type through the real stack (a fresh dev server, PostgreSQL,
 * the emulator) and saves their event histories to test/fixtures/histories/<type>-<date>.binpb. The replay test
 * replays every file there against the current workflow code, so commit them when a workflow changes: the old files
 * keep guarding the workflows that were started by earlier versions. `npm run record-histories -- data-retention`
 * records only the named ones.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import proto from '@temporalio/proto';
import { findTemporalCli, INSTALL_CLI_HINT } from '../src/temporal/cli-path.js';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/runtime/free-port.js';
import { liveSessionWorkflowId } from '../src/temporal/live-ids.js';
import { liveEnv, openRawLive, sendAudio, startTestStreamingWorker } from '../test/helpers/live.js';
import { startMediaServer } from '../test/helpers/media-server.js';
import { AUDIO_DIR, FIXTURES } from '../test/helpers/paths.js';
import { startSharedParts } from '../test/helpers/shared-parts.js';
import { postJson, startStack, waitForJob } from '../test/helpers/stack.js';
import { startWebhookReceiver } from '../test/helpers/webhook-receiver.js';
import { readFileSync } from 'node:fs';
import type { RetentionRequest } from '../src/domain/retention.js';

const log = (m: string) => process.stderr.write(`record-histories: ${m}\n`);
const cli = await findTemporalCli(process.env.TEMPORAL_CLI_PATH, process.env.PATH);
if (!cli) throw new Error(INSTALL_CLI_HINT);
const server = await startTemporalDevServer({ cliPath: cli, port: await freePort(), uiPort: 0, headless: true, namespace: 'default' });
process.env.TEMPORAL_TEST_ADDRESS = server.address;
const shared = await startSharedParts();
const media = await startMediaServer(AUDIO_DIR);
const receiver = await startWebhookReceiver();
const audio = readFileSync(path.join(AUDIO_DIR, 'testing-websocket.wav'));
shared.parts.emulator.registerTranscript(audio, 'testing one two three');
const env = liveEnv(shared.parts);
const stack = await startStack(shared.parts, { env });
const streaming = (await startTestStreamingWorker(shared.parts, env)).worker;
const date = new Date().toISOString().slice(0, 10);
const out = path.join(FIXTURES, 'histories');
await mkdir(out, { recursive: true });

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

async function save(name: string, workflowId: string): Promise<void> {
  if (!wanted(name)) return;
  const history = await shared.parts.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const file = path.join(out, `${name}-${date}.binpb`);
  await writeFile(file, proto.temporal.api.history.v1.History.encode(history).finish());
  log(`${file} (${history.events?.length} events)`);
}

try {
  if (wanted('data-retention')) {
    log('a data retention run ...');
    const request: RetentionRequest = { retentionDays: 30, batchSize: 500, orphanGraceMs: 3_600_000 };
    const workflowId = `record-data-retention-${Date.now()}`;
    await shared.parts.temporal.client.workflow.execute('dataRetention', { taskQueue: stack.config.temporal.taskQueue, workflowId, args: [request] });
    await save('data-retention', workflowId);
  }
  log('a sync job with a webhook, and an async job ...');
  const sync = await postJson(stack.url('/v1/transcriptions'), { url: media.file('testing-websocket.wav'), mode: 'sync', webhook_url: receiver.url });
  const later = await postJson(stack.url('/v1/transcriptions'), { url: media.file('testing-websocket.wav'), mode: 'async' });
  await waitForJob(stack, later.body.id);
  while (!receiver.received.some((r) => r.body?.id === sync.body.id)) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1_000));
  await save('transcription-sync', sync.body.id);
  await save('transcription-async', later.body.id);
  const delivery = receiver.received.find((r) => r.body?.id === sync.body.id)!;
  await save('webhook-delivery', `${sync.body.id}-${delivery.headers['webhook-id']}`);

  if (wanted('transcription-batch')) {
    log('a batch of two jobs (one with a webhook) ...');
    const batch = await postJson(stack.url('/v1/transcriptions/batch'), {
      items: [{ url: media.file('testing-websocket.wav'), mode: 'async' }, { url: media.file('testing-websocket.wav'), webhook_url: receiver.url, duration_hint: 4.7 }],
    });
    for (const item of batch.body.items) await waitForJob(stack, item.job.id);
    await shared.parts.temporal.client.workflow.getHandle(`batch-${batch.body.batch_id}`).result();
    await save('transcription-batch', `batch-${batch.body.batch_id}`);
  }

  log('a live session ...');
  const live = await openRawLive(`${streaming.url}/v1/listen?model=nova-2&encoding=linear16&sample_rate=16000`);
  await sendAudio((c) => live.ws.send(c), audio.subarray(44), 3200, 0);
  live.ws.send(JSON.stringify({ type: 'CloseStream' }));
  const metadata = await live.waitFor((m) => m.type === 'Metadata');
  await live.closed;
  const sessionId = metadata.request_id as string;
  const handle = shared.parts.temporal.client.workflow.getHandle(liveSessionWorkflowId(sessionId));
  await handle.result();
  await save('live-session', liveSessionWorkflowId(sessionId));
} finally {
  await streaming.stop();
  await stack.stop();
  await receiver.close();
  await media.close();
  await shared.stop();
  await server.stop();
}
process.exit(0);
