import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import WebSocket from 'ws';
import { DeepgramClient } from '@deepgram/sdk';
import { openRawLive, openSdkLive, refusedUpgrade, sendAudio } from '../helpers/live.js';
import { getJson } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const TEAM_A = 'team-a-secret-0123456789';
const TEAM_B = 'team-b-secret-9876543210';
const TEAM_C = 'team-c-secret-5555555555';
const TEXT = 'testing one two three';

/** API_KEYS: every /v1 request and live session needs a key; each key spends its own budget. */
// team-a may send 3 requests a minute; team-b has the default budget.
describeWithStack(
  'API keys',
  { transcripts: { 'testing-websocket.wav': TEXT }, stack: { env: { API_KEYS: `team-a:${TEAM_A}:3, team-b:${TEAM_B}, team-c:${TEAM_C}`, RATE_LIMIT_PER_MINUTE: '100' } }, streaming: true },
  (t) => {
  const audio = () => t.audio('testing-websocket.wav');

  const get = (pathname: string, key?: string) =>
    fetch(t.stack.url(pathname), { headers: key ? { authorization: `Token ${key}` } : {} }).then(async (res) => ({ status: res.status, headers: res.headers, body: (await res.json()) as any }));

  test('no key or a wrong one: 401 unauthorized with WWW-Authenticate; health, readiness and docs stay open', async () => {
    const missing = await get('/v1/transcriptions');
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'unauthorized');
    assert.match(missing.body.error.message, /Authorization: Token/);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Token/);
    const wrong = await get('/v1/transcriptions', 'not-a-key-of-ours-at-all');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.message, 'The API key is not valid');
    const bearer = await fetch(t.stack.url('/v1/streams'), { headers: { authorization: `Bearer ${TEAM_B}` } });
    assert.equal(bearer.status, 200, 'Bearer works as well as Token');
    for (const open of ['/health', '/ready', '/openapi.json']) assert.equal((await getJson(t.stack.url(open))).status, 200, open);
  });

  test('the unmodified Deepgram SDK with our key as its apiKey: REST through the drop-in endpoint; a wrong key is refused', async () => {
    const dg = new DeepgramClient({ apiKey: TEAM_B, baseUrl: t.stack.api.url, maxRetries: 0 });
    const response: any = await dg.listen.v1.media.transcribeFile(audio(), { model: 'nova-3' });
    assert.equal(response.results.channels[0].alternatives[0].transcript, TEXT);
    const intruder = new DeepgramClient({ apiKey: 'a-key-we-never-issued', baseUrl: t.stack.api.url, maxRetries: 0 });
    await assert.rejects(intruder.listen.v1.media.transcribeFile(audio(), { model: 'nova-3' }), (err: any) => err.statusCode === 401);
    const raw = await fetch(t.stack.url('/v1/listen'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: audio() });
    assert.equal(raw.status, 401);
    const body = (await raw.json()) as any;
    assert.equal(body.err_code, 'INVALID_AUTH', 'Deepgram\'s own shape on its own endpoint');
    assert.ok(body.request_id && body.err_msg);
  });

  test('each key spends its own budget: team-a (3 a minute) is limited while team-b goes on', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/v1/transcriptions?limit=1', TEAM_A)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const limited = await get('/v1/transcriptions?limit=1', TEAM_A);
    assert.match(limited.body.error.message, /API key team-a: the limit is 3 a minute/);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await get('/v1/transcriptions?limit=1', TEAM_B)).status, 200, 'another key from the same address is not affected');
  });

  test('live: the SDK with a key streams; a browser-style `token, <key>` protocol works; no key is refused with 401 before the upgrade', async () => {
    const wsUrl = `${t.streaming.url}/v1/listen?model=nova-2&encoding=linear16&sample_rate=16000`;
    const refused = await refusedUpgrade(wsUrl);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, 'unauthorized');
    assert.equal(refused.body.err_code, 'INVALID_AUTH');

    const sdk = await openSdkLive(t.streaming.url, { model: 'nova-2', encoding: 'linear16', sample_rate: '16000' }, TEAM_B);
    sdk.conn.sendCloseStream({ type: 'CloseStream' });
    assert.equal((await sdk.closed).code, 1000);

    const browser = await openRawLive(wsUrl, ['token', TEAM_A]);
    assert.equal(browser.ws.protocol, 'token', 'the token scheme is echoed, as Deepgram does');
    await sendAudio((c) => browser.ws.send(c), audio().subarray(44), 3200, 0);
    browser.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await browser.closed).code, 1000);
    assert.ok(browser.messages.some((m) => m.type === 'Results'));
  });

  test('a session id the client chose (create_session=true): started under it, resumed by the same URL after a drop, and not another tenant’s to take', async () => {
    const id = randomUUID();
    const url = `${t.streaming.url.replace(/^http/, 'ws')}/v1/listen?model=nova-2&encoding=linear16&sample_rate=16000&session_id=${id}&create_session=true`;
    const speech = t.audio('preamble-16k.wav').subarray(44, 44 + 6 * 32_000);
    const first = await openRawLive(url, ['token', TEAM_B]);
    await sendAudio((c) => first.ws.send(c), speech.subarray(0, 3 * 32_000), 3200, 5);
    await first.waitFor((m) => m.type === 'Results');
    const session = await get(`/v1/streams/${id}`, TEAM_B);
    assert.equal(session.status, 200);
    assert.equal(session.body.id, id);
    assert.equal((await get(`/v1/streams/${id}`, TEAM_C)).status, 404, 'another tenant does not see it');

    // A dropped connection (a train tunnel): the client repeats the very same URL, as an SDK's reconnect does.
    first.ws.terminate();
    const again = await openRawLive(url, ['token', TEAM_B]);
    await sendAudio((c) => again.ws.send(c), speech.subarray(3 * 32_000), 3200, 5);
    again.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await again.closed).code, 1000);
    const resumed = await get(`/v1/streams/${id}`, TEAM_B);
    assert.equal(resumed.body.resume_count, 1, 'one session, resumed once');
    assert.equal((await get('/v1/streams?limit=50', TEAM_B)).body.data.filter((x: { id: string }) => x.id === id).length, 1);

    // Another tenant naming the same id gets neither a session of its own under it nor team-b's.
    assert.equal((await refusedUpgrade(url)).status, 401, 'no key, no session');
    const otherTenant = new WebSocket(url, ['token', TEAM_C]);
    const refusal = await new Promise<number>((resolve) => {
      otherTenant.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      otherTenant.on('open', () => resolve(101));
      otherTenant.on('error', () => undefined);
    });
    assert.equal(refusal, 409, 'an id another tenant holds is refused (session_id_taken), never resumed');
  });

  test('a recorded session is its tenant’s alone: another tenant cannot read its recording, captions or re-pass it', async () => {
    const url = `${t.streaming.url.replace(/^http/, 'ws')}/v1/listen?model=nova-2&encoding=linear16&sample_rate=16000&record=true`;
    const live = await openRawLive(url, ['token', TEAM_B]);
    await sendAudio((c) => live.ws.send(c), t.audio('preamble-16k.wav').subarray(44, 44 + 2 * 32_000), 3200, 0);
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    const id = live.messages.find((m) => m.type === 'Metadata').request_id as string;
    const ready = async () => ((await get(`/v1/streams/${id}`, TEAM_B)).body.recording?.status === 'ready' ? true : undefined);
    for (let i = 0; i < 100 && !(await ready()); i++) await new Promise((r) => setTimeout(r, 200));
    assert.equal((await fetch(t.stack.url(`/v1/streams/${id}/recording`), { headers: { authorization: `Token ${TEAM_B}` } })).status, 200);
    for (const path of [`/v1/streams/${id}/recording`, `/v1/streams/${id}?format=srt`]) {
      const res = await fetch(t.stack.url(path), { headers: { authorization: `Token ${TEAM_C}` } });
      assert.equal(res.status, 404, `${path} for another tenant`);
    }
    const repass = await fetch(t.stack.url(`/v1/streams/${id}/transcribe`), { method: 'POST', headers: { authorization: `Token ${TEAM_C}` } });
    assert.equal(repass.status, 404);
    assert.equal((await fetch(t.stack.url(`/v1/streams/${id}/transcribe`), { method: 'POST' })).status, 401);
  });
});
