/**
 * The throughput benchmark's client, in a process of its own so that its CPU is not counted as the platform's: it
 * hosts the audio (the media server Deepgram fetches from, like a user's storage) and submits the jobs once told to.
 * Prints `ready <audio URL>` once the audio is served (with no BENCH_CLIENT_JOBS it only serves it); on `go` (stdin) submits BENCH_CLIENT_JOBS jobs to BENCH_CLIENT_API_URL,
 * 16 in flight one by one, or in batch requests of BENCH_CLIENT_BATCH_SIZE; then prints `done {json}`.
 * Progress goes to stderr.
 */
import { createInterface } from 'node:readline';
import { startMediaServer } from '../test/helpers/media-server.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';

const apiUrl = process.env.BENCH_CLIENT_API_URL!;
const jobs = Number(process.env.BENCH_CLIENT_JOBS);
const batchSize = Number(process.env.BENCH_CLIENT_BATCH_SIZE ?? 0);
const label = process.env.BENCH_CLIENT_LABEL ?? 'throughput';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`  … ${label}: ${m}\n`);

const media = await startMediaServer(AUDIO_DIR);
// Deepgram (the stand-in) fetches the audio until every job is done: served until the bench stops this process.
process.on('SIGTERM', () => void media.close().then(() => process.exit(0)));
const url = media.file('testing-websocket.wav');
const item = { url, mode: 'async', duration_hint: 4.7 };
let throttled = 0;

/** One job, one request; a 429 waits its Retry-After and is sent again. */
async function submit(): Promise<void> {
  for (;;) {
    const res = await fetch(`${apiUrl}/v1/transcriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item) });
    if (res.status === 202) return void (await res.arrayBuffer());
    if (res.status !== 429) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    throttled++;
    await res.arrayBuffer();
    await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
  }
}

async function submitAll(): Promise<void> {
  if (batchSize > 0) {
    // Batches one after another, each answered once its jobs are stored and handed to Temporal.
    for (let sent = 0; sent < jobs; sent += batchSize) {
      const items = Array.from({ length: Math.min(batchSize, jobs - sent) }, () => item);
      const res = await fetch(`${apiUrl}/v1/transcriptions/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
      const body = (await res.json()) as { accepted?: number };
      if (res.status !== 207 || body.accepted !== items.length) throw new Error(`batch answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
      log(`submitted ${sent + items.length}/${jobs}`);
    }
    return;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < jobs) {
        const n = ++next;
        await submit();
        if (n % 250 === 0) log(`submitted ${n}/${jobs}`);
      }
    }),
  );
}

process.stdout.write(`ready ${url}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (!jobs) continue;
  if (line.trim() !== 'go') continue;
  const started = performance.now();
  await submitAll();
  process.stdout.write(`done ${JSON.stringify({ submitSeconds: (performance.now() - started) / 1000, throttled })}\n`);
  break;
}
