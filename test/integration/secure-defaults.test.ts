import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenApiRefusedError } from '../../src/runtime/exposure.js';
import { createTestDatabase } from '../helpers/database.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { startAppProcess } from '../helpers/processes.js';
import { freePort, stackEnv, startStack } from '../helpers/stack.js';

/** An API reachable from other machines never runs open by accident: it needs keys, or an explicit opt-in. */
describeWithStack('secure by default', { stack: false }, (t) => {
  test('on a non-loopback address with no key anywhere, the API refuses to start and says how to proceed', async () => {
    await assert.rejects(startStack(t.parts, { env: { HOST: '0.0.0.0' }, worker: false }), (err: Error) => {
      assert.ok(err instanceof OpenApiRefusedError, String(err));
      assert.match(err.message, /Refusing to serve on 0\.0\.0\.0 with no API key/);
      assert.match(err.message, /API_KEYS/);
      assert.match(err.message, /ALLOW_UNAUTHENTICATED=true/);
      return true;
    });
  });

  test('loopback needs no key (the newcomer’s npm start), and ALLOW_UNAUTHENTICATED=true opens a public bind on purpose', async () => {
    for (const env of [{ HOST: '127.0.0.1' }, { HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' }] as Array<Record<string, string>>) {
      const stack = await startStack(t.parts, { env, worker: false });
      try {
        const res = await fetch(stack.url('/v1/transcriptions'));
        assert.equal(res.status, 200, `${JSON.stringify(env)}: open to the implicit tenant`);
      } finally {
        await stack.stop();
      }
    }
  });

  test('with keys, a public bind starts and every request needs one', async () => {
    const stack = await startStack(t.parts, { env: { HOST: '0.0.0.0', API_KEYS: 'mobile:0123456789abcdef0123456789abcdef' }, worker: false });
    try {
      assert.equal((await fetch(stack.url('/v1/transcriptions'))).status, 401);
      assert.equal((await fetch(stack.url('/v1/transcriptions'), { headers: { authorization: 'Token 0123456789abcdef0123456789abcdef' } })).status, 200);
    } finally {
      await stack.stop();
    }
  });

  test('`npm run api` on 0.0.0.0 with no key exits 1 with the reason on one screen, not a stack trace', async () => {
    // The keys the previous test created count ("keys exist anywhere"), so this process gets a database of its own.
    const fresh = await createTestDatabase();
    t.defer(() => fresh.drop());
    const env = { ...stackEnv(t.parts), DATABASE_URL: fresh.url, HOST: '0.0.0.0', PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    const api = startAppProcess('src/main/api.ts', env, 'API listening');
    api.ready.catch(() => undefined); // it is meant never to be ready
    assert.equal(await api.exited, 1);
    const output = api.lines.join('\n');
    assert.match(output, /Refusing to serve on 0\.0\.0\.0 with no API key/);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });
});
