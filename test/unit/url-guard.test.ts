import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertPublicUrl, isBlockedAddress, UrlNotAllowedError } from '../../src/adapters/url-guard.js';

test('loopback, private, link-local, CGNAT and mapped addresses are blocked', () => {
  for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::5', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
    assert.equal(isBlockedAddress(a), true, a);
  }
});

test('public addresses pass', () => {
  for (const a of ['8.8.8.8', '151.101.1.1', '2606:4700::1111', '172.32.0.1']) assert.equal(isBlockedAddress(a), false, a);
});

test('URLs: literal private hosts and localhost names are refused, unless allowed', async () => {
  await assert.rejects(assertPublicUrl('http://127.0.0.1:8080/a.wav', false), UrlNotAllowedError);
  await assert.rejects(assertPublicUrl('http://[::1]/a.wav', false), UrlNotAllowedError);
  await assert.rejects(assertPublicUrl('http://localhost/a.wav', false), /loopback, private or link-local/);
  await assert.rejects(assertPublicUrl('http://169.254.169.254/latest/meta-data', false), UrlNotAllowedError);
  await assertPublicUrl('http://127.0.0.1:8080/a.wav', true);
  await assertPublicUrl('http://8.8.8.8/a.wav', false);
});
