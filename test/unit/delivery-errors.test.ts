import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDeliveryError } from '../../src/adapters/delivery-errors.js';

test('delivery failures are told by class, from the error or its cause, never by their text', () => {
  const wrapped = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });
  assert.equal(classifyDeliveryError(wrapped({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.7:5432' })), 'connection_refused');
  assert.equal(classifyDeliveryError(wrapped({ code: 'ECONNRESET' })), 'connection_reset');
  assert.equal(classifyDeliveryError(wrapped({ code: 'ENOTFOUND' })), 'dns');
  assert.equal(classifyDeliveryError(wrapped({ code: 'UND_ERR_CONNECT_TIMEOUT' })), 'timeout');
  assert.equal(classifyDeliveryError(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), 'timeout');
  assert.equal(classifyDeliveryError(wrapped({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })), 'tls');
  assert.equal(classifyDeliveryError(wrapped({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })), 'tls');
  assert.equal(classifyDeliveryError(new Error('something else')), 'network');
});
