import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreaker } from '../../src/adapters/deepgram/circuit-breaker.js';

const clock = () => {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

/** A breaker (threshold 1, cooldown 1 s) that failed once and has waited its cooldown: half-open. */
const halfOpenBreaker = () => {
  const time = clock();
  const breaker = new CircuitBreaker(1, 1_000, time.now);
  breaker.failed();
  time.advance(1_000);
  return breaker;
};

test('opens after the threshold, stays open for the cooldown, then lets one trial through at a time', () => {
  const time = clock();
  const breaker = new CircuitBreaker(2, 1_000, time.now);
  breaker.failed();
  assert.equal(breaker.state, 'closed');
  breaker.failed();
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.tryAcquire(), false);
  assert.equal(breaker.retryInMs(), 1_000);
  time.advance(1_000);
  assert.equal(breaker.state, 'half-open');
  assert.equal(breaker.tryAcquire(), true, 'the trial');
  assert.equal(breaker.tryAcquire(), false, 'only one trial at a time');
  breaker.succeeded();
  assert.equal(breaker.state, 'closed');
});

test('a failed trial opens it again for a whole cooldown', () => {
  const breaker = halfOpenBreaker();
  assert.equal(breaker.tryAcquire(), true);
  breaker.failed();
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.retryInMs(), 1_000);
});

test('a trial that ends without news (cancelled) is released: the next call may try, the breaker is not stuck', () => {
  const breaker = halfOpenBreaker();
  assert.equal(breaker.tryAcquire(), true);
  breaker.released();
  assert.equal(breaker.state, 'half-open', 'still not known to be back');
  assert.equal(breaker.tryAcquire(), true, 'another trial may go');
});
