import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { before, test } from 'node:test';
import { eventually, openRawLive, sendAudio, startTestStreamingWorker } from '../helpers/live.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { freePort, getJson } from '../helpers/stack.js';
import { describeWithStack } from '../helpers/describe-with-stack.js';

/** `npm run streaming-worker` as its own process, so it can die like a crashed machine. */
function startWorkerProcess(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/streaming-worker.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('streaming worker running')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => reject(new Error(`streaming worker exited with ${code} before it was ready:\n${output}`)));
  });
  return { child, ready };
}

const BYTES_PER_SECOND = 16_000 * 2;

describeWithStack(
  'a streaming worker killed mid-session',
  { stack: { worker: false, env: { LIVE_HEARTBEAT_TIMEOUT_MS: '3000', LIVE_PERSIST_INTERVAL_MS: '200' } }, streaming: true },
  (t) => {
  let doomed: ChildProcess | undefined;
  const pcm = () => t.audio('preamble-16k.wav').subarray(44);
  before(() => t.defer(() => {
    if (doomed && doomed.exitCode === null) doomed.kill('SIGKILL');
  }));

  test('the client reconnects to another worker with session_id and the transcript continues; the recording has every byte once', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const first = startWorkerProcess({ ...t.env, STREAMING_PORT: String(port) });
    doomed = first.child;
    await first.ready;

    const query = 'model=nova-2&encoding=linear16&sample_rate=16000&interim_results=true&record=true';
    const before = await openRawLive(`ws://127.0.0.1:${port}/v1/listen?${query}`);
    await sendAudio((c) => before.ws.send(c), pcm().subarray(0, 8 * BYTES_PER_SECOND), 3200, 25);
    const sessionId = (await before.waitFor((m) => m.type === 'Results')).metadata.request_id;
    const stored = await eventually(async () => {
      const { body } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
      return body.segments?.length >= 2 ? body : undefined;
    }, 20_000, 'finals stored during the session');

    first.child.kill('SIGKILL');
    const lost = await before.closed;
    assert.equal(lost.code, 1006, 'the socket died with its worker');

    // Resume where the stored transcript ends (Deepgram's own advice: resend audio since the last final).
    const { body: beforeResume } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
    assert.equal(beforeResume.status, 'active', 'the session outlives its worker');
    const resumeAt: number = beforeResume.resume_from_seconds;
    assert.ok(resumeAt >= stored.segments.at(-1).end);
    const after = await openRawLive(`${t.streaming.url}/v1/listen?${query}&session_id=${sessionId}`);
    await sendAudio((c) => after.ws.send(c), pcm().subarray(Math.round(resumeAt * 16_000) * 2), 3200, 10);
    after.ws.send(JSON.stringify({ type: 'CloseStream' }));
    const closed = await after.closed;
    assert.equal(closed.code, 1000);

    const resumedFinals = after.messages.filter((m) => m.type === 'Results' && m.is_final);
    assert.ok(resumedFinals.length > 0);
    assert.ok(Math.abs(resumedFinals[0].start - resumeAt) < 0.002, `the resumed timeline continues at ${resumeAt}, got ${resumedFinals[0].start}`);
    assert.ok(after.messages.every((m) => m.type !== 'Results' || m.metadata.request_id === sessionId));
    assert.equal(after.messages.at(-1).type, 'Metadata');

    const done = await eventually(async () => {
      const { body } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
      return body.status === 'ended' ? body : undefined;
    });
    assert.equal(done.close_reason, 'client_closed');
    assert.equal(done.resume_count, 1);
    const segments = done.segments;
    assert.deepEqual(segments.map((s: any) => s.seq), segments.map((_: any, i: number) => i), 'numbered without gaps or repeats');
    assert.deepEqual(segments.slice(0, stored.segments.length), stored.segments, 'what was stored before the crash stays');
    assert.equal(segments[0].start, 0);
    for (let i = 1; i < segments.length; i++) {
      assert.ok(Math.abs(segments[i].start - segments[i - 1].end) < 0.002, `segment ${i} starts at ${segments[i].start}, previous ended at ${segments[i - 1].end}`);
    }
    const total = pcm().length / BYTES_PER_SECOND;
    assert.ok(segments.at(-1).end >= total - 0.01, `the transcript reaches the end of the audio (${segments.at(-1).end} of ${total})`);

    // record=true: the dead worker's unwritten audio is what the client sent again, so the recording lacks nothing and
    // holds the resent stretch once.
    const recorded = await eventually(async () => {
      const { body } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
      return body.recording?.status === 'ready' ? body.recording : undefined;
    }, 30_000, 'the recording joined');
    assert.equal(recorded.bytes, pcm().length);
    const wav = Buffer.from(await (await fetch(t.stack.url(recorded.url))).arrayBuffer());
    assert.ok(wav.subarray(44).equals(pcm()), 'the recording is the audio, byte for byte');
  });

  test('a worker lost the moment its client got a clean close leaves the session ended, not waiting for a resume', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const worker = startWorkerProcess({ ...t.env, STREAMING_PORT: String(port) });
    doomed = worker.child;
    await worker.ready;
    const live = await openRawLive(`ws://127.0.0.1:${port}/v1/listen?model=nova-2&encoding=linear16&sample_rate=16000`);
    await sendAudio((c) => live.ws.send(c), pcm().subarray(0, 3 * BYTES_PER_SECOND), 3200, 10);
    live.ws.send(JSON.stringify({ type: 'CloseStream' }));
    const closed = await live.closed;
    worker.child.kill('SIGKILL');
    assert.equal(closed.code, 1000);
    const sessionId = live.messages.find((m) => m.type === 'Results').metadata.request_id;

    // Recorded before the close frame went out, so nothing is left to the worker that just died.
    const { body: ended } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
    assert.equal(ended.status, 'ended');
    assert.equal(ended.close_reason, 'client_closed');
    assert.ok(Math.abs(ended.audio_seconds - 3) < 0.001, `audio_seconds ${ended.audio_seconds}`);
    assert.ok(ended.segments.at(-1).end >= 2.99, 'every final stored');
    const resume = await openRawLive(`${t.streaming.url}/v1/listen?model=nova-2&encoding=linear16&sample_rate=16000&session_id=${sessionId}`).catch((err: Error) => err);
    assert.ok(resume instanceof Error && /409/.test(resume.message), `a resume is refused: ${String(resume)}`);
  });

  test('a streaming worker shutting down stores its finals and closes clients with 1012; they resume elsewhere', { timeout: 60_000 }, async () => {
    const leaving = (await startTestStreamingWorker(t.parts, t.env)).worker;
    const query = 'model=nova-2&encoding=linear16&sample_rate=16000';
    const live = await openRawLive(`${leaving.url}/v1/listen?${query}`);
    await sendAudio((c) => live.ws.send(c), pcm().subarray(0, 5 * BYTES_PER_SECOND), 3200, 10);
    const sessionId = (await live.waitFor((m) => m.type === 'Results' && m.is_final)).metadata.request_id;
    await leaving.stop();
    const closed = await live.closed;
    assert.equal(closed.code, 1012);
    assert.match(closed.reason, new RegExp(`session_id=${sessionId}`));

    const { body: paused } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
    assert.equal(paused.status, 'active');
    assert.ok(paused.resume_from_seconds >= 4.9, `the last finals were flushed and stored (resume at ${paused.resume_from_seconds})`);
    const resumed = await openRawLive(`${t.streaming.url}/v1/listen?${query}&session_id=${sessionId}`);
    await sendAudio((c) => resumed.ws.send(c), pcm().subarray(Math.round(paused.resume_from_seconds * 16_000) * 2, 8 * BYTES_PER_SECOND), 3200, 10);
    resumed.ws.send(JSON.stringify({ type: 'CloseStream' }));
    assert.equal((await resumed.closed).code, 1000);
    const done = await eventually(async () => {
      const { body } = await getJson(t.stack.url(`/v1/streams/${sessionId}`));
      return body.status === 'ended' ? body : undefined;
    });
    assert.equal(done.resume_count, 1);
    assert.ok(done.segments.at(-1).end >= 7.99);
  });
});
