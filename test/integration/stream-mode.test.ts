import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually } from '../helpers/live.js';
import { startRadioServer, type RadioServer } from '../helpers/radio-server.js';

/**
 * Stream mode: `POST /v1/transcriptions {"url", "mode": "stream"}` for a URL that is itself a live audio stream (a
 * local "internet radio" serving the fixture's speech as an endless WAV). A durable live session on the streaming
 * workers pulls it into Deepgram Live; finals are readable while it plays; it ends at the stream's end, at its
 * maximum duration or on cancel; a dropped source is opened again and the transcript keeps one timeline.
 */
describeWithStack('stream mode: a URL that is a live audio stream', { stack: { env: { LIVE_PERSIST_INTERVAL_MS: '200' } }, streaming: true }, (t) => {
  let radio: RadioServer;
  before(async () => {
    radio = await startRadioServer(t.audio('preamble-16k.wav').subarray(44), { speed: 2 });
    t.defer(() => radio.close());
  });
  const submit = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await fetch(t.stack.url('/v1/transcriptions'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ mode: 'stream', ...body }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const job = async (id: string) => ((await fetch(t.stack.url(`/v1/transcriptions/${id}`))).json()) as Promise<any>;
  const finished = (id: string, timeoutMs = 60_000) =>
    eventually(async () => {
      const j = await job(id);
      return ['completed', 'failed', 'canceled'].includes(j.status) ? j : undefined;
    }, timeoutMs, `stream job ${id} finished`);
  const session = async (id: string) => ((await fetch(t.stack.url(`/v1/streams/${id}`))).json()) as Promise<any>;

  test('a finite stream: transcribed as it plays, then the job completes with its finals as the transcript', { timeout: 90_000 }, async () => {
    const accepted = await submit({ url: `${radio.url}/finite.wav?seconds=8`, options: { model: 'nova-2', smart_format: true } });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.mode, 'stream');
    assert.match(accepted.body.links.self, new RegExp(accepted.body.id));
    const done = await finished(accepted.body.id);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.ok(done.transcript.length > 0, 'the finals are the transcript');
    assert.equal(done.stream.session, `/v1/streams/${done.id}`);
    assert.ok(Math.abs(done.stream.audio_seconds - 8) < 0.2, `${done.stream.audio_seconds} s heard`);
    assert.equal(done.result.results.channels[0].alternatives[0].transcript, done.transcript);
    const live = await session(done.id);
    assert.equal(live.status, 'ended');
    assert.equal(live.close_reason, 'client_closed', 'the stream ended');
    assert.ok(live.segments.at(-1).end >= 7.9, `finals reach the end (${live.segments.at(-1).end})`);
    const srt = await (await fetch(t.stack.url(`/v1/transcriptions/${done.id}?format=srt`))).text();
    assert.match(srt, /^1\n00:00:0\d,\d{3} --> /);
  });

  test('an endless stream: finals readable while it plays; it ends at max_duration_seconds', { timeout: 90_000 }, async () => {
    const accepted = await submit({ url: `${radio.url}/radio.wav`, options: { model: 'nova-2' }, max_duration_seconds: 15 });
    assert.equal(accepted.status, 202);
    const running = await eventually(async () => {
      const j = await job(accepted.body.id);
      return j.status === 'processing' && j.stream.finals > 0 && j.transcript ? j : undefined;
    }, 30_000, 'finals while the stream plays');
    assert.ok(running.stream.audio_seconds > 0);
    const events = await fetch(t.stack.url(`/v1/transcriptions/${accepted.body.id}/events`));
    assert.match(events.headers.get('content-type') ?? '', /text\/event-stream/);
    // Progress events carry the finals as they are stored: each event the ones since the previous.
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const seen: Array<{ seq: number; transcript: string }> = [];
    for (const deadline = Date.now() + 20_000; seen.length < 2 && Date.now() < deadline; ) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
      text = text.slice(complete.length);
      for (const [, data] of complete.matchAll(/^data: (.*)$/gm)) {
        const event = JSON.parse(data!) as { status: string; stream?: { finals: number; new_finals: Array<{ seq: number; transcript: string }> } };
        assert.equal(event.status, 'processing');
        for (const f of event.stream?.new_finals ?? []) if (!seen.some((s) => s.seq === f.seq)) seen.push(f);
      }
    }
    await reader.cancel();
    assert.ok(seen.length >= 2, `finals arrived as events (${JSON.stringify(seen)})`);
    assert.deepEqual(seen.map((f) => f.seq), [...seen.map((f) => f.seq)].sort((a, b) => a - b), 'in order');
    assert.ok(seen.every((f) => f.transcript.length > 0));
    const done = await finished(accepted.body.id);
    assert.equal(done.status, 'completed');
    const live = await session(done.id);
    assert.equal(live.close_reason, 'max_duration');
    assert.ok(live.audio_seconds > 8 && live.audio_seconds <= 31, `${live.audio_seconds} s in 15 s at twice real time`);
  });

  test('cancel ends the stream; the finals stored so far stay in its live session', { timeout: 60_000 }, async () => {
    const accepted = await submit({ url: `${radio.url}/radio.wav`, options: { model: 'nova-2' } });
    await eventually(async () => ((await job(accepted.body.id)).stream?.finals > 0 ? true : undefined), 30_000, 'finals');
    const cancel = await fetch(t.stack.url(`/v1/transcriptions/${accepted.body.id}/cancel`), { method: 'POST' });
    assert.equal(cancel.status, 200);
    const done = await finished(accepted.body.id);
    assert.equal(done.status, 'canceled');
    const live = await eventually(async () => {
      const s = await session(accepted.body.id);
      return s.status === 'ended' ? s : undefined;
    }, 20_000, 'the session ended');
    assert.equal(live.close_reason, 'closed_by_request');
    assert.ok(live.segments.length > 0);
  });

  test('a source that drops is opened again: one timeline, every final once', { timeout: 90_000 }, async () => {
    const accepted = await submit({ url: `${radio.url}/drop.wav?after=4`, options: { model: 'nova-2' }, max_duration_seconds: 8 });
    const done = await finished(accepted.body.id);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(radio.connections.get('/drop.wav'), 2, 'opened again once');
    const live = await session(done.id);
    const segments = live.segments as Array<{ seq: number; start: number; end: number }>;
    assert.deepEqual(segments.map((s) => s.seq), segments.map((_, i) => i), 'numbered without gaps or repeats');
    for (let i = 1; i < segments.length; i++) assert.ok(segments[i]!.start >= segments[i - 1]!.end - 0.002, `segment ${i} starts before the previous one ends`);
    assert.ok(live.audio_seconds > 8, `the audio after the drop counted too (${live.audio_seconds} s)`);
  });

  test('a stream that cannot be read fails the job with source_unavailable', { timeout: 60_000 }, async () => {
    const accepted = await submit({ url: `${radio.url}/nothing-here.wav`, options: { model: 'nova-2' } });
    assert.equal(accepted.status, 202);
    const done = await finished(accepted.body.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.error.code, 'source_unavailable');
    assert.match(done.error.message, /404/);
  });

  test('bad requests: an upload, options Deepgram Live does not take, a maximum too long, max_duration_seconds without stream, a batch item', async () => {
    const upload = await fetch(t.stack.url('/v1/transcriptions?mode=stream'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: t.audio('preamble-16k.wav') });
    assert.equal(upload.status, 400);
    assert.equal(((await upload.json()) as any).error.code, 'invalid_mode');
    const paragraphs = await submit({ url: `${radio.url}/radio.wav`, options: { model: 'nova-2', paragraphs: true } });
    assert.equal(paragraphs.status, 400);
    assert.equal(paragraphs.body.error.code, 'invalid_option');
    assert.match(paragraphs.body.error.message, /Deepgram Live.*paragraphs/);
    const tooLong = await submit({ url: `${radio.url}/radio.wav`, max_duration_seconds: 10 ** 7 });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body.error.message, /max_duration_seconds/);
    const notStream = await submit({ url: `${radio.url}/radio.wav`, mode: 'async', max_duration_seconds: 5 });
    assert.equal(notStream.status, 400);
    const noUrl = await submit({});
    assert.equal(noUrl.status, 400);
    const batch = await fetch(t.stack.url('/v1/transcriptions/batch'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ url: `${radio.url}/radio.wav`, mode: 'stream' }] }) });
    const batchBody = (await batch.json()) as any;
    assert.equal(batchBody.items[0].status, 400);
    assert.equal(batchBody.items[0].error.code, 'invalid_mode');
  });

  test('an Idempotency-Key replays the same stream job instead of starting a second pull', { timeout: 60_000 }, async () => {
    const key = `stream-${Date.now()}`;
    const first = await submit({ url: `${radio.url}/finite.wav?seconds=2`, options: { model: 'nova-2' } }, { 'idempotency-key': key });
    const again = await submit({ url: `${radio.url}/finite.wav?seconds=2`, options: { model: 'nova-2' } }, { 'idempotency-key': key });
    assert.equal(again.body.id, first.body.id);
    const other = await submit({ url: `${radio.url}/finite.wav?seconds=3`, options: { model: 'nova-2' } }, { 'idempotency-key': key });
    assert.equal(other.status, 409);
    await finished(first.body.id);
    // Deleting the job deletes its finals too (its live session keeps only a tombstone).
    assert.equal((await fetch(t.stack.url(`/v1/transcriptions/${first.body.id}`), { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(t.stack.url(`/v1/streams/${first.body.id}`))).status, 410);
  });
});
