import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { eventually, openRawLive, refusedUpgrade, sendAudio } from '../helpers/live.js';
import { startAppProcess } from '../helpers/processes.js';
import { freePort } from '../helpers/stack.js';
import { normaliseWords, PREAMBLE_WER_LIMIT, SCORED_RECORDINGS, wordErrorRate } from '../helpers/wer.js';

const PCM_BYTES_PER_SECOND = 32_000;
const reference = SCORED_RECORDINGS.find((r) => r.file === 'preamble-16k.wav')!.reference();

/**
 * Recordings of live sessions (record=true) against the local Whisper engine, so transcripts are real words: the
 * audio kept across a streaming worker killed mid-session and the client's resume elsewhere is exactly what the
 * client sent, once; its re-pass is a durable batch job as accurate as a batch job of the source; captions of the
 * live finals and of the re-pass.
 */
describeWithStack('live recordings and re-passes', { emulator: { engine: 'whisper' }, stack: { env: { LIVE_HEARTBEAT_TIMEOUT_MS: '3000', LIVE_PERSIST_INTERVAL_MS: '200' } }, streaming: true }, (t) => {
  const wsUrl = (query: string) => `${t.streaming.url}/v1/listen?model=nova-3&encoding=linear16&sample_rate=16000&${query}`;
  const pcm = () => t.audio('preamble-16k.wav').subarray(44);
  const get = async (path: string) => {
    const res = await fetch(t.stack.url(path));
    return { status: res.status, headers: res.headers, body: (res.headers.get('content-type') ?? '').includes('json') ? ((await res.json()) as any) : Buffer.from(await res.arrayBuffer()) };
  };
  const post = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(t.stack.url(path), { method: 'POST', headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: body === undefined ? null : JSON.stringify(body) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };
  const ended = (id: string) => eventually(async () => {
    const s = await get(`/v1/streams/${id}`);
    return s.body.status === 'ended' && s.body.recording?.status !== 'recording' && s.body.recording?.status !== 'finishing' ? s.body : undefined;
  }, 60_000, `session ${id} ended with its recording joined`);
  const completedJob = (id: string) => eventually(async () => {
    const j = await get(`/v1/transcriptions/${id}`);
    if (j.body.status === 'failed') assert.fail(`job ${id} failed: ${JSON.stringify(j.body.error)}`);
    return j.body.status === 'completed' ? j.body : undefined;
  }, 120_000, `job ${id} completed`);

  let droppedSession: string;

  test('a streaming worker killed mid-session, the client resumed on another from the point the reconnect gives: the recording is its audio exactly, no gap, nothing twice', { timeout: 180_000 }, async () => {
    const audio = pcm();
    // The session starts on a streaming worker of its own process, to die like a crashed machine.
    const doomedPort = await freePort();
    const doomed = startAppProcess('src/main/streaming-worker.ts', { ...t.env, STREAMING_PORT: String(doomedPort), METRICS_PORT: '0', TEMPORAL_SDK_METRICS_PORT: '0', LOG_LEVEL: 'info' }, 'streaming worker running');
    t.defer(() => {
      if (doomed.child.exitCode === null) doomed.child.kill('SIGKILL');
    });
    await doomed.ready;
    const first = await openRawLive(`ws://127.0.0.1:${doomedPort}/v1/listen?model=nova-3&encoding=linear16&sample_rate=16000&record=true`);
    await sendAudio((c) => first.ws.send(c), audio.subarray(0, 10 * PCM_BYTES_PER_SECOND), 3200, 40);
    // Continuous speech: Finalize asks for the final of what was said so far, as a client about to pause would.
    first.ws.send(JSON.stringify({ type: 'Finalize' }));
    const final = await first.waitFor((m) => m.type === 'Results' && m.is_final && m.channel.alternatives[0].transcript.length > 0, 60_000);
    droppedSession = final.metadata.request_id as string;
    // Two more seconds that no final covers yet, then the worker dies (SIGKILL): the client will send them again.
    await sendAudio((c) => first.ws.send(c), audio.subarray(10 * PCM_BYTES_PER_SECOND, 12 * PCM_BYTES_PER_SECOND), 3200, 40);
    await new Promise((r) => setTimeout(r, 300));
    doomed.child.kill('SIGKILL');
    assert.equal((await first.closed).code, 1006, 'the socket died with its worker');

    // The reconnect, to another worker once the dead relay stopped heartbeating: the 101 says where on the session's
    // timeline the client's audio is taken to start, at or before what it had sent; the client sends from there.
    const again = await eventually(async () => openRawLive(wsUrl(`record=true&session_id=${droppedSession}`)).catch(() => undefined), 30_000, 'the resume');
    const resumeFrom = Number(again.headers['resume-from-seconds']);
    const resumeByte = Math.round((resumeFrom * PCM_BYTES_PER_SECOND) / 2) * 2;
    assert.ok(resumeFrom > 0 && resumeByte <= 12 * PCM_BYTES_PER_SECOND, `resume from ${again.headers['resume-from-seconds']} s, at most what the client had sent`);
    assert.equal((await get(`/v1/streams/${droppedSession}`)).body.resume_from_seconds, resumeFrom, 'the same point GET /v1/streams/:id gives');
    await sendAudio((c) => again.ws.send(c), audio.subarray(resumeByte), 3200, 40);
    again.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await again.closed).code, 1000);

    const session = await ended(droppedSession);
    assert.equal(session.resume_count, 1);
    assert.equal(session.recording.status, 'ready');
    assert.equal(session.recording.bytes, audio.length);
    assert.ok(Math.abs(session.recording.seconds - audio.length / PCM_BYTES_PER_SECOND) < 0.001, `${session.recording.seconds} s recorded`);
    const recording = await get(session.recording.url);
    assert.equal(recording.status, 200);
    assert.equal(recording.headers.get('content-type'), 'audio/wav');
    const wav = recording.body as Buffer;
    assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
    assert.equal(wav.readUInt32LE(24), 16_000, 'sample rate');
    assert.equal(wav.readUInt32LE(40), audio.length, 'data size');
    assert.ok(wav.subarray(44).equals(audio), 'the recording is byte for byte the audio the client sent, once');
  });

  test('the re-pass is a durable batch job of the recording, as accurate as a batch job of the source; asking again returns it', { timeout: 240_000 }, async () => {
    const repass = await post(`/v1/streams/${droppedSession}/transcribe`, { options: { model: 'nova-3', smart_format: true } });
    assert.equal(repass.status, 202, JSON.stringify(repass.body));
    assert.equal(repass.headers.get('location'), `/v1/transcriptions/${repass.body.id}`);
    const batch = await fetch(t.stack.url('/v1/transcriptions?mode=async'), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: t.audio('preamble-16k.wav') });
    const batchJob = (await batch.json()) as any;
    const [repassDone, batchDone] = await Promise.all([completedJob(repass.body.id), completedJob(batchJob.id)]);
    const werRepass = wordErrorRate(reference, normaliseWords(repassDone.transcript));
    const werBatch = wordErrorRate(reference, normaliseWords(batchDone.transcript));
    assert.ok(werRepass <= PREAMBLE_WER_LIMIT, `re-pass WER ${werRepass.toFixed(3)}: ${repassDone.transcript}`);
    assert.ok(werRepass <= werBatch + 0.02, `re-pass WER ${werRepass.toFixed(3)} vs the batch job's ${werBatch.toFixed(3)}`);

    const session = (await get(`/v1/streams/${droppedSession}`)).body;
    assert.deepEqual(session.repass, { job_id: repass.body.id, links: { job: `/v1/transcriptions/${repass.body.id}` } });
    const again = await post(`/v1/streams/${droppedSession}/transcribe`, { options: { model: 'nova-3', smart_format: true } });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, repass.body.id, 'the same options: the same job, not a second one');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  });

  test('captions and text of the live finals and of the re-pass', async () => {
    const session = (await get(`/v1/streams/${droppedSession}`)).body;
    const txt = await fetch(t.stack.url(`/v1/streams/${droppedSession}?format=txt`));
    assert.match(txt.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await txt.text(), `${session.transcript}\n`);
    const vtt = await (await fetch(t.stack.url(`/v1/streams/${droppedSession}?format=vtt`))).text();
    assert.match(vtt, /^WEBVTT/);
    assert.match(vtt, /\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}/);
    const srt = await (await fetch(t.stack.url(`/v1/streams/${droppedSession}?format=srt`))).text();
    assert.match(srt, /^1\n\d\d:\d\d:\d\d,\d{3} --> /);
    assert.ok(normaliseWords(srt.replace(/^\d+$|^.* --> .*$/gm, '')).join(' ').includes('united states'), srt);
    // The last caption ends where the last final does: on the session's one timeline, across the resume.
    const lastEnd = session.segments.filter((s: any) => s.transcript).at(-1).words.at(-1).end as number;
    const cues = [...srt.matchAll(/--> (\d\d):(\d\d):(\d\d),(\d{3})/g)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000);
    assert.ok(Math.abs(cues.at(-1)! - lastEnd) < 0.5, `last cue ends at ${cues.at(-1)}, the last final word at ${lastEnd}`);
    const repassSrt = await fetch(t.stack.url(`/v1/streams/${droppedSession}?format=srt&source=repass`));
    assert.equal(repassSrt.status, 200);
    assert.match(await repassSrt.text(), /^1\n00:00:\d\d,\d{3} --> /);
    assert.equal((await get(`/v1/streams/${droppedSession}?format=doc`)).status, 400);
    assert.equal((await get(`/v1/streams/${droppedSession}?format=srt&source=elsewhere`)).status, 400);
  });

  test('repass=true at connect: the recording is transcribed again by itself when the session ends', { timeout: 180_000 }, async () => {
    const live = await openRawLive(wsUrl('repass=true'));
    await sendAudio((c) => live.ws.send(c), pcm().subarray(0, 8 * PCM_BYTES_PER_SECOND), 3200, 20);
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await live.closed).code, 1000);
    const metadata = live.messages.find((m) => m.type === 'Metadata');
    const id = metadata.request_id as string;
    const session = await eventually(async () => {
      const s = (await get(`/v1/streams/${id}`)).body;
      return s.repass ? s : undefined;
    }, 60_000, 'the automatic re-pass');
    assert.equal(session.recording.status, 'ready');
    assert.equal(session.recording.bytes, 8 * PCM_BYTES_PER_SECOND);
    const job = await completedJob(session.repass.job_id);
    assert.match(job.transcript.toLowerCase(), /we the people/);
    const row = await t.parts.db.selectFrom('jobs').select('options').where('id', '=', job.id).executeTakeFirstOrThrow();
    assert.deepEqual(row.options, { model: 'nova-3' }, 'the session’s own options that apply to a file (not its encoding or sample rate)');
  });

  test('bad requests: no recording, still streaming, unknown session, a malformed body, repass with record=false', async () => {
    const plain = await openRawLive(wsUrl(''));
    await sendAudio((c) => plain.ws.send(c), pcm().subarray(0, 2 * PCM_BYTES_PER_SECOND), 3200, 0);
    const streaming = await openRawLive(wsUrl('record=true'));
    await sendAudio((c) => streaming.ws.send(c), pcm().subarray(0, PCM_BYTES_PER_SECOND), 3200, 0);
    plain.ws.send(JSON.stringify({ type: 'CloseStream' }));
    await plain.closed;
    const plainId = plain.messages.find((m) => m.type === 'Metadata').request_id as string;
    const noRecording = await post(`/v1/streams/${plainId}/transcribe`);
    assert.equal(noRecording.status, 409);
    assert.equal(noRecording.body.error.code, 'no_recording');
    assert.equal((await get(`/v1/streams/${plainId}/recording`)).status, 409);
    assert.equal((await get(`/v1/streams/${plainId}`)).body.recording, null);

    const active = (await get('/v1/streams?status=active')).body.data.find((s: any) => s.recording?.status === 'recording');
    assert.ok(active, 'the streaming session shows its recording in progress');
    const early = await post(`/v1/streams/${active.id}/transcribe`);
    assert.equal(early.status, 409);
    assert.equal(early.body.error.code, 'recording_not_ready');
    assert.ok(Number(early.headers.get('retry-after')) > 0);
    streaming.ws.send(JSON.stringify({ type: 'CloseStream' }));
    await streaming.closed;

    assert.equal((await post('/v1/streams/00000000-0000-4000-8000-000000000000/transcribe')).status, 404);
    const badOptions = await post(`/v1/streams/${droppedSession}/transcribe`, { options: { model: 7 } });
    assert.equal(badOptions.status, 400);
    const unknownField = await post(`/v1/streams/${droppedSession}/transcribe`, { colour: 'blue' });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.body.error.message, /Unknown field\(s\): colour/);
    const wrongType = await fetch(t.stack.url(`/v1/streams/${droppedSession}/transcribe`), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'please' });
    assert.equal(wrongType.status, 415);
    const refused = await refusedUpgrade(wsUrl('repass=true&record=false'));
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /repass=true .* needs record=true/);
  });

  test('deleting the session deletes its recording', async () => {
    const session = (await get(`/v1/streams/${droppedSession}`)).body;
    assert.equal(session.recording.status, 'ready');
    // Other sessions of this file may still be storing recordings: look at this one's blob, not at a count.
    const blobExists = async (id: string) => (await t.parts.db.selectFrom('audio_blobs').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
    const { recording_blob_id: blobId } = await t.parts.db.selectFrom('live_sessions').select('recording_blob_id').where('id', '=', droppedSession).executeTakeFirstOrThrow();
    assert.ok(blobId && (await blobExists(blobId)));
    const repassJob = await t.parts.db.selectFrom('jobs').select('source').where('id', '=', session.repass.job_id).executeTakeFirstOrThrow();
    const repassBlob = (repassJob.source as { blobId: string }).blobId;
    assert.equal((await fetch(t.stack.url(`/v1/streams/${droppedSession}`), { method: 'DELETE' })).status, 204);
    assert.equal(await blobExists(blobId), false, 'the recording blob is gone');
    assert.equal(await blobExists(repassBlob), true, 'the re-pass keeps its own copy');
    assert.equal((await get(`/v1/streams/${droppedSession}/recording`)).status, 410);
    assert.equal((await post(`/v1/streams/${droppedSession}/transcribe`)).status, 410);
  });
});
