import { readFile } from 'node:fs/promises';
import { TEST_PAYLOAD_KEYS_ENV } from '../test/helpers/payload-keys.js';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { startDeepgramEmulator } from '../src/emulator/index.js';
import { createLogger } from '../src/observability/logger.js';
import { startStreamingWorker } from '../src/runtime/streaming-worker.js';
import { createTemporalClient } from '../src/temporal/client.js';
import { createTestDatabase } from '../test/helpers/database.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';
import { TimedStream } from './live-stream-client.js';
import { summarize } from './stats.js';

const KEY = 'bench-key';
const QUERY = 'model=nova-3&encoding=linear16&sample_rate=16000&interim_results=true';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Streams the whole file once, one 100 ms chunk every `paceMs`, and returns the stream's latencies. */
async function streamOnce(url: string, pcm: Buffer, paceMs: number, headers?: Record<string, string>): Promise<number[]> {
  const stream = new TimedStream(url, pcm, headers);
  await stream.open();
  stream.recording = true;
  const chunks = Math.floor(pcm.length / 3_200);
  for (let i = 0; i < chunks; i++) {
    stream.sendNext();
    await sleep(paceMs);
  }
  await stream.close();
  if (stream.unexpectedClose) throw new Error(`stream closed with ${stream.unexpectedClose.code} ${stream.unexpectedClose.reason}`);
  return stream.latencies;
}

/**
 * Per-message latency of live results through the streaming worker (client → gateway → relay activity → SDK →
 * emulator and back) against the same stream sent straight to the emulator.
 */
export async function benchLiveLatency(temporalAddress: string, runs: number, log: (m: string) => void) {
  const emulator = await startDeepgramEmulator({ apiKey: KEY });
  const database = await createTestDatabase();
  const pcm = (await readFile(path.join(AUDIO_DIR, 'preamble-16k.wav'))).subarray(44);
  const config = loadConfig({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporalAddress, LIVE_TASK_QUEUE: 'bench-live-latency', STREAMING_PORT: '0', LOG_LEVEL: 'silent', PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_ENV });
  const temporal = await createTemporalClient({ address: temporalAddress, namespace: config.temporal.namespace, payloadKeys: config.temporal.payloadKeys });
  log('starting a streaming worker ...');
  const worker = await startStreamingWorker({
    live: config.live,
    host: '127.0.0.1',
    db: database.db,
    temporal: temporal.client,
    temporalAddress,
    namespace: config.temporal.namespace,
    payloadKeys: config.temporal.payloadKeys,
    deepgram: { apiUrls: [emulator.url], apiKey: KEY },
    logger: createLogger({ level: 'silent' }),
  });
  const relay: number[] = [];
  const direct: number[] = [];
  try {
    // 4x real time: fast enough for a short benchmark, slow enough that nothing queues on either path.
    for (let i = 0; i < runs; i++) {
      log(`live latency run ${i + 1}/${runs} ...`);
      direct.push(...(await streamOnce(`${emulator.url.replace(/^http/, 'ws')}/v1/listen?${QUERY}`, pcm, 25, { Authorization: `Token ${KEY}` })));
      relay.push(...(await streamOnce(`${worker.url}/v1/listen?${QUERY}`, pcm, 25)));
    }
  } finally {
    await worker.stop();
    await temporal.close();
    await database.drop();
    await emulator.close();
  }
  return { relay: summarize(relay), direct: summarize(direct) };
}
