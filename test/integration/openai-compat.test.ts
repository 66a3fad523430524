import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { AUDIO_DIR } from '../helpers/paths.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PREAMBLE = 'we the people of the united states in order to form a more perfect union';

/**
 * OpenAI's speech-to-text API, driven by the official `openai` package, unmodified, pointed at our base URL: each
 * request is a durable job of the caller's tenant, answered in every response_format OpenAI has, streamed as OpenAI's
 * server-sent events, and refused in OpenAI's error shape (which the SDK raises as its own typed errors).
 */
describeWithStack('OpenAI-compatible speech-to-text', { transcripts: { 'preamble-rest.wav': PREAMBLE }, stack: {} }, (t) => {
  let openai: OpenAI;
  const file = () => createReadStream(path.join(AUDIO_DIR, 'preamble-rest.wav'));

  before(() => {
    openai = new OpenAI({ apiKey: 'unused-in-open-mode', baseURL: t.stack.url('/v1'), maxRetries: 0 });
  });

  test('json: the transcript and its duration as usage; the request is a job in the job list', async () => {
    const { data, response } = await openai.audio.transcriptions.create({ file: file(), model: 'whisper-1' }).withResponse();
    assert.equal(data.text, PREAMBLE);
    assert.deepEqual((data as any).usage, { type: 'duration', seconds: 20 });
    const jobId = response.headers.get('x-transcription-id');
    assert.ok(jobId);
    const job = (await (await fetch(t.stack.url(`/v1/transcriptions/${jobId}`))).json()) as any;
    assert.equal(job.status, 'completed');
    assert.equal(job.transcript, PREAMBLE);
    const sent = t.parts.emulator.requests().filter((r) => r.path === '/v1/listen').at(-1)!;
    assert.equal(sent.query.model, 'nova-3', 'whisper-1 means the best general model');
    assert.equal(sent.query.smart_format, 'true');
  });

  test('text, srt and vtt come back as OpenAI sends them', async () => {
    const text = await openai.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: 'text' });
    assert.equal(String(text).trim(), PREAMBLE);
    const srt = String(await openai.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: 'srt' }));
    assert.match(srt, /^1\r?\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\r?\n/);
    const vtt = String(await openai.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: 'vtt' }));
    assert.match(vtt, /^WEBVTT/);
    assert.match(vtt, /00:00:\d\d\.\d{3} --> 00:00:\d\d\.\d{3}/);
  });

  test('verbose_json with word and segment timestamps, the language by name, and the duration', async () => {
    const verbose = await openai.audio.transcriptions.create({
      file: file(),
      model: 'gpt-4o-transcribe',
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
      language: 'en',
    });
    assert.equal(verbose.text, PREAMBLE);
    assert.equal(verbose.language, 'english');
    assert.ok(Math.abs(verbose.duration - 19.1) < 0.1, String(verbose.duration));
    assert.equal(verbose.words!.map((w) => w.word).join(' '), PREAMBLE);
    for (let i = 1; i < verbose.words!.length; i++) assert.ok(verbose.words![i]!.start >= verbose.words![i - 1]!.end - 0.001);
    assert.ok(verbose.segments!.length >= 1);
    assert.equal(verbose.segments!.map((s) => s.text).join(' '), PREAMBLE);
    assert.equal(verbose.segments![0]!.id, 0);
  });

  test('stream=true: transcript.text.delta events, then transcript.text.done with the whole text', async () => {
    const stream = await openai.audio.transcriptions.create({ file: file(), model: 'gpt-4o-mini-transcribe', stream: true });
    const events: any[] = [];
    for await (const event of stream) events.push(event);
    const deltas = events.filter((e) => e.type === 'transcript.text.delta');
    assert.ok(deltas.length >= 1);
    assert.equal(deltas.map((d) => d.delta).join(''), PREAMBLE);
    assert.equal(events.at(-1).type, 'transcript.text.done');
    assert.equal(events.at(-1).text, PREAMBLE);
  });

  test('a prompt becomes Nova-3 keyterms; language is passed on', async () => {
    await openai.audio.transcriptions.create({ file: file(), model: 'whisper-1', prompt: 'Temporal, Deepgram', language: 'en' });
    const sent = t.parts.emulator.requests().filter((r) => r.path === '/v1/listen').at(-1)!;
    assert.deepEqual(sent.query.keyterm, ['Temporal', 'Deepgram']);
    assert.equal(sent.query.language, 'en');
  });

  test('GET /v1/models lists OpenAI’s names and Deepgram’s; an unknown model is OpenAI’s 404', async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    for (const id of ['whisper-1', 'gpt-4o-transcribe', 'nova-3']) assert.ok(ids.includes(id), ids.join(', '));
    assert.equal((await openai.models.retrieve('nova-3')).id, 'nova-3');
    await assert.rejects(openai.models.retrieve('gpt-2'), (err: unknown) => err instanceof OpenAI.NotFoundError && (err.error as any).code === 'model_not_found');
  });

  test('bad input is OpenAI’s 400, naming the parameter: an unsupported response_format, a missing file or model', async () => {
    await assert.rejects(
      openai.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: 'mp3' as any }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && (err.error as any).param === 'response_format' && (err.error as any).type === 'invalid_request_error',
    );
    await assert.rejects(
      openai.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: 'json', timestamp_granularities: ['word'] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && (err.error as any).param === 'timestamp_granularities',
    );
    await assert.rejects(
      openai.audio.transcriptions.create({ file: file(), model: '' }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && (err.error as any).param === 'model',
    );
    const form = new FormData();
    form.set('model', 'whisper-1');
    const noFile = await fetch(t.stack.url('/v1/audio/transcriptions'), { method: 'POST', body: form });
    assert.equal(noFile.status, 400);
    const body = (await noFile.json()) as any;
    assert.equal(body.error.param, 'file');
    assert.equal(body.error.type, 'invalid_request_error');
    // Not audio at all: Deepgram refuses it, and so do we, as OpenAI does (400).
    await assert.rejects(
      openai.audio.transcriptions.create({ file: await toFile(Buffer.from('not audio, only text'.repeat(50)), 'notes.wav'), model: 'whisper-1' }),
      (err: unknown) => err instanceof OpenAI.BadRequestError,
    );
  });

  test('with keys in use: a wrong key is OpenAI’s 401 (invalid_api_key); a tenant’s key sees its own jobs only', async () => {
    const keyed: Stack = await startStack(t.parts, { env: { API_KEYS: 'alpha:alpha-key-0123456789abcdef,beta:beta-key-0123456789abcdef0' } });
    t.defer(() => keyed.stop());
    const wrong = new OpenAI({ apiKey: 'not-a-key', baseURL: keyed.url('/v1'), maxRetries: 0 });
    await assert.rejects(wrong.audio.transcriptions.create({ file: file(), model: 'whisper-1' }), (err: unknown) => err instanceof OpenAI.AuthenticationError && (err.error as any).code === 'invalid_api_key');
    const alpha = new OpenAI({ apiKey: 'alpha-key-0123456789abcdef', baseURL: keyed.url('/v1'), maxRetries: 0 });
    const { response } = await alpha.audio.transcriptions.create({ file: file(), model: 'whisper-1' }).withResponse();
    const jobId = response.headers.get('x-transcription-id')!;
    const asBeta = await fetch(keyed.url(`/v1/transcriptions/${jobId}`), { headers: { authorization: 'Token beta-key-0123456789abcdef0' } });
    assert.equal(asBeta.status, 404);
    const asAlpha = await fetch(keyed.url(`/v1/transcriptions/${jobId}`), { headers: { authorization: 'Bearer alpha-key-0123456789abcdef' } });
    assert.equal(asAlpha.status, 200);
  });
});
