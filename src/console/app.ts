/**
 * The web console (`/console`): sign in with an API key (kept in session storage, gone with the tab), upload with a
 * resumable upload and a progress bar, watch jobs through their progress events, read a transcript with its word
 * timestamps and speakers, download captions, and transcribe the microphone live with a short-lived token. Plain
 * DOM, bundled by esbuild when the API first serves it.
 */
import * as tus from 'tus-js-client';

const KEY_STORAGE = 'transcription-console-key';
const FINAL = ['completed', 'failed', 'canceled', 'deleted'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let apiKey = sessionStorage.getItem(KEY_STORAGE);
const following = new Set<string>();

const authHeaders = (): Record<string, string> => (apiKey ? { authorization: `Token ${apiKey}` } : {});

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(path, { ...init, headers: { ...authHeaders(), ...((init.headers as Record<string, string>) ?? {}) } });
  if (res.status === 401) {
    signOut('That key was not accepted.');
    throw new Error('unauthorized');
  }
  return res;
}

function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

// Sign in and out

async function signIn(key: string): Promise<void> {
  apiKey = key || null;
  const res = await fetch('/v1/transcriptions?limit=1', { headers: authHeaders() });
  if (res.status === 401) {
    apiKey = null;
    $('sign-in-error').textContent = 'That key was not accepted.';
    return;
  }
  if (apiKey) sessionStorage.setItem(KEY_STORAGE, apiKey);
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = apiKey ? `key ${apiKey.slice(0, 8)}…` : 'open deployment';
  await loadJobs();
}

function signOut(message = ''): void {
  sessionStorage.removeItem(KEY_STORAGE);
  apiKey = null;
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('who').textContent = '';
  $('sign-in-error').textContent = message;
}

// Jobs and their progress events

interface JobRow {
  id: string;
  status: string;
  created_at: string;
  chunks?: { total: number; completed: number };
}

function renderJob(job: JobRow): void {
  let row = document.querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(job.id)}"]`);
  if (!row) {
    row = document.createElement('tr');
    row.className = 'job';
    row.dataset.id = job.id;
    row.append(text('td', job.id.slice(0, 8)), text('td', ''), text('td', ''), text('td', new Date(job.created_at).toLocaleTimeString()));
    row.addEventListener('click', () => void showJob(job.id));
    $('jobs').prepend(row);
  }
  row.cells[1]!.textContent = job.status;
  row.cells[1]!.className = `status ${job.status}`;
  if (job.chunks) row.cells[2]!.textContent = `${job.chunks.completed}/${job.chunks.total} chunks`;
  if (!FINAL.includes(job.status)) void follow(job.id);
}

async function loadJobs(): Promise<void> {
  const res = await api('/v1/transcriptions?limit=20');
  const page = (await res.json()) as { data: JobRow[] };
  for (const job of [...page.data].reverse()) renderJob(job);
}

/** Reads the job's server-sent events (with fetch: EventSource cannot send the key) and updates its row. */
async function follow(id: string): Promise<void> {
  if (following.has(id)) return;
  following.add(id);
  try {
    const res = await api(`/v1/transcriptions/${encodeURIComponent(id)}/events`);
    if (!res.ok || !res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer.slice(0, end).split('\n').find((l) => l.startsWith('data:'));
        buffer = buffer.slice(end + 2);
        if (!data) continue;
        const event = JSON.parse(data.slice(5)) as { status: string; phase: string | null; percent?: number; chunks?: { total: number; completed: number } };
        const row = document.querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(id)}"]`);
        if (!row) continue;
        row.cells[1]!.textContent = event.status;
        row.cells[1]!.className = `status ${event.status}`;
        row.cells[2]!.textContent = event.phase ? `${event.phase}${event.percent !== undefined ? ` ${event.percent}%` : ''}` : '';
      }
    }
  } finally {
    following.delete(id);
  }
}

// One job's transcript

async function showJob(id: string): Promise<void> {
  const body = $('detail-body');
  body.className = '';
  body.replaceChildren(text('p', 'Loading…', 'muted'));
  const job = (await (await api(`/v1/transcriptions/${encodeURIComponent(id)}`)).json()) as {
    id: string;
    status: string;
    transcript?: string;
    error?: { message: string };
    duration_seconds: number | null;
    result?: { results?: { channels?: Array<{ alternatives?: Array<{ words?: Array<{ word: string; punctuated_word?: string; start: number; end: number; speaker?: number }> }> }> } };
  };
  const parts: HTMLElement[] = [text('p', `${job.id} · ${job.status}${job.duration_seconds ? ` · ${job.duration_seconds.toFixed(1)} s` : ''}`, 'muted')];
  if (job.error) parts.push(text('p', job.error.message, 'error'));
  if (job.transcript !== undefined) {
    const transcript = text('p', job.transcript);
    transcript.id = 'transcript';
    parts.push(transcript);
    const words = document.createElement('div');
    words.className = 'words';
    let speaker: number | undefined;
    for (const w of job.result?.results?.channels?.[0]?.alternatives?.[0]?.words ?? []) {
      if (w.speaker !== undefined && w.speaker !== speaker) {
        speaker = w.speaker;
        words.append(text('span', `Speaker ${speaker}:`, 'speaker'));
      }
      const span = text('span', w.punctuated_word ?? w.word);
      span.title = `${w.start.toFixed(2)}–${w.end.toFixed(2)} s`;
      words.append(span);
    }
    parts.push(words);
    const downloads = document.createElement('p');
    for (const format of ['txt', 'srt', 'vtt']) {
      const button = text('button', `Download .${format}`);
      button.addEventListener('click', () => void download(job.id, format));
      downloads.append(button, ' ');
    }
    parts.push(downloads);
  }
  body.replaceChildren(...parts);
}

