import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { findChromium } from '../helpers/chromium.js';

const KEY = 'console-user-secret-0123456789ab';
const PREAMBLE = 'we the people of the united states in order to form a more perfect union';

/**
 * The web console in a real browser (Debian's Chromium, headless, driven by playwright-core): sign in with a key,
 * upload a recording (resumable upload with a progress bar), watch the job complete through its events, read the
 * transcript and download captions, and transcribe the microphone live, fed from a WAV file by Chromium's fake
 * audio capture, through a short-lived token.
 */
describeWithStack('the web console', { transcripts: { 'preamble-rest.wav': PREAMBLE }, stack: { env: { API_KEYS: `console:${KEY}` } }, streaming: 'on-api-port' }, (t) => {
  let browser: Browser;
  let page: Page;
  const sockets: Array<{ url: string }> = [];

  before(async () => {
    browser = await chromium.launch({
      executablePath: await findChromium(),
      args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${path.join(AUDIO_DIR, 'preamble-16k.wav')}`, '--autoplay-policy=no-user-gesture-required'],
    });
    const context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
    page.on('websocket', (ws) => sockets.push({ url: ws.url() }));
    await page.goto(t.stack.url('/console'));
  });
  after(async () => {
    await browser?.close();
  });

  test('a wrong key is refused; the right one signs in and is kept for the tab', async () => {
    await page.fill('#key', 'not-the-key');
    await page.click('#sign-in button[type=submit]');
    await page.waitForFunction("document.getElementById('sign-in-error')?.textContent?.includes('not accepted')");
    await page.fill('#key', KEY);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#app:not([hidden])');
    assert.equal(await page.evaluate("sessionStorage.getItem('transcription-console-key')"), KEY);
  });

  test('upload: a progress bar, then the job completes live in the list; its transcript, words and captions', async () => {
    await page.setInputFiles('#file', path.join(AUDIO_DIR, 'preamble-rest.wav'));
    await page.waitForFunction("document.getElementById('upload-progress').value === 100", undefined, { timeout: 30_000 });
    const row = page.locator('tr.job', { has: page.locator('td.status.completed') }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await page.waitForSelector('#transcript');
    assert.equal(await page.textContent('#transcript'), PREAMBLE);
    const words = page.locator('.words span[title]');
    assert.equal(await words.count(), PREAMBLE.split(' ').length);
    assert.match((await words.first().getAttribute('title'))!, /^\d+\.\d\d–\d+\.\d\d s$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download .srt')]);
    const srt = await readFile((await download.path())!, 'utf8');
    assert.match(srt, /^1\n00:00:\d\d,\d{3} --> /);
  });

  test('live microphone: finals appear while it listens, through a short-lived token, never the key', async () => {
    await page.click('#live-start');
    await page.waitForSelector('#live-finals p.final', { timeout: 45_000 });
    await page.click('#live-stop');
    const live = sockets.find((s) => s.url.includes('/v1/listen'));
    assert.ok(live, 'a WebSocket to /v1/listen');
    assert.ok(!live.url.includes(KEY), 'the key is not in the URL');
    const sessions = (await (await fetch(t.stack.url('/v1/streams?limit=5'), { headers: { authorization: `Token ${KEY}` } })).json()) as { data: unknown[] };
    assert.ok(sessions.data.length >= 1, 'the session is the key’s tenant’s');
  });
});
