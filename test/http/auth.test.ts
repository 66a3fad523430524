import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpApp, type HttpApp } from '../helpers/http-app.js';

const ADMIN = 'admin-secret-0123456789abcdef';

/** Authentication and the admin guard, answered by the HTTP layer alone (app.request, no server, no Temporal). */
describe('keys and the admin guard', () => {
  let app: HttpApp;
  let secret: string;
  const get = (path: string, key?: string) => app.request(path, { headers: key ? { authorization: key } : {} });

  before(async () => {
    app = await createHttpApp({ ADMIN_API_KEY: ADMIN });
  });
  after(() => app?.close());

  test('with no key anywhere the API is open to the implicit tenant', async () => {
    assert.equal((await get('/v1/transcriptions')).status, 200);
  });

  test('once a key exists: none, a malformed or a wrong one is 401 with WWW-Authenticate; Token and Bearer both work', async () => {
    await app.tenants.createTenant('acme');
    secret = (await app.tenants.createKey({ tenant: 'acme' })).secret;
    const missing = await get('/v1/transcriptions');
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Token/);
    assert.equal(((await missing.json()) as any).error.code, 'unauthorized');
    for (const header of ['Token', 'Basic abc', 'Token not-a-key-we-issued', `Token ${secret}x`]) assert.equal((await get('/v1/transcriptions', header)).status, 401, header);
    assert.equal((await get('/v1/transcriptions', `Token ${secret}`)).status, 200);
    assert.equal((await get('/v1/transcriptions', `Bearer ${secret}`)).status, 200);
  });

  test("Deepgram's endpoint answers 401 in Deepgram's shape (INVALID_AUTH)", async () => {
    const res = await app.request('/v1/listen', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":"https://example.com/a.wav"}' });
    assert.equal(res.status, 401);
    const body = (await res.json()) as any;
    assert.equal(body.err_code, 'INVALID_AUTH');
    assert.ok(body.request_id && body.err_msg);
  });

  test('admin routes: no key 401, a tenant key 403, a wrong key 401, the admin key passes', async () => {
    assert.equal((await get('/v1/admin/keys')).status, 401);
    const tenantKey = await get('/v1/admin/keys', `Token ${secret}`);
    assert.equal(tenantKey.status, 403);
    assert.equal(((await tenantKey.json()) as any).error.code, 'forbidden');
    assert.equal((await get('/v1/admin/keys', 'Token wrong-admin-key-0123456789')).status, 401);
    assert.equal((await get('/v1/admin/keys', `Token ${ADMIN}`)).status, 200);
  });

  test('a revoked key is refused at once here (KEY_CACHE_MS=0)', async () => {
    const { key, secret: doomed } = await app.tenants.createKey({ tenant: 'acme', name: 'doomed' });
    assert.equal((await get('/v1/streams', `Token ${doomed}`)).status, 200);
    await app.tenants.revokeKey(key.id);
    assert.equal((await get('/v1/streams', `Token ${doomed}`)).status, 401);
  });
});

describe('the admin API switched off', () => {
  let app: HttpApp;
  before(async () => {
    app = await createHttpApp();
  });
  after(() => app?.close());

  test('without ADMIN_API_KEY every admin route is 403 admin_disabled', async () => {
    const res = await app.request('/v1/admin/tenants', { method: 'POST', headers: { authorization: 'Token anything-at-all-here', 'content-type': 'application/json' }, body: '{"name":"x"}' });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as any).error.code, 'admin_disabled');
  });
});

describe('the payload codec endpoint without ADMIN_API_KEY', () => {
  let app: HttpApp;
  before(async () => {
    app = await createHttpApp();
  });
  after(() => app?.close());
  const decode = () =>
    app.request('/v1/admin/codec/decode', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hi"').toString('base64') }] }) });

  test('open while the whole API is (no key anywhere: npm start’s Temporal UI decodes), admin_disabled once keys exist', async () => {
    const open = await decode();
    assert.equal(open.status, 200);
    assert.deepEqual(((await open.json()) as any).payloads[0].data, Buffer.from('"hi"').toString('base64'), 'an unencrypted payload comes back as it was');
    await app.tenants.createTenant('acme');
    await app.tenants.createKey({ tenant: 'acme' });
    const closed = await decode();
    assert.equal(closed.status, 403);
    assert.equal(((await closed.json()) as any).error.code, 'admin_disabled');
  });
});