async function download(id: string, format: string): Promise<void> {
  const blob = await (await api(`/v1/transcriptions/${encodeURIComponent(id)}?format=${format}`)).blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `${id}.${format}`;
  link.click();
  URL.revokeObjectURL(link.href);
}

// Upload: resumable (tus), then a job of the finished upload

function upload(file: File): void {
  const bar = $<HTMLProgressElement>('upload-progress');
  const status = $('upload-status');
  bar.hidden = false;
  bar.value = 0;
  status.textContent = `Uploading ${file.name}…`;
  const tusUpload = new tus.Upload(file, {
    endpoint: '/v1/uploads',
    headers: authHeaders(),
    metadata: { filetype: file.type || 'application/octet-stream', filename: file.name },
    retryDelays: [0, 1000, 3000, 5000],
    onProgress: (sent, total) => (bar.value = Math.round((sent / total) * 100)),
    onError: (err) => (status.textContent = `Upload failed: ${err.message}`),
    onSuccess: async () => {
      const uploadId = tusUpload.url!.split('/').pop()!;
      const res = await api('/v1/transcriptions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upload_id: uploadId, mode: 'async' }) });
      const job = (await res.json()) as JobRow & { error?: { message: string } };
      if (!res.ok) {
        status.textContent = `Refused: ${job.error?.message ?? res.status}`;
        return;
      }
      status.textContent = `${file.name}: job ${job.id.slice(0, 8)}`;
      renderJob(job);
    },
  });
  tusUpload.start();
}

// Live microphone: a short-lived token (never the key) on the WebSocket, linear16 from the microphone

let live: { ws: WebSocket; context: AudioContext; stream: MediaStream } | undefined;

async function startLive(): Promise<void> {
  const status = $('live-status');
  ($('live-start') as HTMLButtonElement).disabled = true;
  let protocols: string[] | undefined;
  if (apiKey) {
    const res = await api('/v1/auth/grant', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ttl_seconds: 60 }) });
    if (!res.ok) {
      status.textContent = 'Could not get a live token.';
      ($('live-start') as HTMLButtonElement).disabled = false;
      return;
    }
    protocols = ['bearer', ((await res.json()) as { access_token: string }).access_token];
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const query = new URLSearchParams({ encoding: 'linear16', sample_rate: String(context.sampleRate), channels: '1', punctuate: 'true', interim_results: 'true' });
  const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/v1/listen?${query}`, protocols);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (message) => {
    const data = JSON.parse(String(message.data)) as { type: string; is_final?: boolean; channel?: { alternatives?: Array<{ transcript?: string }> } };
    const transcript = data.channel?.alternatives?.[0]?.transcript;
    if (data.type === 'Results' && data.is_final && transcript) $('live-finals').append(text('p', transcript, 'final'));
  };
  ws.onclose = (event) => {
    status.textContent = event.code === 1000 ? 'Ended.' : `Closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
    void stopLive(false);
  };
  // A ScriptProcessor keeps this one file; it hands 16-bit PCM to the socket as it is captured.
  const processor = context.createScriptProcessor(4096, 1, 1);
  processor.onaudioprocess = (e) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const input = e.inputBuffer.getChannelData(0);
    const pcm = new Int16Array(input.length);
    for (let i = 0; i < input.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(input[i]! * 32767)));
    ws.send(pcm.buffer);
  };
  source.connect(processor);
  processor.connect(context.destination);
  live = { ws, context, stream };
  ws.onopen = () => (status.textContent = 'Listening…');
  ($('live-stop') as HTMLButtonElement).disabled = false;
}

async function stopLive(closeSocket = true): Promise<void> {
  const current = live;
  live = undefined;
  if (!current) return;
  for (const track of current.stream.getTracks()) track.stop();
  await current.context.close();
  if (closeSocket && current.ws.readyState === WebSocket.OPEN) current.ws.send(JSON.stringify({ type: 'CloseStream' }));
  ($('live-start') as HTMLButtonElement).disabled = false;
  ($('live-stop') as HTMLButtonElement).disabled = true;
}

// Wiring

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  void signIn(($('key') as HTMLInputElement).value.trim());
});
$('sign-out').addEventListener('click', () => signOut());
$('refresh').addEventListener('click', () => void loadJobs());
$('file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) upload(file);
});
$('live-start').addEventListener('click', () => void startLive());
$('live-stop').addEventListener('click', () => void stopLive());
if (apiKey !== null) void signIn(apiKey);
