import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeepgramError } from '@deepgram/sdk';
import { classifyDeepgramError, parseRetryAfter } from '../../src/adapters/deepgram/errors.js';

function httpError(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return new DeepgramError({
    statusCode,
    body,
    rawResponse: { headers: new Headers(headers), redirected: false, status: statusCode, statusText: '', type: 'basic', url: '' },
  });
}

test('400 is permanent and keeps Deepgram’s code, message and request id', () => {
  const e = classifyDeepgramError(httpError(400, { err_code: 'Bad Request', err_msg: 'Bad Request: failed to process audio: corrupt or unsupported data', request_id: 'r-1' }));
  assert.equal(e.kind, 'permanent');
  assert.deepEqual(e.toJobError(), {
    code: 'deepgram_rejected',
    message: 'Bad Request: failed to process audio: corrupt or unsupported data',
    status: 400,
    deepgramCode: 'Bad Request',
    deepgramRequestId: 'r-1',
  });
});

test('401, 402, 403 and 413 are permanent', () => {
  for (const status of [401, 402, 403, 413]) assert.equal(classifyDeepgramError(httpError(status, {})).kind, 'permanent', String(status));
});

test('408, 429 and 5xx are transient; 429 carries Retry-After', () => {
  for (const status of [408, 429, 500, 502, 503, 504]) assert.equal(classifyDeepgramError(httpError(status, {})).kind, 'transient', String(status));
  const e = classifyDeepgramError(httpError(429, { err_code: 'TOO_MANY_REQUESTS' }, { 'retry-after': '7' }));
  assert.equal(e.retryAfterSeconds, 7);
  assert.equal(e.toJobError().code, 'deepgram_unavailable');
});

test('the modern error shape (category/message) is read too', () => {
  const e = classifyDeepgramError(httpError(400, { category: 'INVALID_JSON', message: 'Invalid JSON submitted.', request_id: 'r-2' }));
  assert.equal(e.deepgramCode, 'INVALID_JSON');
  assert.equal(e.message, 'Invalid JSON submitted.');
});

test('network failures and the SDK’s timeout quirk are transient', () => {
  assert.equal(classifyDeepgramError(new DeepgramError({ message: 'fetch failed', cause: new Error('ECONNREFUSED') })).kind, 'transient');
  const timeout = classifyDeepgramError(new DeepgramError({ message: 'timeout', cause: 'timeout' }));
  assert.equal(timeout.kind, 'transient');
  assert.match(timeout.message, /in time/);
  assert.equal(classifyDeepgramError(new Error('socket hang up')).kind, 'transient');
});

test('Retry-After accepts seconds and HTTP dates', () => {
  assert.equal(parseRetryAfter('3'), 3);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const now = Date.parse('2026-11-25T10:00:00Z');
  assert.equal(parseRetryAfter('Wed, 25 Nov 2026 10:00:10 GMT', now), 10);
});
