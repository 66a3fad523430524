/**
 * Live streaming: plain types shared by the WebSocket gateway, the `liveSession` workflow and its activities.
 * Everything that crosses a Temporal payload is plain data; audio never does.
 */

import type { DeepgramOptions } from './transcription.js';

/** Deepgram live query parameters, validated, as the strings Deepgram expects (repeatable ones as lists). */
export type LiveOptions = Record<string, string | string[]>;

/**
 * Deepgram's two live APIs: `/v1/listen` (Results, KeepAlive, Finalize) and `/v2/listen` (Flux: turns, TurnInfo,
 * Configure, ForceEndTurn). Flux models exist only on v2 and v2 serves only Flux models, so a session's options say
 * which one it speaks.
 */
export type LiveApi = 'v1' | 'v2';

export const isFluxModel = (model: unknown): boolean => typeof model === 'string' && model.startsWith('flux-');

export const liveApiOf = (options: LiveOptions): LiveApi => (isFluxModel(options.model) ? 'v2' : 'v1');

/** Where a client's socket is held: the streaming worker's own activity task queue and the connection there. */
export interface ClientAttachment {
  taskQueue: string;
  connectionId: string;
}

export interface LiveSessionLimits {
  /** Wall-clock length of the whole session, resumes included. */
  maxSessionMs: number;
  /** How long a session whose client went away waits for it to come back with `session_id`. */
  resumeWindowMs: number;
  /** A relay silent this long is presumed dead (its worker crashed). */
  heartbeatTimeoutMs: number;
}

export interface LiveSessionInput {
  sessionId: string;
  options: LiveOptions;
  attach: ClientAttachment;
  limits: LiveSessionLimits;
  /** record=true: the audio is stored as it streams and joined into one file when the session ends. */
  record?: boolean;
  /** repass=true: once the recording is joined, it is transcribed again as a batch job (options on the session row). */
  repass?: boolean;
}

/**
 * What a recording's bytes are: PCM-like audio (the session's encoding, or the WAV the client streamed), written out
 * as a WAV file; or the client's own container (webm, ogg, mp3…), kept as sent.
 */
export type RecordingFormat =
  | { kind: 'pcm'; formatTag: number; sampleRate: number; channels: number; bitsPerSample: number }
  | { kind: 'container'; contentType: string };

export interface LiveRelayInput {
  sessionId: string;
  connectionId: string;
  options: LiveOptions;
  /** Epoch ms at which the session reaches its maximum length. */
  deadlineMs: number;
  maxSessionSeconds: number;
}

/**
 * How one relay run ended. Terminal outcomes end the session; the others leave it open for the client to
 * reconnect with `session_id` within the resume window.
 */
export type LiveRelayOutcome =
  | 'client_closed'
  | 'closed_by_request'
  | 'max_duration'
  | 'upstream_failed'
  | 'client_disconnected'
  | 'client_missing'
  | 'superseded'
  | 'worker_shutdown'
  | 'budget_exhausted'
  | 'key_revoked';

/** Why a session ended, as stored and shown by `GET /v1/streams/:id`. */
export type LiveCloseReason = LiveRelayOutcome | 'worker_lost' | 'internal_error';

const TERMINAL: ReadonlySet<LiveRelayOutcome> = new Set(['client_closed', 'closed_by_request', 'max_duration', 'upstream_failed', 'budget_exhausted', 'key_revoked']);

export function isTerminalOutcome(outcome: LiveRelayOutcome): boolean {
  return TERMINAL.has(outcome);
}

export interface LiveRelayResult {
  outcome: LiveRelayOutcome;
  /** Audio seconds this run received from the client. */
  audioSeconds: number;
  upstreamReconnects: number;
  message?: string;
}

/** Heartbeat details of a running relay: visible in the Temporal UI, and the last word on a worker that died. */
export interface LiveProgress {
  audioSeconds: number;
  committedSeconds: number;
  upstreamReconnects: number;
  lastFinal: { seq: number; start: number; end: number; transcript: string } | null;
}

/** One final (`is_final`) result, on the session's timeline. */
export interface LiveSegment {
  seq: number;
  channel: number;
  start: number;
  end: number;
  transcript: string;
  confidence: number | null;
  speechFinal: boolean;
  fromFinalize: boolean;
  words: unknown[];
}

export type LiveSessionStatus = 'active' | 'ended';

export interface LiveSession {
  id: string;
  tenantId: string;
  apiKeyId: string | null;
  region: string | null;
  status: LiveSessionStatus;
  model: string | null;
  options: LiveOptions;
  startedAt: Date;
  endedAt: Date | null;
  audioSeconds: number;
  /** End of the last stored final result: where a resumed session's timeline continues. */
  committedSeconds: number;
  closeReason: LiveCloseReason | null;
  closeMessage: string | null;
  reconnectCount: number;
  resumeCount: number;
  deepgramRequestIds: string[];
  /** Set once the session was deleted: a tombstone without segments or options. */
  deletedAt: Date | null;
  /** record=true at connect: its audio is kept (README, Recordings). */
  record: boolean;
  recording: { bytes: number; format: RecordingFormat | null; blobId: string | null };
  /** Options of the automatic re-pass (repass=true), null without one. */
  repassOptions: DeepgramOptions | null;
  repassJobId: string | null;
}

/**
 * Where a resumed session's timeline continues: after the last final stored (the relay's base, and what the 101 of a
 * resume tells the client).
 */
export function resumePointOf(session: Pick<LiveSession, 'committedSeconds'>, last: Pick<LiveSegment, 'end'> | undefined): number {
  return Math.max(session.committedSeconds, last?.end ?? 0);
}

/** A frame from the client, already classified. */
export type ClientFrame =
  | { kind: 'audio'; data: Buffer }
  | { kind: 'control'; type: 'KeepAlive' | 'Finalize' | 'CloseStream' }
  /** Flux (v2) messages passed to Deepgram as the client sent them (Deepgram validates and acknowledges them). */
  | { kind: 'message'; type: 'Configure' | 'ForceEndTurn'; message: Record<string, unknown> };

export interface ClientLinkHandlers {
  frame(frame: ClientFrame): void;
  /** The client's socket closed (or was closed); no frames follow. */
  closed(info: { code: number; reason: string }): void;
}

/**
 * The client side of a live session as the relay sees it: a socket held by the gateway of the same process.
 * Frames that arrived before the relay attached are buffered and delivered first, in order.
 */
export interface ClientLink {
  readonly connectionId: string;
  readonly isOpen: boolean;
  attach(handlers: ClientLinkHandlers): void;
  send(message: Record<string, unknown>): void;
  close(code: number, reason: string): void;
  /** Stops reading the client's socket (TCP then slows the client down) until `resume()`. */
  pause(): void;
  resume(): void;
}

/** The gateway's connections, as the relay activity finds them. */
export interface ClientLinks {
  /** Takes the connection for a relay; undefined when it is gone (closed, or held by another process). */
  claim(connectionId: string): ClientLink | undefined;
}
