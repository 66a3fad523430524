import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPublicAddress, outboundHttpFor, UrlNotAllowedError } from '../../src/adapters/outbound/index.js';

test('loopback, private, link-local, CGNAT, metadata, reserved and IPv4-embedding IPv6 forms are not public', () => {
  for (const a of [
    '127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1', '198.18.0.1',
    '::', '::1', 'fe80::1', 'fd00::5', 'fd00:ec2::254', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:10.0.0.1', // IPv4-mapped
    '64:ff9b::7f00:1', '64:ff9b:1::a00:1', // NAT64 (well-known and local-use prefixes) embedding 127.0.0.1 / 10.0.0.1
    '2002:7f00:1::1', // 6to4 of 127.0.0.1
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    'not-an-address',
  ]) {
    assert.equal(isPublicAddress(a), false, a);
  }
});

test('public addresses pass', () => {
  for (const a of ['8.8.8.8', '151.101.1.1', '2606:4700::1111', '172.32.0.1', '::ffff:8.8.8.8', '11.200.0.2']) assert.equal(isPublicAddress(a), true, a);
});

test('URLs: literal private hosts and localhost names are refused without naming what they resolve to, unless allowed', async () => {
  const guarded = outboundHttpFor({ allowPrivate: false });
  await assert.rejects(guarded.checkUrl('http://127.0.0.1:8080/a.wav'), UrlNotAllowedError);
  await assert.rejects(guarded.checkUrl('http://[::1]/a.wav'), UrlNotAllowedError);
  await assert.rejects(guarded.checkUrl('http://0x7f.1/a.wav'), UrlNotAllowedError); // WHATWG parsing makes it 127.0.0.1
  await assert.rejects(guarded.checkUrl('http://[::ffff:a9fe:a9fe]/latest'), UrlNotAllowedError); // 169.254.169.254, mapped
  await assert.rejects(guarded.checkUrl('http://localhost/a.wav'), (err: Error) => /non-public/.test(err.message) && !/127\.0\.0\.1|::1/.test(err.message));
  await assert.rejects(guarded.checkUrl('http://169.254.169.254/latest/meta-data'), UrlNotAllowedError);
  await guarded.checkUrl('http://8.8.8.8/a.wav');
  await outboundHttpFor({ allowPrivate: true }).checkUrl('http://127.0.0.1:8080/a.wav');
});

test('a request to a private literal or a name that resolves privately is refused before any connection', async () => {
  const guarded = outboundHttpFor({ allowPrivate: false });
  await assert.rejects(guarded.request('http://127.0.0.1:2/a.wav'), UrlNotAllowedError);
  await assert.rejects(guarded.request('http://localhost:2/a.wav'), (err: Error) => {
    // undici wraps connect errors in "fetch failed"; the cause is ours.
    const cause = (err as { cause?: Error }).cause ?? err;
    return cause instanceof UrlNotAllowedError;
  });
});
