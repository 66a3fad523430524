import { startDeepgramEmulator } from '../src/emulator/index.js';
import { startMediaServer } from '../test/helpers/media-server.js';
import { AUDIO_DIR } from '../test/helpers/paths.js';
import { startInProcessPlatform } from './in-process-platform.js';
import { stopInOrder, summarize } from './stats.js';

const KEY = 'bench-key';
const BIG = 'bench-big-tenant-0123456789';
const SMALL = 'bench-small-tenant-0123456789';

export interface FairShareResult {
  /** Seconds from each of the small tenant's submissions to its completion. */
  small: ReturnType<typeof summarize> & { max: number };
  /** The big tenant's jobs not yet finished when the small tenant submitted, and when its last job finished. */
  bigBacklogAtSubmit: number;
  bigBacklogWhenSmallDone: number;
  /** Seconds from the first submission to the big tenant's last completion. */
  makespanSeconds: number;
  submitSeconds: number;
}

/**
 * Tenant "big" submits `bigJobs` async jobs through the API, then tenant "small" submits `smallJobs`; Deepgram (the
 * emulator) answers each call in `latencyMs` under a cap of `cap` concurrent calls. Measures how long small's jobs
 * take while big's backlog drains.
 */
export async function benchFairShare(
  temporalAddress: string,
  options: { bigJobs: number; smallJobs: number; cap: number; latencyMs: number; label: string },
  log: (m: string) => void,
): Promise<FairShareResult> {
  const emulator = await startDeepgramEmulator({ apiKey: KEY });
  emulator.injectFault({ latencyMs: options.latencyMs, times: Infinity });
  const media = await startMediaServer(AUDIO_DIR);
  const platform = await startInProcessPlatform({
    temporalAddress,
    deepgramUrl: emulator.url,
    deepgramKey: KEY,
    taskQueue: `bench-fair-${options.label}`,
    env: {
      DEEPGRAM_MAX_CONCURRENT: String(options.cap),
      // Deepgram limits concurrency, not request rate: only the cap applies here.
      DEEPGRAM_MAX_REQUESTS_PER_MINUTE: '600000',
      RATE_LIMIT_PER_MINUTE: '0',
      API_KEYS: `big:${BIG},small:${SMALL}`,
    },
  });
  const url = media.file('testing-websocket.wav');
  const submit = async (key: string) => {
    const res = await fetch(`${platform.apiUrl}/v1/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Token ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url, mode: 'async', duration_hint: 4.7 }),
    });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };
  const unfinished = async (tenant: string) => {
    const row = await platform.db
      .selectFrom('jobs')
      .innerJoin('tenants', 'tenants.id', 'jobs.tenant_id')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenants.name', '=', tenant)
      .where('jobs.status', 'in', ['queued', 'processing'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  try {
    const started = performance.now();
    let next = 0;
    let submitted = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < options.bigJobs) {
          next++;
          await submit(BIG);
          if (++submitted % 250 === 0) log(`fair share (${options.label}): big submitted ${submitted}/${options.bigJobs}`);
        }
      }),
    );
    const submitSeconds = (performance.now() - started) / 1000;
    const bigBacklogAtSubmit = await unfinished('big');
    const small = await Promise.all(Array.from({ length: options.smallJobs }, async () => ({ id: await submit(SMALL), at: performance.now() })));
    const took: number[] = [];
    await Promise.all(
      small.map(async ({ id, at }) => {
        while (true) {
          const res = await fetch(`${platform.apiUrl}/v1/transcriptions/${id}`, { headers: { authorization: `Token ${SMALL}` } });
          const status = ((await res.json()) as { status: string }).status;
          if (status === 'completed' || status === 'failed') return took.push((performance.now() - at) / 1000);
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    const bigBacklogWhenSmallDone = await unfinished('big');
    log(`fair share (${options.label}): small done; big has ${bigBacklogWhenSmallDone} left`);
    while ((await unfinished('big')) > 0) await new Promise((r) => setTimeout(r, 250));
    const makespanSeconds = (performance.now() - started) / 1000;
    return { small: { ...summarize(took), max: Math.max(...took) }, bigBacklogAtSubmit, bigBacklogWhenSmallDone, makespanSeconds, submitSeconds };
  } finally {
    await stopInOrder(platform, media, emulator);
  }
}
