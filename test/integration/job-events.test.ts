import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { longRecording, type LongRecording } from '../helpers/long-recording.js';

interface ProgressEvent {
  id: number;
  status: string;
  phase: string | null;
  percent?: number;
  eta_seconds?: number;
  chunks?: { total: number; completed: number };
  final: boolean;
}

/** Reads a server-sent event stream until it ends (or `stopAfter` events), parsing `id:`, `event:` and `data:`. */
async function readEvents(res: Response, stopAfter = Infinity): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (events.length < stopAfter) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
      if (fields.event === 'progress') events.push({ id: Number(fields.id), ...JSON.parse(fields.data!) });
    }
  }
  await reader.cancel().catch(() => undefined);
  return events;
}

/**
 * `GET /v1/transcriptions/:id/events`: a job's progress as server-sent events read from its workflow: phases, chunk
 * counts, percent and an ETA for a long file, resumable with Last-Event-ID, ending with the final state.
 */
describeWithStack(
  'progress events',
  // One Deepgram call at a time, each taking a while: a long file's chunks finish one by one, and a second job queues.
  { stack: { env: { CHUNK_THRESHOLD_SECONDS: '60', CHUNK_SECONDS: '25', DEEPGRAM_MAX_CONCURRENT: '1', API_KEYS: 'one:one-secret-0123456789abcdef,two:two-secret-0123456789abcdef' } } },
  (t) => {
    let long: LongRecording;
    const auth = (key = 'one-secret-0123456789abcdef') => ({ authorization: `Token ${key}` });
    before(async () => {
      long = await longRecording([t.audio('preamble-16k.wav'), t.audio('spacewalk.wav'), t.audio('Bueller-Life-moves-pretty-fast.wav')], { pauseSeconds: 1.5, minSeconds: 100 });
    });
    const submit = async (body: Buffer) => {
      const res = await fetch(t.stack.url('/v1/transcriptions?mode=async'), { method: 'POST', headers: { 'content-type': 'audio/wav', ...auth() }, body });
      assert.equal(res.status, 202, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    };
    const events = (id: string, headers: Record<string, string> = {}) => fetch(t.stack.url(`/v1/transcriptions/${id}/events`), { headers: { ...auth(), ...headers } });

    test('a long file: fetching, then chunk by chunk with percent and an ETA, then the final state, and the stream ends', async () => {
      t.parts.emulator.injectFault({ latencyMs: 600, times: Infinity });
      t.defer(() => t.parts.emulator.clearFaults());
      const id = await submit(long.wav);
      const res = await events(id);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const seen = await readEvents(res);
      t.parts.emulator.clearFaults();
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.id > seen[i - 1]!.id, 'ids only go up');
      const phases = seen.map((e) => e.phase);
      assert.ok(phases.includes('transcribing'), phases.join(', '));
      const counts = seen.filter((e) => e.chunks).map((e) => e.chunks!.completed);
      assert.ok(counts.length >= 3, `chunk counts seen: ${counts.join(', ')}`);
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!);
      const percents = seen.filter((e) => e.percent !== undefined).map((e) => e.percent!);
      assert.ok(percents.some((p) => p > 0 && p < 100), `percents: ${percents.join(', ')}`);
      assert.ok(seen.some((e) => typeof e.eta_seconds === 'number' && e.eta_seconds >= 0), 'an ETA once a chunk is done');
      const last = seen.at(-1)!;
      assert.deepEqual([last.status, last.final, last.percent], ['completed', true, 100]);
      assert.equal(last.chunks?.completed, last.chunks?.total);
    });

    test('a job waiting for the only Deepgram place is queued, then transcribing; Last-Event-ID resumes after what was seen', async () => {
      t.parts.emulator.injectFault({ latencyMs: 3_000 });
      const blocker = await submit(t.audio('preamble-16k.wav'));
      const waiting = await submit(t.audio('spacewalk.wav'));
      const firstLook = await readEvents(await events(waiting), 1);
      assert.equal(firstLook[0]!.phase, 'queued');
      assert.equal(firstLook[0]!.final, false);
      const resumed = await readEvents(await events(waiting, { 'last-event-id': String(firstLook[0]!.id) }));
      assert.ok(resumed.length >= 1);
      assert.ok(resumed.every((e) => e.id > firstLook[0]!.id), 'nothing seen before comes again');
      assert.equal(resumed.at(-1)!.status, 'completed');
      // A finished job: its final state at once, then the end.
      const done = await readEvents(await events(blocker));
      assert.equal(done.length, 1);
      assert.deepEqual([done[0]!.status, done[0]!.final], ['completed', true]);
    });

    test('another tenant’s job, or an unknown one, is a plain 404; a deleted one 410', async () => {
      const id = await submit(t.audio('preamble-16k.wav'));
      const other = await events(id, auth('two-secret-0123456789abcdef'));
      assert.equal(other.status, 404);
      assert.equal(((await other.json()) as any).error.code, 'not_found');
      assert.equal((await events('no-such-job')).status, 404);
      await readEvents(await events(id));
      await fetch(t.stack.url(`/v1/transcriptions/${id}`), { method: 'DELETE', headers: auth() });
      assert.equal((await events(id)).status, 410);
    });
  },
);
