import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { newApiKeyEntry } from '../../src/services/api-keys.js';

test('defaults give a runnable single-machine setup', () => {
  const config = loadConfig({});
  assert.equal(config.http.port, 3000);
  assert.equal(config.temporal.namespace, 'default');
  assert.equal(config.http.syncWaitMs, 30_000);
  assert.deepEqual(config.deepgram.apiUrls, []);
  assert.deepEqual(config.deepgram.retry, { initialIntervalMs: 5000, backoffCoefficient: 2, maximumAttempts: 3, maximumIntervalMs: 120_000 });
  assert.deepEqual(config.routing, { syncMaxSeconds: 60, asyncMinSeconds: 300 });
});

test('defaults fit a batch: 200 requests a second per client (a thousand submissions and their polls in one burst), no cap on Deepgram call rate, only on concurrency', () => {
  const config = loadConfig({});
  assert.equal(config.http.rateLimitPerMinute, 12_000);
  assert.deepEqual(config.deepgram.limits, { maxConcurrent: 100, maxRequestsPerMinute: 0 });
  assert.equal(loadConfig({ DEEPGRAM_MAX_REQUESTS_PER_MINUTE: '600' }).deepgram.limits.maxRequestsPerMinute, 600);
});

test('secure defaults: loopback bind, no open API by accident, database timeouts that answer within 5 s', () => {
  const config = loadConfig({});
  assert.equal(config.http.host, '127.0.0.1');
  assert.equal(config.auth.allowUnauthenticated, false);
  assert.ok(config.db.timeouts.connectMs + config.db.timeouts.queryMs <= 6_000 && config.db.timeouts.queryMs <= 4_500, JSON.stringify(config.db.timeouts));
});

test('secrets are at least 32 bytes, counted as bytes (a whsec_ secret by what it decodes to), and never echoed', () => {
  const short = 'short-but-not-32-bytes';
  for (const name of ['CALLBACK_SECRET', 'WEBHOOK_SECRET']) {
    assert.throws(() => loadConfig({ [name]: short }), (err: Error) => new RegExp(`${name} must be at least 32 bytes`).test(err.message) && !err.message.includes(short));
    assert.equal(loadConfig({ [name]: 'x'.repeat(32) }) !== undefined, true);
  }
  assert.throws(() => loadConfig({ WEBHOOK_SECRET: `whsec_${Buffer.alloc(24).toString('base64')}` }), /WEBHOOK_SECRET must be at least 32 bytes/);
  assert.equal(loadConfig({ WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}` }).webhooks.secret?.startsWith('whsec_'), true);
});

test('DEEPGRAM_API_URL takes a comma-separated list in priority order', () => {
  const config = loadConfig({ DEEPGRAM_API_URL: 'https://api.deepgram.com, https://api.eu.deepgram.com/' });
  assert.deepEqual(config.deepgram.apiUrls, ['https://api.deepgram.com', 'https://api.eu.deepgram.com']);
});

const bad: Array<[Record<string, string>, RegExp]> = [
  [{ PORT: 'abc' }, /^Invalid configuration: PORT /],
  [{ PORT: '70000' }, /PORT/],
  [{ DATABASE_URL: 'mysql://localhost/x' }, /DATABASE_URL must be a postgres/],
  [{ DEEPGRAM_API_URL: 'ftp://x' }, /DEEPGRAM_API_URL must be an http/],
  [{ SYNC_WAIT_MS: '0' }, /SYNC_WAIT_MS/],
  [{ PUBLIC_BASE_URL: 'https://transcribe.example.com' }, /CALLBACK_SECRET is required/],
  [{ ROUTING_SYNC_MAX_SECONDS: '500' }, /ROUTING_ASYNC_MIN_SECONDS must be >= ROUTING_SYNC_MAX_SECONDS/],
  [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
];

for (const [env, message] of bad) {
  test(`bad ${Object.keys(env)[0]} fails with one line naming the variable`, () => {
    assert.throws(() => loadConfig(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, message);
      assert.equal(err.message.includes('\n'), false);
      return true;
    });
  });
}

test('the config is frozen', () => {
  const config = loadConfig({});
  assert.throws(() => {
    (config as { dataDir: string }).dataDir = 'x';
  });
});

test('API_KEYS: name:secret[:requests per minute], comma-separated; empty means an open API', () => {
  assert.deepEqual(loadConfig({}).auth.keys, []);
  assert.deepEqual(loadConfig({ API_KEYS: 'mobile:0123456789abcdef:120, web:fedcba9876543210' }).auth.keys, [
    { name: 'mobile', secret: '0123456789abcdef', rateLimitPerMinute: 120 },
    { name: 'web', secret: 'fedcba9876543210' },
  ]);
});

for (const [value, problem] of [
  ['mobile:short', /entry 1 \(mobile\) needs a secret of at least 16 characters/],
  ['mobile:0123456789abcdef:lots', /requests per minute must be a whole number/],
  ['a:0123456789abcdef, a:fedcba9876543210', /entry 2 \(a\): the name is used twice/],
  ['a:0123456789abcdef, b:0123456789abcdef', /the secret is used twice/],
  ['no secret here', /must be name:secret/],
] as const) {
  test(`bad API_KEYS (${problem.source.slice(0, 40)}) is named without quoting any secret`, () => {
    assert.throws(() => loadConfig({ API_KEYS: value }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, problem);
      assert.ok(!err.message.includes('0123456789abcdef') && !err.message.includes('fedcba9876543210'), err.message);
      return true;
    });
  });
}

test('npm run api-key makes an entry API_KEYS accepts, with a fresh 256-bit secret each time', () => {
  const first = newApiKeyEntry('mobile', 120);
  const second = newApiKeyEntry('web');
  const keys = loadConfig({ API_KEYS: `${first},${second}` }).auth.keys;
  assert.deepEqual(keys.map((k) => [k.name, k.rateLimitPerMinute]), [['mobile', 120], ['web', undefined]]);
  assert.ok(keys.every((k) => k.secret.length === 43), 'base64url of 32 random bytes');
  assert.notEqual(keys[0]!.secret, keys[1]!.secret);
  assert.throws(() => newApiKeyEntry('has space'), /may only hold/);
  assert.throws(() => newApiKeyEntry('ok', 1.5), /whole number/);
});
