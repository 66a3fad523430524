import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const BIG = 'tenant-big-secret-0123456789';
const SMALL = 'tenant-small-secret-0123456789';
const FINAL = ['completed', 'failed'];

/**
 * Fair share in front of a saturated Deepgram cap: Temporal's task-queue fairness, keyed by tenant, and priority
 * within a tenant. Asserted by order of completion, not by timings: a tenant's few jobs finish while another
 * tenant's backlog is still mostly waiting.
 */
// Two places for Deepgram calls, each taking 300 ms (injected below): a backlog builds at once.
describeWithStack(
  'fair share and priority under a saturated Deepgram cap',
  { media: true, stack: { env: { API_KEYS: `big:${BIG},small:${SMALL}`, DEEPGRAM_MAX_CONCURRENT: '2', DEEPGRAM_MAX_REQUESTS_PER_MINUTE: '60000' } } },
  (t) => {
  const submit = (key: string, body: Record<string, unknown> = {}) =>
    fetch(t.stack.url('/v1/transcriptions'), {
      method: 'POST',
      headers: { authorization: `Token ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: t.media.file('testing-websocket.wav'), mode: 'async', duration_hint: 4.7, ...body }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const statusOf = async (key: string, id: string) =>
    (await (await fetch(t.stack.url(`/v1/transcriptions/${id}`), { headers: { authorization: `Token ${key}` } })).json()) as any;
  const pendingOf = async (key: string, ids: string[]) => {
    let pending = 0;
    for (const id of ids) if (!FINAL.includes((await statusOf(key, id)).status)) pending++;
    return pending;
  };
  const untilAllDone = async (key: string, ids: string[], timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while ((await pendingOf(key, ids)) > 0) {
      if (Date.now() > deadline) throw new Error(`jobs still pending after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(() => t.parts.emulator.injectFault({ latencyMs: 300, times: Infinity }));

  test("one tenant's backlog does not starve another's few jobs; waiting jobs say queued, with their place", { timeout: 120_000 }, async () => {
    const big: string[] = [];
    for (let i = 0; i < 40; i++) big.push((await submit(BIG)).body.id);
    const waiting = await statusOf(BIG, big.at(-1)!);
    assert.equal(waiting.status, 'queued', 'held back by the cap, not yet processing');
    assert.ok(waiting.queue_position >= 1, `queue_position ${waiting.queue_position}`);

    const small: string[] = [];
    for (let i = 0; i < 3; i++) small.push((await submit(SMALL)).body.id);
    await untilAllDone(SMALL, small);
    const bigStillWaiting = await pendingOf(BIG, big);
    // First come, first served would finish all 40 of big's jobs first (about 6 s of Deepgram time at 2 × 300 ms).
    assert.ok(bigStillWaiting >= 15, `small's 3 jobs finished while ${bigStillWaiting} of big's 40 still waited`);
    await untilAllDone(BIG, big, 90_000);
  });

  test("within a tenant, priority 1 goes before a backlog of priority 5", { timeout: 120_000 }, async () => {
    const low: string[] = [];
    for (let i = 0; i < 30; i++) low.push((await submit(BIG, { priority: 5 })).body.id);
    const high: string[] = [];
    for (let i = 0; i < 2; i++) high.push((await submit(BIG, { priority: 1 })).body.id);
    assert.equal((await statusOf(BIG, high[0]!)).priority, 1);
    await untilAllDone(BIG, high);
    const lowStillWaiting = await pendingOf(BIG, low);
    assert.ok(lowStillWaiting >= 10, `the priority-1 jobs finished while ${lowStillWaiting} of 30 priority-5 jobs still waited`);
    await untilAllDone(BIG, low, 90_000);
  });
});
