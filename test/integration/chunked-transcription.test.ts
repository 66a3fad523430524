import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import { describeWithStack } from '../helpers/describe-with-stack.js';
import { longRecording, type LongRecording } from '../helpers/long-recording.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const WAV_HEADER_BYTES = 44;
const RATE = 16_000;

/**
 * Long files in parallel chunks: a 2-minute recording of real speech with pauses, over CHUNK_THRESHOLD_SECONDS, is cut
 * at pauses into chunks of about CHUNK_SECONDS, each sent to Deepgram by its own child workflow, and answered as one
 * Deepgram response on the file's timeline. Every audio sample reaches Deepgram exactly once; a chunk that fails is
 * redone alone; one that keeps failing fails the job with its time range, keeping the others' answers.
 */
describeWithStack(
  'long files transcribed in parallel chunks',
  { stack: { env: { CHUNK_THRESHOLD_SECONDS: '60', CHUNK_SECONDS: '25', DEEPGRAM_RETRY_INITIAL_INTERVAL_MS: '200', DEEPGRAM_RETRY_MAX_ATTEMPTS: '3' } } },
  (t) => {
    let long: LongRecording;
    let pcm: Int16Array;

    before(async () => {
      long = await longRecording([t.audio('preamble-16k.wav'), t.audio('spacewalk.wav'), t.audio('Bueller-Life-moves-pretty-fast.wav')], { pauseSeconds: 1.5, minSeconds: 100 });
      pcm = new Int16Array(long.wav.buffer, long.wav.byteOffset + WAV_HEADER_BYTES, (long.wav.length - WAV_HEADER_BYTES) / 2);
    });

    const submit = async (query = '') => {
      const res = await fetch(t.stack.url(`/v1/transcriptions?mode=async${query}`), { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: long.wav });
      assert.equal(res.status, 202, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    };
    const finished = async (id: string, ms = 90_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const job = (await (await fetch(t.stack.url(`/v1/transcriptions/${id}`))).json()) as any;
        if (['completed', 'failed', 'canceled'].includes(job.status) || Date.now() > deadline) return job;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const listenRequests = (since: number) => t.parts.emulator.requests().slice(since).filter((r) => r.path === '/v1/listen');
    const blobCount = async () => Number((await sql<{ n: string }>`select count(*) as n from audio_blobs`.execute(t.parts.db)).rows[0]!.n);
    /** Loudness (RMS) of the long recording in a window around `seconds`. */
    const rmsAround = (seconds: number, halfWindow = 0.1) => {
      const from = Math.max(0, Math.round((seconds - halfWindow) * RATE));
      const to = Math.min(pcm.length, Math.round((seconds + halfWindow) * RATE));
      let sum = 0;
      for (let i = from; i < to; i++) sum += pcm[i]! * pcm[i]!;
      return Math.sqrt(sum / Math.max(1, to - from));
    };

    test('a long upload is cut in pauses, every sample reaches Deepgram once, and the answer is one file’s', async () => {
      const blobsBefore = await blobCount();
      const since = t.parts.emulator.requests().length;
      const id = await submit('&utterances=true&paragraphs=true&punctuate=true');
      const job = await finished(id);
      assert.equal(job.status, 'completed', JSON.stringify(job.error));
      assert.ok(job.chunks.total >= 4, `chunks: ${JSON.stringify(job.chunks)}`);
      assert.deepEqual(job.chunks, { total: job.chunks.total, completed: job.chunks.total });

      // Deepgram got one request per chunk, each shorter than the threshold, together exactly the file's samples.
      const sent = listenRequests(since);
      assert.equal(sent.length, job.chunks.total);
      const samples = sent.reduce((sum, r) => sum + (r.audioBytes! - WAV_HEADER_BYTES) / 2, 0);
      assert.equal(samples, pcm.length, 'no audio lost or doubled at the cuts');
      for (const r of sent) assert.ok((r.audioBytes! - WAV_HEADER_BYTES) / 2 / RATE < 60, `a chunk of ${r.audioBytes} bytes`);

      const { metadata, results } = job.result;
      assert.ok(Math.abs(metadata.duration - long.seconds) < 0.01, `duration ${metadata.duration} vs ${long.seconds}`);
      assert.equal(metadata.chunks.length, job.chunks.total);
      assert.equal(metadata.chunks[0].start, 0);
      for (let i = 1; i < metadata.chunks.length; i++) {
        assert.equal(metadata.chunks[i].start, metadata.chunks[i - 1].end, 'chunks follow one another');
        // Each cut is in a pause: far quieter there than the speech around it.
        const cut = metadata.chunks[i].start;
        assert.ok(rmsAround(cut) < rmsAround(cut, 3) / 4, `cut at ${cut}s is not in a pause (${rmsAround(cut).toFixed(0)} vs ${rmsAround(cut, 3).toFixed(0)})`);
      }
      assert.ok(Math.abs(metadata.chunks.at(-1).end - long.seconds) < 0.01);
      assert.equal(new Set(metadata.chunks.map((c: any) => c.request_id)).size, job.chunks.total);

      // Words, utterances and paragraphs on the file's timeline: in order, inside their chunk, covering the file.
      const words = results.channels[0].alternatives[0].words as Array<{ start: number; end: number }>;
      for (let i = 1; i < words.length; i++) assert.ok(words[i]!.start >= words[i - 1]!.start, `word ${i} goes back in time`);
      assert.ok(words.at(-1)!.end <= long.seconds + 0.01);
      assert.ok(words.at(-1)!.start > metadata.chunks.at(-1).start, 'the last chunk’s words are placed in the last chunk');
      const utterances = results.utterances as Array<{ start: number; end: number }>;
      assert.ok(utterances.length >= job.chunks.total);
      for (let i = 1; i < utterances.length; i++) assert.ok(utterances[i]!.start >= utterances[i - 1]!.end - 0.01);
      const paragraphs = results.channels[0].alternatives[0].paragraphs.paragraphs as Array<{ start: number }>;
      assert.ok(paragraphs.at(-1)!.start > metadata.chunks.at(-1).start);

      // Captions run on across the cuts.
      const srt = await (await fetch(t.stack.url(`/v1/transcriptions/${id}?format=srt`))).text();
      const cueStarts = [...srt.matchAll(/(\d\d):(\d\d):(\d\d),(\d\d\d) -->/g)].map(([, h, m, s, ms]) => Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000);
      assert.ok(cueStarts.length >= job.chunks.total);
      for (let i = 1; i < cueStarts.length; i++) assert.ok(cueStarts[i]! >= cueStarts[i - 1]!);
      assert.ok(cueStarts.at(-1)! > metadata.chunks.at(-1).start);

      // The chunks' audio is gone once the answer is whole: only the upload itself is kept.
      assert.equal(await blobCount(), blobsBefore + 1);
      const chunkRows = await sql<{ n: string }>`select count(*) as n from job_chunks where job_id = ${id} and (result is not null or blob_id is not null)`.execute(t.parts.db);
      assert.equal(Number(chunkRows.rows[0]!.n), 0);
    });

    test('a chunk whose Deepgram call fails once is redone alone', async () => {
      const since = t.parts.emulator.requests().length;
      t.parts.emulator.injectFault({ status: 503, times: 1 });
      const id = await submit();
      const job = await finished(id);
      assert.equal(job.status, 'completed', JSON.stringify(job.error));
      const sent = listenRequests(since);
      assert.equal(sent.length, job.chunks.total + 1);
      const perChunk = new Map<string, number>();
      for (const r of sent) perChunk.set(r.audioSha256!, (perChunk.get(r.audioSha256!) ?? 0) + 1);
      assert.equal(perChunk.size, job.chunks.total);
      assert.deepEqual([...perChunk.values()].sort(), [...Array(job.chunks.total - 1).fill(1), 2], 'one chunk sent twice, every other once');
    });

    test('a chunk that keeps failing fails the job with its error and time range; the other chunks keep their answers', async () => {
      const blobsBefore = await blobCount();
      t.parts.emulator.injectFault({ status: 400, times: 1, errMsg: 'chunk refused' });
      const id = await submit();
      const job = await finished(id);
      assert.equal(job.status, 'failed');
      assert.equal(job.error.code, 'deepgram_rejected');
      assert.match(job.error.message, /^Chunk \d+ of \d+ \(\d+:\d\d\.\d–\d+:\d\d\.\d\) failed: .*chunk refused/);
      const { index, start, end } = job.error.chunk;
      assert.ok(Number.isInteger(index) && end > start && start >= 0 && end <= long.seconds + 0.01, JSON.stringify(job.error.chunk));
      assert.deepEqual(job.chunks, { total: job.chunks.total, completed: job.chunks.total - 1 });
      const readRows = () => sql<{ chunk_index: number; status: string; kept: boolean }>`select chunk_index, status, result is not null as kept from job_chunks where job_id = ${id} order by chunk_index`.execute(t.parts.db);
      let rows = await readRows();
      // Once seen on a loaded machine: fewer answered rows than the job's count for a moment. Read again before judging.
      for (let tries = 0; tries < 20 && rows.rows.filter((r) => r.status === 'completed' && r.kept).length < job.chunks.total - 1; tries++) {
        await new Promise((r) => setTimeout(r, 250));
        rows = await readRows();
      }
      assert.equal(rows.rows.filter((r) => r.status === 'completed' && r.kept).length, job.chunks.total - 1, `the chunks already done are kept: ${JSON.stringify(rows.rows)}`);
      assert.equal(rows.rows.find((r) => r.status === 'failed') !== undefined, true);

      // Deleting the failed job deletes the upload and every chunk's audio.
      assert.ok(await blobCount() > blobsBefore + 1);
      const deleted = await fetch(t.stack.url(`/v1/transcriptions/${id}`), { method: 'DELETE' });
      assert.ok(deleted.status === 200 || deleted.status === 204);
      assert.equal(await blobCount(), blobsBefore);
    });

    test('options about the whole recording (diarize) keep a long file in one piece', async () => {
      const since = t.parts.emulator.requests().length;
      const id = await submit('&diarize=true');
      const job = await finished(id);
      assert.equal(job.status, 'completed', JSON.stringify(job.error));
      assert.equal(job.chunks, undefined);
      const sent = listenRequests(since);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.audioSha256, sha256(long.wav));
    });
  },
);
