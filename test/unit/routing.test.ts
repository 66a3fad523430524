import assert from 'node:assert/strict';
import { test } from 'node:test';
import { needsProbe, resolveMode } from '../../src/domain/routing.js';

const thresholds = { syncMaxSeconds: 60, asyncMinSeconds: 300 };

test('auto: below the sync threshold is sync, above the async threshold is async', () => {
  assert.equal(resolveMode('auto', 59.9, thresholds), 'sync');
  assert.equal(resolveMode('auto', 300.1, thresholds), 'async');
  assert.equal(resolveMode('auto', 3600, thresholds), 'async');
});

test('auto: between the thresholds, exactly on them, or unknown → sync', () => {
  assert.equal(resolveMode('auto', 60, thresholds), 'sync');
  assert.equal(resolveMode('auto', 180, thresholds), 'sync');
  assert.equal(resolveMode('auto', 300, thresholds), 'sync');
  assert.equal(resolveMode('auto', null, thresholds), 'sync');
  assert.equal(resolveMode('auto', undefined, thresholds), 'sync');
  assert.equal(resolveMode('auto', Number.NaN, thresholds), 'sync');
});

test('an explicit mode wins over any duration', () => {
  assert.equal(resolveMode('sync', 5000, thresholds), 'sync');
  assert.equal(resolveMode('async', 1, thresholds), 'async');
});

test('thresholds are configurable', () => {
  assert.equal(resolveMode('auto', 20, { syncMaxSeconds: 10, asyncMinSeconds: 15 }), 'async');
});

test('only auto without a duration hint needs a probe', () => {
  assert.equal(needsProbe('auto', undefined), true);
  assert.equal(needsProbe('auto', 12), false);
  assert.equal(needsProbe('sync', undefined), false);
});
