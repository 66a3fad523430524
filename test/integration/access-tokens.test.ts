import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeepgramClient } from '@deepgram/sdk';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import WebSocket from 'ws';
import { eventually, openRawLive, openSdkFlux, sendAudio } from '../helpers/live.js';

const KEY = 'web-app-secret-0123456789abcdef';
const OTHER = 'other-team-secret-0123456789ab';
const TEXT = 'testing one two three';

/**
 * Deepgram's `POST /v1/auth/grant` with the unmodified SDK: a key trades itself for a short-lived token, which the
 * SDK's `accessToken` option then sends as `Bearer` on REST and live, acting for the key's tenant until it expires.
 */
describeWithStack(
  'short-lived access tokens',
  { transcripts: { 'testing-websocket.wav': TEXT }, stack: { env: { API_KEYS: `web:${KEY},other:${OTHER}` } }, streaming: true },
  (t) => {
    const audio = () => t.audio('testing-websocket.wav');
    const grant = async (ttl?: number) => {
      const dg = new DeepgramClient({ apiKey: KEY, baseUrl: t.stack.api.url, maxRetries: 0 });
      return dg.auth.v1.tokens.grant(ttl === undefined ? {} : { ttl_seconds: ttl });
    };

    test('the SDK grants a token (30 s by default) and transcribes with it as accessToken; the job is the key’s tenant’s', async () => {
      const granted = await grant();
      assert.equal(granted.expires_in, 30);
      assert.match(granted.access_token, /^dat_/);
      const dg = new DeepgramClient({ accessToken: granted.access_token, baseUrl: t.stack.api.url, maxRetries: 0 });
      const { data, rawResponse } = await dg.listen.v1.media.transcribeFile(audio(), { model: 'nova-3' }).withRawResponse();
      assert.equal((data as any).results.channels[0].alternatives[0].transcript, TEXT);
      const jobId = rawResponse.headers.get('x-transcription-id')!;
      const own = await fetch(t.stack.url(`/v1/transcriptions/${jobId}`), { headers: { authorization: `Token ${KEY}` } });
      assert.equal(own.status, 200);
      const other = await fetch(t.stack.url(`/v1/transcriptions/${jobId}`), { headers: { authorization: `Token ${OTHER}` } });
      assert.equal(other.status, 404, 'another tenant does not see it');
    });

    test('live: a browser holding only a token streams with the `bearer, <token>` protocol; the SDK with accessToken too', async () => {
      const { access_token: token } = await grant(60);
      const wsUrl = `${t.streaming.url}/v1/listen?model=nova-2&encoding=linear16&sample_rate=16000`;
      const browser = await openRawLive(wsUrl, ['bearer', token]);
      await sendAudio((c) => browser.ws.send(c), audio().subarray(44), 3200, 0);
      browser.ws.send(JSON.stringify({ type: 'CloseStream' }));
      assert.equal((await browser.closed).code, 1000);
      assert.ok(browser.messages.some((m) => m.type === 'Results'));

      const dg = new DeepgramClient({ accessToken: token, baseUrl: t.streaming.url.replace(/^ws/, 'http') });
      const conn: any = await dg.listen.v1.connect({ model: 'nova-2', encoding: 'linear16', sample_rate: 16000, reconnectAttempts: 0 } as any);
      const closed = new Promise<number>((resolve) => conn.on('close', (e: any) => resolve(e.code)));
      conn.connect();
      await conn.waitForOpen();
      conn.sendCloseStream({ type: 'CloseStream' });
      assert.equal(await closed, 1000);

      // Flux too: the SDK's listen.v2 with the same token; Configure is answered through the gateway.
      const flux = await openSdkFlux(t.streaming.url, { encoding: 'linear16', sample_rate: 16000 }, { accessToken: token });
      flux.conn.sendConfigure({ type: 'Configure', keyterms: ['gateway'] });
      await sendAudio((c) => flux.conn.sendMedia(c), audio().subarray(44, 44 + 32_000), 3200, 0);
      await eventually(async () => (flux.messages.some((m) => m.type === 'ConfigureSuccess') ? true : undefined), 10_000, 'ConfigureSuccess');
      flux.conn.sendCloseStream({ type: 'CloseStream' });
      assert.equal((await flux.closed).code, 1000);
      assert.equal(flux.messages[0].type, 'Connected');
    });

    test('an expired or forged token is 401 on REST and live; a token cannot grant another; a bad ttl_seconds is 400', async () => {
      const { access_token: shortLived } = await grant(1);
      await new Promise((r) => setTimeout(r, 1_500));
      const expired = new DeepgramClient({ accessToken: shortLived, baseUrl: t.stack.api.url, maxRetries: 0 });
      await assert.rejects(expired.listen.v1.media.transcribeFile(audio(), { model: 'nova-3' }), (err: any) => err.statusCode === 401);
      const forged = new DeepgramClient({ accessToken: 'dat_forged-token-that-nobody-granted', baseUrl: t.stack.api.url, maxRetries: 0 });
      await assert.rejects(forged.listen.v1.media.transcribeFile(audio(), { model: 'nova-3' }), (err: any) => err.statusCode === 401);
      const liveStatus = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${t.streaming.url}/v1/listen?model=nova-2`, ['bearer', shortLived]);
        ws.on('open', () => reject(new Error('an expired token opened a live session')));
        ws.on('error', () => undefined);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
      assert.equal(liveStatus, 401);
      const fluxStatus = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${t.streaming.url}/v2/listen?model=flux-general-en`, ['bearer', 'dat_forged-token-that-nobody-granted']);
        ws.on('open', () => reject(new Error('a forged token opened a Flux session')));
        ws.on('error', () => undefined);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
      assert.equal(fluxStatus, 401);

      const { access_token: token } = await grant(60);
      const byToken = await fetch(t.stack.url('/v1/auth/grant'), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(byToken.status, 403);
      assert.ok(((await byToken.json()) as any).err_msg);
      for (const ttl of [0, 3601, 'soon']) {
        const res = await fetch(t.stack.url('/v1/auth/grant'), { method: 'POST', headers: { authorization: `Token ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ ttl_seconds: ttl }) });
        assert.equal(res.status, 400, String(ttl));
        assert.equal(((await res.json()) as any).err_code, 'Bad Request');
      }
    });
  },
);
