/**
 * One live session as a careful client would run it through crashes: streams linear16 audio in real time, and when
 * the socket dies (its streaming worker was killed, or the session could not continue) reconnects with
 * `session_id` and resends the audio from `resume_from_seconds` (`GET /v1/streams/:id`), as the README says.
 * Everything it received is kept per connection, for the accounting in verify.ts.
 */
import WebSocket from 'ws';

const BYTES_PER_SECOND = 16_000 * 2;
const CHUNK_SECONDS = 0.1;
const CHUNK_BYTES = BYTES_PER_SECOND * CHUNK_SECONDS;

export interface ReceivedFinal {
  start: number;
  end: number;
}

export interface LiveConnection {
  /** Audio time this connection started sending from (0, or the resume point). */
  from: number;
  finals: ReceivedFinal[];
  closeCode?: number;
  closeReason?: string;
}

export interface LiveOutcome {
  index: number;
  sessionId?: string;
  /** Connections of the session that was completed (earlier, abandoned session ids are in `abandoned`). */
  connections: LiveConnection[];
  /** Sessions the client had to start over because the server never made them durable (refused at start). */
  abandoned: string[];
  audioSeconds: number;
  completed: boolean;
  error?: string;
}

export interface LiveClientOptions {
  streamingUrl: string;
  apiUrl: string;
  pcm: Buffer;
  index: number;
  deadline: number;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QUERY = 'model=nova-2&encoding=linear16&sample_rate=16000&channels=1&interim_results=true';

interface Opened {
  ws: WebSocket;
  sessionId: string;
}

/** Opens the socket; a refusal comes back as its HTTP status. */
function open(url: string): Promise<Opened | { status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let sessionId = '';
    ws.on('upgrade', (res) => (sessionId = String(res.headers['dg-request-id'] ?? '')));
    ws.once('open', () => resolve({ ws, sessionId }));
    ws.once('error', () => resolve({ status: 0, body: 'connection failed' }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

/** `GET /v1/streams/:id`, retried while the API cannot answer (PostgreSQL restarting). */
async function sessionState(apiUrl: string, id: string, deadline: number): Promise<{ status: number; body: any }> {
  while (true) {
    try {
      const res = await fetch(`${apiUrl}/v1/streams/${id}`);
      if (res.status < 500) return { status: res.status, body: await res.json() };
    } catch {
      // the API is fine; its database or Temporal may be restarting
    }
    if (Date.now() > deadline) return { status: 0, body: null };
    await sleep(500);
  }
}

export async function runLiveSession(options: LiveClientOptions): Promise<LiveOutcome> {
  const { pcm, deadline } = options;
  const audioSeconds = pcm.length / BYTES_PER_SECOND;
  const outcome: LiveOutcome = { index: options.index, connections: [], abandoned: [], audioSeconds, completed: false };
  let from = 0;
  let durable = false;
  while (Date.now() < deadline) {
    const url = `${options.streamingUrl}/v1/listen?${QUERY}${outcome.sessionId ? `&session_id=${outcome.sessionId}` : ''}`;
    const opened = await open(url);
    if (!('ws' in opened)) {
      // 409 session_in_use: the dead worker's relay is not yet presumed dead; 0/503: the worker is restarting.
      if (opened.status === 404 && outcome.sessionId && !durable) {
        options.log(`live #${options.index}: session ${outcome.sessionId} never became durable (404); starting over`);
        outcome.abandoned.push(outcome.sessionId);
        outcome.sessionId = undefined;
        outcome.connections = [];
        from = 0;
      } else if (opened.status === 409 && opened.body.includes('session_ended')) {
        outcome.error = `resume refused: ${opened.body.slice(0, 200)}`;
        return outcome;
      }
      await sleep(500);
      continue;
    }
    const { ws } = opened;
    outcome.sessionId ??= opened.sessionId;
    const connection: LiveConnection = { from, finals: [] };
    outcome.connections.push(connection);
    let closeStreamSent = false;
    const closed = new Promise<void>((resolve) =>
      ws.on('close', (code, reason) => {
        connection.closeCode = code;
        connection.closeReason = reason.toString();
        resolve();
      }),
    );
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type?: string; is_final?: boolean; start?: number; duration?: number };
      if (m.type === 'Results') durable = true;
      if (m.type === 'Results' && m.is_final && m.start !== undefined && m.duration !== undefined) {
        connection.finals.push({ start: m.start, end: Math.round((m.start + m.duration) * 1000) / 1000 });
      }
    });
    // Real time: 100 ms of audio every 100 ms, from the resume point.
    const startedAt = performance.now();
    let offset = Math.round(from * 16_000) * 2;
    let sent = 0;
    while (offset < pcm.length && ws.readyState === WebSocket.OPEN) {
      ws.send(pcm.subarray(offset, offset + CHUNK_BYTES));
      offset += CHUNK_BYTES;
      sent++;
      const wait = startedAt + sent * CHUNK_SECONDS * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
    }
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'CloseStream' }));
      closeStreamSent = true;
    }
    const timer = setTimeout(() => ws.terminate(), 30_000);
    await closed;
    clearTimeout(timer);
    if (closeStreamSent && connection.closeCode === 1000) {
      outcome.completed = true;
      return outcome;
    }
    // Interrupted: ask where the stored transcript ends, and resend from there.
    const state = await sessionState(options.apiUrl, outcome.sessionId, deadline);
    if (state.status === 404 && !durable) {
      outcome.abandoned.push(outcome.sessionId);
      outcome.sessionId = undefined;
      outcome.connections = [];
      from = 0;
      continue;
    }
    if (state.status !== 200) {
      outcome.error = `GET /v1/streams/${outcome.sessionId} answered ${state.status}`;
      return outcome;
    }
    durable = true;
    if (state.body.status !== 'active') {
      outcome.error = `session ${state.body.status} (${state.body.close_reason}) after close ${connection.closeCode} ${connection.closeReason}`;
      return outcome;
    }
    from = state.body.resume_from_seconds as number;
    options.log(`live #${options.index}: closed ${connection.closeCode}${connection.closeReason ? ` (${connection.closeReason.slice(0, 60)})` : ''}; resuming at ${from}s`);
  }
  outcome.error ??= 'ran out of time';
  return outcome;
}
