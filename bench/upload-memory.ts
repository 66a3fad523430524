import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { freePort } from '../src/runtime/free-port.js';
import { createTestDatabase } from '../test/helpers/database.js';
import { startS3Server } from '../test/helpers/s3-server.js';
import { TEST_PAYLOAD_KEYS_ENV } from '../test/helpers/payload-keys.js';
import { startDeepgramSink } from './deepgram-sink.js';
import { rssBytes, spawnEntry, stopChild } from './processes.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface UploadMemoryResult {
  store: 'postgres' | 'filesystem' | 's3';
  scenario: string;
  uploads: number;
  bytesEach: number;
  seconds: number;
  /** RSS before the uploads and the highest seen while they were accepted and transcribed, per process. */
  api: { baselineMiB: number; peakMiB: number };
  worker: { baselineMiB: number; peakMiB: number };
  /** Every upload reached Deepgram whole: same length and sha256 as sent. */
  intact: boolean;
}

/** A 16 kHz 16-bit mono WAV of `dataBytes` bytes of noise, generated as it is sent; its sha256 comes out at the end. */
function wavStream(dataBytes: number, digest: { sha256?: string }): Readable {
  const block = randomBytes(MiB);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16_000, 24);
  header.writeUInt32LE(32_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  async function* pieces(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    hash.update(header);
    yield header;
    for (let sent = 0; sent < dataBytes; ) {
      const piece = block.subarray(0, Math.min(256 * 1024, dataBytes - sent));
      hash.update(piece);
      sent += piece.length;
      yield piece;
    }
    digest.sha256 = hash.digest('hex');
  }
  return Readable.from(pieces(), { objectMode: false, highWaterMark: 256 * 1024 });
}

/** POSTs a generated WAV as an async job, streaming it; resolves with the job id. */
async function submitUpload(apiUrl: string, dataBytes: number, digest: { sha256?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${apiUrl}/v1/transcriptions?mode=async`, { method: 'POST', headers: { 'content-type': 'audio/wav', 'content-length': String(44 + dataBytes) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        if (res.statusCode !== 202) return reject(new Error(`upload answered ${res.statusCode}: ${text}`));
        resolve((JSON.parse(text) as { id: string }).id);
      });
    });
    req.on('error', reject);
    pipeline(wavStream(dataBytes, digest), req).catch(reject);
  });
}

async function waitForJob(apiUrl: string, id: string): Promise<void> {
  for (;;) {
    const job = (await (await fetch(`${apiUrl}/v1/transcriptions/${id}`)).json()) as { status: string; error?: unknown };
    if (job.status === 'completed') return;
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`job ${id} ${job.status}: ${JSON.stringify(job.error)}`);
    await sleep(500);
  }
}

/**
 * Uploads large files through the API (its own process) as async jobs that the batch worker (its own process) sends
 * to a Deepgram stand-in, sampling both processes' RSS every 100 ms: once a single upload, once several at a time.
 */
export async function benchUploadMemory(
  temporalAddress: string,
  options: { store: 'postgres' | 'filesystem' | 's3'; singleBytes: number; concurrent: number; concurrentBytes: number },
  log: (m: string) => void,
): Promise<UploadMemoryResult[]> {
  const database = await createTestDatabase();
  const sink = await startDeepgramSink();
  const blobDir = await mkdtemp(path.join(tmpdir(), 'dtp-bench-blobs-'));
  // BLOB_STORE=s3 against moto's S3-protocol server (from `npm run setup`), on this machine.
  const s3 = options.store === 's3' ? await startS3Server('bench-audio') : undefined;
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const env = {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `bench-memory-${randomBytes(4).toString('hex')}`,
    DEEPGRAM_API_URL: sink.url,
    DEEPGRAM_API_KEY: 'bench-key',
    BLOB_STORE: options.store,
    BLOB_DIR: blobDir,
    MAX_UPLOAD_BYTES: String(Math.max(options.singleBytes, options.concurrentBytes) + MiB),
    RATE_LIMIT_PER_MINUTE: '0',
    PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_ENV,
    METRICS_PORT: String(await freePort()),
    TEMPORAL_SDK_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    ...(s3?.env ?? {}),
  };
  const worker = await spawnEntry('src/main/worker.ts', { ...env, LOG_LEVEL: 'info' }, 'batch worker running');
  const api = await spawnEntry('src/main/api.ts', { ...env, LOG_LEVEL: 'info' }, 'API listening');
  const results: UploadMemoryResult[] = [];
  try {
    // Warm-up: one small job through every path, so the baseline includes loaded code and open connections.
    await waitForJob(apiUrl, await submitUpload(apiUrl, 4 * MiB, {}));

    const run = async (scenario: string, uploads: number, bytesEach: number): Promise<void> => {
      await sleep(1_000);
      const baseline = { api: rssBytes(api.pid!), worker: rssBytes(worker.pid!) };
      const peak = { ...baseline };
      const sampler = setInterval(() => {
        peak.api = Math.max(peak.api, rssBytes(api.pid!));
        peak.worker = Math.max(peak.worker, rssBytes(worker.pid!));
      }, 100);
      const before = sink.received.length;
      const progress = setInterval(
        () => log(`${options.store}, ${scenario}: Deepgram has received ${sink.received.length - before}/${uploads}; RSS api ${(peak.api / MiB).toFixed(0)} MiB, worker ${(peak.worker / MiB).toFixed(0)} MiB (peaks)`),
        5_000,
      );
      const started = performance.now();
      try {
        const digests = Array.from({ length: uploads }, () => ({}) as { sha256?: string });
        await Promise.all(digests.map(async (digest) => waitForJob(apiUrl, await submitUpload(apiUrl, bytesEach, digest))));
        const seconds = (performance.now() - started) / 1000;
        const arrived = sink.received.slice(before);
        const intact = arrived.length === uploads && digests.every((d) => arrived.some((r) => r.sha256 === d.sha256 && r.bytes === 44 + bytesEach));
        results.push({
          store: options.store,
          scenario,
          uploads,
          bytesEach,
          seconds,
          api: { baselineMiB: baseline.api / MiB, peakMiB: peak.api / MiB },
          worker: { baselineMiB: baseline.worker / MiB, peakMiB: peak.worker / MiB },
          intact,
        });
      } finally {
        clearInterval(sampler);
        clearInterval(progress);
      }
    };
    log(`${options.store}: one upload of ${options.singleBytes / MiB} MiB ...`);
    await run('one upload', 1, options.singleBytes);
    log(`${options.store}: ${options.concurrent} concurrent uploads of ${options.concurrentBytes / MiB} MiB ...`);
    await run(`${options.concurrent} at once`, options.concurrent, options.concurrentBytes);
  } finally {
    await stopChild(api);
    await stopChild(worker);
    await sink.close();
    await s3?.stop();
    await database.drop();
    await rm(blobDir, { recursive: true, force: true });
  }
  return results;
}
