import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryRateLimitStore } from '../../src/adapters/rate-limits/memory-store.js';
import { clientAddress } from '../../src/http/rate-limit.js';

test('a budget of 60 a minute: a burst of 60, then one a second, with the wait to the next one given', async () => {
  let now = 1_000_000;
  const store = createMemoryRateLimitStore(() => now);
  for (let i = 0; i < 60; i++) assert.deepEqual(await store.take('a', 60), { allowed: true }, `request ${i + 1} of the burst`);
  const refused = await store.take('a', 60);
  assert.equal(refused.allowed, false);
  assert.equal(!refused.allowed && refused.retryAfterMs, 1_000);
  assert.deepEqual(await store.take('b', 60), { allowed: true }, 'another client has its own budget');
  now += 1_000;
  assert.deepEqual(await store.take('a', 60), { allowed: true }, 'one more after a second');
  assert.equal((await store.take('a', 60)).allowed, false);
  now += 60_000;
  for (let i = 0; i < 60; i++) assert.equal((await store.take('a', 60)).allowed, true, 'a full burst again after a quiet minute');
});

test('the client address: the peer, or behind N trusted proxies the Nth X-Forwarded-For entry from the right', () => {
  assert.equal(clientAddress('10.0.0.5', '203.0.113.7', 0), '10.0.0.5', 'no trusted proxy: the header is ignored');
  assert.equal(clientAddress('10.0.0.5', undefined, 1), '10.0.0.5');
  assert.equal(clientAddress('10.0.0.5', '203.0.113.7', 1), '203.0.113.7');
  assert.equal(clientAddress('10.0.0.5', '1.2.3.4, 203.0.113.7', 1), '203.0.113.7', 'a spoofed entry on the left is not taken');
  assert.equal(clientAddress('10.0.0.5', '1.2.3.4, 203.0.113.7, 10.0.0.9', 2), '203.0.113.7');
  assert.equal(clientAddress('10.0.0.5', '203.0.113.7', 3), '203.0.113.7', 'fewer entries than hops: the leftmost');
});
