import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpApp, type HttpApp } from '../helpers/http-app.js';

/** Every client mistake gets a 4xx with { error: { code, message } } — never a 500, never a started job. */
describe('bad input', () => {
  let app: HttpApp;
  before(async () => {
    app = await createHttpApp();
  });
  after(() => app?.close());

  const cases: Array<{ name: string; body: string; contentType?: string; status: number; code: string; message?: RegExp }> = [
    { name: 'malformed JSON', body: '{"url": ', status: 400, code: 'invalid_json' },
    { name: 'empty body', body: '', status: 400, code: 'invalid_json' },
    { name: 'JSON that is not an object', body: '["https://x/a.wav"]', status: 400, code: 'invalid_request' },
    { name: 'missing url', body: '{"mode":"sync"}', status: 400, code: 'invalid_request', message: /url/ },
    { name: 'url is not a string', body: '{"url": 42}', status: 400, code: 'invalid_request', message: /url/ },
    { name: 'non-http url', body: '{"url":"ftp://example.com/a.wav"}', status: 400, code: 'invalid_url' },
    { name: 'relative url', body: '{"url":"/a.wav"}', status: 400, code: 'invalid_url' },
    { name: 'file url', body: '{"url":"file:///etc/passwd"}', status: 400, code: 'invalid_url' },
    { name: 'unknown mode', body: '{"url":"https://example.com/a.wav","mode":"fast"}', status: 400, code: 'invalid_mode', message: /auto, sync, async/ },
    { name: 'unknown option', body: '{"url":"https://example.com/a.wav","options":{"modle":"nova-3"}}', status: 400, code: 'unknown_option', message: /modle/ },
    { name: 'option of the wrong type', body: '{"url":"https://example.com/a.wav","options":{"smart_format":"yes"}}', status: 400, code: 'invalid_option', message: /smart_format/ },
    { name: 'callback option (ours to set)', body: '{"url":"https://example.com/a.wav","options":{"callback":"https://evil.example"}}', status: 400, code: 'invalid_option' },
    { name: 'unknown top-level field', body: '{"url":"https://example.com/a.wav","priority":"high"}', status: 400, code: 'invalid_request', message: /priority/ },
    { name: 'negative duration hint', body: '{"url":"https://example.com/a.wav","duration_hint":-3}', status: 400, code: 'invalid_request' },
    { name: 'not JSON at all', body: 'url=https://example.com/a.wav', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'unsupported_media_type' },
  ];

  for (const c of cases) {
    test(`${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await app.request('/v1/transcriptions', {
        method: 'POST',
        headers: { 'content-type': c.contentType ?? 'application/json' },
        body: c.body,
      });
      assert.equal(res.status, c.status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, c.code);
      assert.ok(body.error.message.length > 10, 'the message explains the problem');
      if (c.message) assert.match(body.error.message, c.message);
    });
  }

  test('no job row is created for rejected requests', async () => {
    const rows = await app.database.db.selectFrom('jobs').select('id').execute();
    assert.equal(rows.length, 0);
  });

  test('oversized bodies → 413 payload_too_large', async () => {
    const res = await app.request('/v1/transcriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/a.wav', options: { keyterm: ['x'.repeat(2 * 1024 * 1024)] } }),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as any).error.code, 'payload_too_large');
  });

  test('unknown routes → 404 not_found in the same envelope', async () => {
    const res = await app.request('/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as any).error.code, 'not_found');
  });

  test('a plain GET of the live endpoint → 426 pointing to WebSocket', async () => {
    const res = await app.request('/v1/listen');
    assert.equal(res.status, 426);
    assert.equal(((await res.json()) as any).error.code, 'use_websocket');
  });

  test('a callback with a forged token → 401', async () => {
    const res = await app.request('/v1/callbacks/deepgram/some-job?token=forged', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as any).error.code, 'unauthorized');
  });
});
