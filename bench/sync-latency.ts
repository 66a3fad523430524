import { readFile } from 'node:fs/promises';
import { TEST_PAYLOAD_KEYS_ENV } from '../test/helpers/payload-keys.js';
import path from 'node:path';
import { DeepgramClient } from '@deepgram/sdk';
import { loadConfig } from '../src/config.js';
import { startDeepgramEmulator } from '../src/emulator/index.js';
import { createLogger } from '../src/observability/logger.js';
import { startApiServer } from '../src/runtime/api-server.js';
import { startBatchWorker } from '../src/runtime/batch-worker.js';
import { createTemporalClient } from '../src/temporal/client.js';
import { createTestDatabase } from '../test/helpers/database.js';
import { startMediaServer } from '../test/helpers/media-server.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';
import { stopInOrder, summarize } from './stats.js';

const KEY = 'bench-key';

/**
 * Sync transcription latency through the whole platform (HTTP → Temporal workflow → activity →
 * SDK → emulator → PostgreSQL → HTTP) against the same request made straight to the emulator with the SDK. With
 * `shareWorkerConnection` the API's client shares the worker's connection as under `npm start` (eager workflow start).
 */
export async function benchSyncLatency(temporalAddress: string, iterations: number, log: (m: string) => void, options: { shareWorkerConnection: boolean } = { shareWorkerConnection: false }) {
  const emulator = await startDeepgramEmulator({ apiKey: KEY });
  const media = await startMediaServer(AUDIO_DIR);
  const database = await createTestDatabase();
  const audioFile = 'preamble-rest.wav';
  emulator.registerTranscript(await readFile(path.join(AUDIO_DIR, audioFile)), 'We, the people of the United States');
  const url = media.file(audioFile);

  const config = loadConfig({
    PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_ENV,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: 'bench-sync',
    DEEPGRAM_API_URL: emulator.url,
    DEEPGRAM_API_KEY: KEY,
    ALLOW_PRIVATE_URLS: 'true',
    LOG_LEVEL: 'silent',
  });
  const logger = createLogger({ level: 'silent' });
  log('starting worker and API ...');
  const worker = await startBatchWorker({ config, temporalAddress, db: database.db, deepgram: { apiUrls: [emulator.url], apiKey: KEY } });
  // npm start's layout shares the worker's connection (eager workflow start); separate processes cannot.
  const temporal = await createTemporalClient({
    address: temporalAddress,
    namespace: config.temporal.namespace,
    payloadKeys: config.temporal.payloadKeys,
    ...(options.shareWorkerConnection ? { workerConnection: worker.connection } : {}),
  });
  const api = await startApiServer({ config, db: database.db, temporal: temporal.client, eagerWorkflowStart: temporal.eagerStart, logger });
  const sdk = new DeepgramClient({ apiKey: KEY, baseUrl: emulator.url, maxRetries: 0 });

  const viaPlatform = async () => {
    const res = await fetch(`${api.url}/v1/transcriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url, mode: 'sync', options: { model: 'nova-3' } }),
    });
    if (res.status !== 200) throw new Error(`platform answered ${res.status}: ${await res.text()}`);
    await res.json();
  };
  const direct = async () => {
    await sdk.listen.v1.media.transcribeUrl({ url, model: 'nova-3' }, { maxRetries: 0 });
  };

  const time = async (fn: () => Promise<void>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  try {
    for (let i = 0; i < 5; i++) {
      await viaPlatform();
      await direct();
    }
    const platform: number[] = [];
    const straight: number[] = [];
    for (let i = 0; i < iterations; i++) {
      // Interleaved so both see the same machine conditions.
      platform.push(await time(viaPlatform));
      straight.push(await time(direct));
      if ((i + 1) % 10 === 0) log(`sync latency: ${i + 1}/${iterations}`);
    }
    return { platform: summarize(platform), direct: summarize(straight) };
  } finally {
    await stopInOrder(api, temporal, worker, database, media, emulator);
  }
}
