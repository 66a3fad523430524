import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DeepgramClient, DeepgramError } from '@deepgram/sdk';
import { getJson } from '../helpers/stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

const TEXT = 'Yep. I said it before, and I will say it again. Life moves pretty fast.';

/** Apps built on the Deepgram SDK point it at us by base URL and nothing else changes. */
describeWithStack('drop-in Deepgram API (POST /v1/listen) through the unmodified @deepgram/sdk', { media: true, transcripts: { 'Bueller-Life-moves-pretty-fast.mp3': TEXT } }, (t) => {
  let receiver: WebhookReceiver;
  let dg: DeepgramClient;
  const mp3 = () => t.audio('Bueller-Life-moves-pretty-fast.mp3');
  before(async () => {
    receiver = await startWebhookReceiver();
    t.defer(() => receiver.close());
    dg = new DeepgramClient({ apiKey: 'any-key-our-api-accepts', baseUrl: t.stack.api.url, maxRetries: 0 });
  });

  test('transcribeUrl returns Deepgram’s response shape, and the job is listable like any other', async () => {
    const { data, rawResponse } = await dg.listen.v1.media.transcribeUrl({ url: t.media.file('Bueller-Life-moves-pretty-fast.mp3'), model: 'nova-3', smart_format: true }).withRawResponse();
    assert.ok('results' in data);
    assert.equal(data.results.channels[0]?.alternatives?.[0]?.transcript, TEXT);
    assert.ok(data.metadata.duration > 17);
    const jobId = rawResponse.headers.get('x-transcription-id')!;
    const job = await getJson(t.stack.url(`/v1/transcriptions/${jobId}`));
    assert.equal(job.body.status, 'completed');
    assert.equal(job.body.deepgram_request_id, data.metadata.request_id);
    assert.equal(t.parts.emulator.requests().at(-1)!.query.model, 'nova-3');
  });

  test('transcribeFile sends the bytes through our upload path', async () => {
    const data = await dg.listen.v1.media.transcribeFile({ data: mp3(), contentType: 'audio/mpeg' }, { model: 'nova-3', punctuate: true });
    assert.ok('results' in data);
    assert.equal(data.results.channels[0]?.alternatives?.[0]?.transcript, TEXT);
    assert.equal(t.parts.emulator.requests().at(-1)!.audioBytes, mp3().length);
  });

  test('callback mode: an immediate request_id, then Deepgram’s body POSTed to the callback under that id', async () => {
    receiver.script([], 200);
    const accepted = await dg.listen.v1.media.transcribeUrl({ url: t.media.file('Bueller-Life-moves-pretty-fast.mp3'), callback: receiver.url, punctuate: true });
    assert.ok(!('results' in accepted));
    const requestId = accepted.request_id;
    const deadline = Date.now() + 20_000;
    while (!receiver.received.some((r) => r.body?.metadata?.request_id === requestId)) {
      assert.ok(Date.now() < deadline, 'the callback arrived');
      await new Promise((r) => setTimeout(r, 100));
    }
    const delivered = receiver.received.find((r) => r.body?.metadata?.request_id === requestId)!;
    assert.equal(delivered.body.results.channels[0].alternatives[0].transcript, TEXT);
    assert.ok(delivered.body.metadata.upstream_request_id);
    const job = await getJson(t.stack.url(`/v1/transcriptions/${requestId}`));
    assert.equal(job.body.status, 'completed');
  });

  test('errors come back in Deepgram’s shape, as DeepgramError with the status code', async () => {
    await assert.rejects(
      dg.listen.v1.media.transcribeUrl({ url: t.media.file('Bueller-Life-moves-pretty-fast.mp3') }, { queryParams: { not_an_option: 'x' } }),
      (err: unknown) => {
        assert.ok(err instanceof DeepgramError);
        assert.equal(err.statusCode, 400);
        assert.equal((err.body as any).err_code, 'INVALID_QUERY_PARAMETER');
        assert.match((err.body as any).err_msg, /not_an_option/);
        return true;
      },
    );
    await assert.rejects(dg.listen.v1.media.transcribeFile({ data: Buffer.from('garbage bytes, not audio'.repeat(50)), contentType: 'audio/wav' }, {}), (err: unknown) => {
      assert.ok(err instanceof DeepgramError);
      assert.equal(err.statusCode, 422);
      return true;
    });
    const corrupt = t.media.put('corrupt-dropin.wav', Buffer.from('RIFF....WAVEfmt garbage'.repeat(40)));
    await assert.rejects(dg.listen.v1.media.transcribeUrl({ url: corrupt }), (err: unknown) => {
      assert.ok(err instanceof DeepgramError);
      assert.equal(err.statusCode, 422, 'refused audio: well formed, refused for what it holds');
      assert.equal((err.body as any).err_code, 'Bad Request');
      return true;
    });
  });
});
