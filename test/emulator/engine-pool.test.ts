import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ENGINE_PYTHON } from '../../src/emulator/index.js';
import { EnginePool } from '../../src/emulator/engine/engine-pool.js';
import { startEngineProcess } from '../../src/emulator/engine/engine-process.js';
import { EngineRequestWithdrawn } from '../../src/emulator/engine/types.js';
import { readAudio } from './fixtures.js';

/** The first seconds of the preamble as the live path sends utterances: s16le 16 kHz mono PCM (the WAV's data chunk). */
const utterance = (seconds: number): Buffer => readAudio('preamble-16k.wav').subarray(44, 44 + seconds * 16_000 * 2);
const words = (answer: Record<string, unknown>): string =>
  (answer.words as Array<[string]>)
    .map(([w]) => w)
    .join(' ')
    .toLowerCase();
const FINAL = { op: 'recognize', model: 'base', beam_size: 5, language: 'en' };
const INTERIM = { op: 'recognize', model: 'tiny.en', beam_size: 1, language: 'en' };

/**
 * The engine pool's scheduling, with real Whisper workers: a live final has the machine to itself (interim re-decodes
 * wait while it decodes), and an interim nobody wants any more leaves the queue instead of taking a worker.
 */
describe('engine pool: finals first, interims wait and can be withdrawn', () => {
  let pool: EnginePool;

  before(async () => {
    pool = new EnginePool({ python: DEFAULT_ENGINE_PYTHON, size: 2, model: 'base', threads: 1 });
    // Both workers loaded (and tiny.en loaded in each), so the timings below are decodes, not model loads.
    await Promise.all([pool.request(INTERIM, utterance(1), 'file'), pool.request(INTERIM, utterance(1), 'file')]);
  });
  after(() => pool?.close());

  it('an interim asked for while a final decodes starts only after the final, though a worker is free', async () => {
    const order: string[] = [];
    const final = pool.request(FINAL, utterance(4), 'final').then((a) => (order.push('final'), a));
    // tiny.en with beam 1 takes about half as long as base with beam 5: on the free worker it would answer first.
    const interim = pool.request(INTERIM, utterance(2), 'interim').then((a) => (order.push('interim'), a));
    const [finalAnswer, interimAnswer] = await Promise.all([final, interim]);
    assert.deepEqual(order, ['final', 'interim']);
    assert.match(words(finalAnswer), /^we,? the people of the united states/);
    assert.match(words(interimAnswer), /^we,? the people/);
  });

  it('a file or another final is not held back by a decoding final', async () => {
    const order: string[] = [];
    const first = pool.request(FINAL, utterance(4), 'final').then(() => order.push('final'));
    const file = pool.request(INTERIM, utterance(2), 'file').then(() => order.push('file'));
    await Promise.all([first, file]);
    assert.deepEqual(order, ['file', 'final']);
  });

  it('a withdrawn interim leaves the queue at once, and the worker it would have taken answers the next request', async () => {
    const final = pool.request(FINAL, utterance(4), 'final');
    const withdraw = new AbortController();
    const interim = pool.request(INTERIM, utterance(2), 'interim', withdraw.signal);
    const stale = pool.request(INTERIM, utterance(3), 'interim');
    withdraw.abort();
    await assert.rejects(interim, EngineRequestWithdrawn);
    // Still queued behind the final: the withdrawn one is gone, this one is next, with its own answer.
    assert.match(words(await stale), /^we,? the people of the united/);
    assert.match(words(await final), /^we,? the people of the united states/);
    assert.equal(pool.queuedAhead, 0);
  });

  it('a request withdrawn before it is made is refused without reaching a worker', async () => {
    const withdraw = new AbortController();
    withdraw.abort();
    await assert.rejects(pool.request(INTERIM, utterance(1), 'interim', withdraw.signal), EngineRequestWithdrawn);
  });

  it('a withdrawn decode that is already running is cancelled, and its worker answers the next request with its own words', async () => {
    let loaded!: () => void;
    const ready = new Promise<void>((resolve) => (loaded = resolve));
    const single = new EnginePool({ python: DEFAULT_ENGINE_PYTHON, size: 1, model: 'base', threads: 1, onWorkerEvent: (e) => e.kind === 'ready' && loaded() });
    try {
      await ready;
      const withdraw = new AbortController();
      const running = single.request(FINAL, utterance(4), 'final', withdraw.signal);
      await new Promise((resolve) => setTimeout(resolve, 200)); // well into its decode (about a second)
      withdraw.abort();
      await assert.rejects(running, EngineRequestWithdrawn);
      assert.match(words(await single.request(INTERIM, utterance(2), 'interim')), /^we,? the people/);
    } finally {
      single.close();
    }
  });
});

describe('engine worker protocol: cancelling a decode', () => {
  it('a cancel for the decoding request stops it with "cancelled"; a cancel that comes too late does not touch the next request', async () => {
    const answers: Array<Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    const worker = startEngineProcess(DEFAULT_ENGINE_PYTHON, ['serve', '--model', 'base', '--threads', '1'], (m) => {
      answers.push(m);
      waiters.shift()?.();
    });
    const next = () => new Promise<Record<string, unknown>>((resolve) => waiters.push(() => resolve(answers.at(-1)!)));
    const send = (header: Record<string, unknown>, audio?: Buffer) => {
      worker.child.stdin.write(`${JSON.stringify({ ...header, ...(audio ? { bytes: audio.length } : {}) })}\n`);
      if (audio) worker.child.stdin.write(audio);
    };
    try {
      assert.equal((await next()).event, 'ready');
      send({ ...FINAL, id: 1 }, utterance(4));
      send({ op: 'cancel', id: 1 });
      assert.deepEqual(await next(), { event: 'cancelled' });
      send({ ...FINAL, id: 2 }, utterance(2));
      const second = await next();
      assert.equal(second.event, 'result');
      send({ op: 'cancel', id: 2 }); // request 2 has answered: this cancel is late
      send({ ...INTERIM, id: 3 }, utterance(2));
      const third = await next();
      assert.equal(third.event, 'result');
      assert.match(words(third), /^we,? the people/);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
