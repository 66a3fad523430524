import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { outboundHttpFor, UrlNotAllowedError } from '../../src/adapters/outbound/index.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { addPublicAddress } from '../helpers/public-address.js';
import { getJson, postJson } from '../helpers/stack.js';
import { startTestDns } from '../helpers/test-dns.js';

/**
 * Server-side request forgery, for real: a DNS server the test steers, a host with a public address on this machine,
 * and a "secret" service on loopback at the same port that nothing we fetch on a user's behalf may ever reach.
 */
const SECRET = 'outbound-guard-webhook-secret-0123456789';
const dns = await startTestDns();
const host = addPublicAddress();
const skip = 'unavailable' in host ? host.unavailable : false;

interface Hits { public: string[]; private: string[] }
const hits: Hits = { public: [], private: [] };
const servers: Server[] = [];
let port = 0;

async function listen(address: string, p: number, onRequest: (path: string, res: ServerResponse) => void, log: string[]): Promise<number> {
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => onRequest(req.url ?? '/', res));
  });
  servers.push(server);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(p, address, resolve));
  return (server.address() as AddressInfo).port;
}

if (!('unavailable' in host)) {
  port = await listen(host.address, 0, (path, res) => {
    if (path === '/bounce') return res.writeHead(302, { location: `http://127.0.0.1:${port}/secret` }).end();
    if (path === '/hop') return res.writeHead(302, { location: '/ok' }).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('public');
  }, hits.public);
  await listen('127.0.0.1', port, (_path, res) => res.writeHead(200).end('internal secret'), hits.private);
}
after(async () => {
  for (const server of servers) server.closeAllConnections(), server.close();
  await dns.close();
  if (!('unavailable' in host)) host.remove();
});

describeWithStack(
  'outbound requests to user-supplied URLs',
  {
    transcripts: { 'testing-websocket.wav': 'Testing one two three.' },
    stack: { env: { ALLOW_PRIVATE_URLS: 'false', OUTBOUND_DNS_SERVERS: dns.server, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_INITIAL_INTERVAL_MS: '200', WEBHOOK_RETRY_MAX_INTERVAL_MS: '400' } },
  },
  (t) => {
    const upload = async (webhookUrl: string) => {
      const query = new URLSearchParams({ mode: 'async', webhook_url: webhookUrl });
      const res = await fetch(t.stack.url(`/v1/transcriptions?${query}`), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: new Uint8Array(t.audio('testing-websocket.wav')) });
      const body = (await res.json()) as any;
      assert.equal(res.status, 202, JSON.stringify(body));
      return body.id as string;
    };
    const deliveries = async (id: string, atLeast: number) => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        const log = await getJson(t.stack.url(`/v1/transcriptions/${id}/webhooks`));
        if (log.body.deliveries?.length >= atLeast) return log.body.deliveries as any[];
      }
      const job = await getJson(t.stack.url(`/v1/transcriptions/${id}`));
      throw new Error(`fewer than ${atLeast} delivery attempts recorded for ${id} (${job.body.status}: ${JSON.stringify(job.body.error ?? null)})`);
    };

    test('a webhook host that stays public is delivered to (the control)', { skip }, async () => {
      dns.answer('hooks.public.test', (host as { address: string }).address);
      const before = hits.public.length;
      const id = await upload(`http://hooks.public.test:${port}/hook`);
      const [first] = await deliveries(id, 1);
      assert.equal(first.succeeded, true, JSON.stringify(first));
      assert.deepEqual(hits.public.slice(before), ['POST /hook']);
    });

    test('a webhook host that rebinds to loopback after the submission check is refused when we connect', { skip }, async () => {
      // The first answer (the submission check) is public; every later one is loopback, where the secret service runs.
      dns.answer('hooks.rebind.test', [(host as { address: string }).address, '127.0.0.1']);
      const before = { public: hits.public.length, private: hits.private.length };
      const id = await upload(`http://hooks.rebind.test:${port}/hook`);
      const log = await deliveries(id, 2);
      assert.ok(dns.queries('hooks.rebind.test') >= 3, 'each attempt resolved the name again');
      assert.deepEqual([...new Set(log.map((d) => d.error))], ['blocked_address']);
      assert.ok(log.every((d) => d.status_code === null && !d.succeeded));
      assert.doesNotMatch(JSON.stringify(log), /127\.0\.0\.1|11\.200\./, 'the log names no address');
      assert.equal(hits.private.length, before.private, 'the loopback service was never reached');
      assert.equal(hits.public.length, before.public);
    });

    test('submission refuses a name that already resolves privately, without saying to what', { skip }, async () => {
      dns.answer('internal.rebind.test', '10.0.0.7');
      const res = await postJson(t.stack.url('/v1/transcriptions'), { url: `http://${(host as { address: string }).address}:${port}/a.wav`, mode: 'async', webhook_url: 'http://internal.rebind.test/hook' });
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'url_not_allowed');
      assert.doesNotMatch(res.body.error.message, /10\.0\.0\.7/);
    });

    test('a stream job (mode "stream") for a loopback or private URL is refused at submission, before anything is started', async () => {
      dns.answer('radio.internal.test', '10.0.0.9');
      for (const url of ['http://127.0.0.1:9/live.mp3', 'http://[::1]/live.mp3', 'http://169.254.169.254/latest/meta-data', 'http://radio.internal.test/live.mp3']) {
        const res = await postJson(t.stack.url('/v1/transcriptions'), { url, mode: 'stream', options: { model: 'nova-2' } });
        assert.equal(res.status, 422, url);
        assert.equal(res.body.error.code, 'url_not_allowed');
      }
      const streams = await getJson(t.stack.url('/v1/streams?status=active'));
      assert.deepEqual(streams.body.data, [], 'no live session was started');
    });
  },
);

test('redirects are followed only to public hosts, each hop vetted; a name resolving to loopback is never connected to', { skip }, async () => {
  const outbound = outboundHttpFor({ allowPrivate: false, dnsServers: [dns.server] });
  dns.answer('media.public.test', (host as { address: string }).address);
  dns.answer('media.loopback.test', '127.0.0.1');
  const before = hits.private.length;

  const followed = await outbound.request(`http://media.public.test:${port}/hop`, { maxRedirects: 3 });
  assert.equal(followed.status, 200);
  assert.equal(await followed.text(), 'public');

  await assert.rejects(outbound.request(`http://media.public.test:${port}/bounce`, { maxRedirects: 3 }), UrlNotAllowedError);
  const unfollowed = await outbound.request(`http://media.public.test:${port}/bounce`);
  assert.equal(unfollowed.status, 302, 'without maxRedirects the 3xx is the answer');
  await unfollowed.body?.cancel();

  await assert.rejects(outbound.request(`http://media.loopback.test:${port}/secret`), (err: Error) => (err.cause ?? err) instanceof UrlNotAllowedError);
  assert.equal(hits.private.length, before, 'the loopback service was never reached');

  // The same request with the guard lifted does reach it: the refusals above are the guard's doing.
  const open = outboundHttpFor({ allowPrivate: true, dnsServers: [dns.server] });
  assert.equal(await (await open.request(`http://media.loopback.test:${port}/secret`)).text(), 'internal secret');
});
