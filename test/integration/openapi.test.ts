import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { JobListSchema, JobSchema } from '../../src/http/openapi/schemas.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { getJson, postJson } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const SCHEMATHESIS = path.join(REPO_ROOT, '.tools/schemathesis/bin/st');

// The SSRF guard stays on, as in production: fuzzed URLs must never make the server fetch anything private.
describeWithStack('OpenAPI document, reference page, and an external fuzzer', { media: true, stack: { env: { SYNC_WAIT_MS: '2000', ALLOW_PRIVATE_URLS: 'false' } } }, (t) => {

  test('/openapi.json is OpenAPI 3.1 covering every route, built from the request schemas', async () => {
    const { status, body } = await getJson(t.stack.url('/openapi.json'));
    assert.equal(status, 200);
    assert.equal(body.openapi, '3.1.0');
    for (const p of ['/v1/transcriptions', '/v1/transcriptions/{id}', '/v1/transcriptions/{id}/cancel', '/v1/transcriptions/{id}/webhooks', '/v1/transcriptions/{id}/webhooks/redeliver', '/v1/listen', '/v1/usage', '/v1/admin/tenants', '/v1/admin/tenants/{id}/webhook-secret', '/v1/admin/keys', '/v1/admin/keys/{id}', '/v1/admin/keys/{id}/rotate', '/v1/admin/usage', '/v1/admin/codec/decode', '/v1/admin/codec/encode', '/health', '/ready', '/metrics']) {
      assert.ok(body.paths[p], `documents ${p}`);
    }
    const request = body.components.schemas.TranscriptionRequest;
    assert.deepEqual(request.required, ['url']);
    assert.equal(request.additionalProperties, false);
    assert.ok(body.components.schemas.DeepgramOptions.properties.smart_format);
  });

  test('real responses match the documented schemas', async () => {
    const created = await postJson(t.stack.url('/v1/transcriptions'), { url: 'https://8.8.8.8/a.wav', mode: 'async' });
    assert.equal(created.status, 202);
    JobSchema.parse(created.body);
    JobSchema.parse((await getJson(t.stack.url(`/v1/transcriptions/${created.body.id}`))).body);
    JobListSchema.parse((await getJson(t.stack.url('/v1/transcriptions'))).body);
    await postJson(t.stack.url(`/v1/transcriptions/${created.body.id}/cancel`), {});
  });

  test('/docs is a browsable reference served without a CDN', async () => {
    const page = await fetch(t.stack.url('/docs'));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /swagger-ui-bundle\.js/);
    assert.doesNotMatch(html, /https?:\/\/(?!127)/, 'no external assets');
    const bundle = await fetch(t.stack.url('/docs/assets/swagger-ui-bundle.js'));
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.arrayBuffer()).byteLength > 100_000);
    assert.equal((await fetch(t.stack.url('/docs/assets/..%2F..%2Fpackage.json'))).status, 404);
  });

  test('a wrong method on a documented path is 405 with Allow', async () => {
    const res = await fetch(t.stack.url('/v1/transcriptions/abc/cancel'), { method: 'GET' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.equal(((await res.json()) as any).error.code, 'method_not_allowed');
  });

  test('schemathesis fuzzing of every documented operation finds no 5xx', { timeout: 240_000 }, async () => {
    assert.ok(existsSync(SCHEMATHESIS), 'schemathesis is installed by `npm run setup` (test-tools)');
    const args = ['run', t.stack.url('/openapi.json'), '--checks', 'not_a_server_error', '--max-examples', '12', '--request-timeout', '20', '--warnings', 'off', '--phases', 'examples,coverage,fuzzing'];
    const child = spawn(SCHEMATHESIS, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    assert.equal(code, 0, output.slice(-4000));
    assert.match(output, /No issues found/);
    assert.match(output, /Tested: 22/);
  });
});
