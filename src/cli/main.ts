import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import WebSocket from 'ws';
import { readCliOptions, USAGE, UsageError, type CliOptions } from './cli-options.js';
import { createProgress } from './progress.js';
import { createTranscriptionClient, TranscriptionApiError } from '../client/http-client.js';

/** A refusal or failure the user should read: printed without a stack, exit code 1. */
class CliError extends Error {}

const CONTENT_TYPES: Record<string, string> = {
  '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.flac': 'audio/flac', '.ogg': 'audio/ogg', '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4', '.mp4': 'video/mp4', '.webm': 'audio/webm', '.aac': 'audio/aac',
};
const LIVE_CHUNK_BYTES = 16 * 1024;

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = readCliOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`transcribe: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  try {
    switch (options.command) {
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      case 'jobs':
        return await listJobs(options);
      case 'get':
        return await printJob(options, options.target!);
      case 'live':
        return await live(options);
      default:
        return await transcribe(options);
    }
  } catch (err) {
    if (err instanceof CliError || err instanceof UsageError) {
      process.stderr.write(`transcribe: ${err.message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') {
      process.stderr.write(`transcribe: nothing answers at ${options.url} (start it with npm start, or pass --url)\n`);
      return 1;
    }
    throw err;
  }
}

function headers(options: CliOptions, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(options.key ? { authorization: `Token ${options.key}` } : {}), ...extra };
}

/** The API's answer as JSON, or its error message as a CliError. */
async function api(options: CliOptions, pathAndQuery: string, init: RequestInit = {}): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${options.url}${pathAndQuery}`, { ...init, headers: headers(options, (init.headers as Record<string, string>) ?? {}) });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.status >= 400) throw new CliError(`${res.status}: ${body?.error?.message ?? body?.err_msg ?? text.slice(0, 200)}`);
  return { status: res.status, body, text };
}

async function transcribe(options: CliOptions): Promise<number> {
  const target = options.target!;
  const progress = createProgress(options.quiet);
  let submitted: { status: number; body: any };
  if (/^https?:\/\//i.test(target)) {
    submitted = await api(options, '/v1/transcriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        url: target,
        mode: options.mode,
        ...(options.maxDurationSeconds !== undefined ? { max_duration_seconds: options.maxDurationSeconds } : {}),
        ...(options.webhook ? { webhook_url: options.webhook } : {}),
      }),
    });
  } else {
    if (options.mode === 'stream') throw new UsageError('--mode stream takes the URL of a live stream, not a file (stream a file with `transcribe live`)');
    const size = await stat(target).then(
      (s) => (s.isFile() ? s.size : Promise.reject(new UsageError(`${target} is not a file`))),
      () => Promise.reject(new UsageError(`no such file: ${target}`)),
    );
    let sent = 0;
    const counted = createReadStream(target).pipe(
      new Transform({
        transform(piece: Buffer, _enc, done) {
          sent += piece.length;
          progress.update('upload', sent / size, `${mib(sent)}/${mib(size)} MiB`);
          done(null, piece);
        },
      }),
    );
    const query = new URLSearchParams({ mode: options.mode, ...(options.webhook ? { webhook_url: options.webhook } : {}) });
    submitted = await api(options, `/v1/transcriptions?${query}`, {
      method: 'POST',
      headers: { 'content-type': CONTENT_TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream' },
      body: Readable.toWeb(counted) as unknown as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    progress.done('upload', `${mib(size)} MiB`);
  }
  const job = submitted.body;
  if (!options.wait) {
    process.stdout.write(`${job.id}\t${job.status}\n`);
    return 0;
  }
  if (job.status !== 'completed' && job.status !== 'failed') await follow(options, job.id, progress);
  return printJob(options, job.id);
}

/** Follows a job's progress events (read with the client package's reader) to its final state, drawing its phase and percent. */
async function follow(options: CliOptions, id: string, progress: ReturnType<typeof createProgress>): Promise<void> {
  const client = createTranscriptionClient({ baseUrl: options.url, ...(options.key ? { apiKey: options.key } : {}) });
  try {
    for await (const event of client.events(id)) {
      const label = event.final ? event.status : (event.phase ?? event.status);
      const detail = event.chunks ? `${event.chunks.completed}/${event.chunks.total} chunks${event.eta_seconds !== undefined ? `, ~${event.eta_seconds}s left` : ''}` : '';
      if (event.final) progress.done('job', event.status);
      else progress.update('job', event.percent !== undefined ? event.percent / 100 : null, `${label}${detail ? ` (${detail})` : ''}`);
    }
  } catch (err) {
    if (err instanceof TranscriptionApiError) throw new CliError(`${err.status}: could not follow job ${id}: ${err.message}`);
    throw err;
  }
}

async function printJob(options: CliOptions, id: string): Promise<number> {
  if (options.format === 'json') {
    const { body } = await api(options, `/v1/transcriptions/${encodeURIComponent(id)}`);
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return body.status === 'failed' ? 1 : 0;
  }
  const { body: job } = await api(options, `/v1/transcriptions/${encodeURIComponent(id)}`);
  if (job.status === 'failed') throw new CliError(`job ${id} failed: ${job.error?.message ?? 'unknown error'}`);
  if (job.status !== 'completed') throw new CliError(`job ${id} is ${job.status}; run again with --wait, or later`);
  const { text } = await api(options, `/v1/transcriptions/${encodeURIComponent(id)}?format=${options.format}`);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}

async function listJobs(options: CliOptions): Promise<number> {
  const { body } = await api(options, `/v1/transcriptions?limit=${options.limit}`);
  for (const job of body.data as any[]) {
    const duration = typeof job.duration_seconds === 'number' ? `${job.duration_seconds.toFixed(1)}s` : '-';
    process.stdout.write(`${job.id}\t${job.status}\t${job.mode}\t${duration}\t${job.created_at}\n`);
  }
  return 0;
}

/** Streams a file or stdin to the live endpoint as a Deepgram client would, printing each final as it arrives. */
async function live(options: CliOptions): Promise<number> {
  const source = options.target === '-' ? process.stdin : createReadStream(options.target!);
  if (options.target !== '-') await stat(options.target!).catch(() => Promise.reject(new UsageError(`no such file: ${options.target}`)));
  const wsUrl = `${options.url.replace(/^http/, 'ws')}/v1/listen?punctuate=true`;
  const ws = new WebSocket(wsUrl, { headers: headers(options) });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(new CliError(`the live endpoint refused the session: ${res.statusCode}`)));
    ws.once('error', (err) => reject(new CliError(`could not open a live session at ${wsUrl}: ${err.message}`)));
  });
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const text = message.type === 'Results' && message.is_final ? message.channel?.alternatives?.[0]?.transcript : undefined;
    if (text) process.stdout.write(`${text}\n`);
  });
  for await (const piece of source as AsyncIterable<Buffer>) {
    for (let at = 0; at < piece.length; at += LIVE_CHUNK_BYTES) ws.send(piece.subarray(at, at + LIVE_CHUNK_BYTES));
    // Backpressure: let the socket drain before reading more.
    while (ws.bufferedAmount > 1024 * 1024) await new Promise((r) => setTimeout(r, 20));
  }
  ws.send(JSON.stringify({ type: 'CloseStream' }));
  const { code, reason } = await closed;
  if (code !== 1000) throw new CliError(`the live session ended with ${code}${reason ? `: ${reason}` : ''}`);
  return 0;
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

process.exitCode = await main();
