/** Public types of the Deepgram-protocol emulator. */
import type { EngineInfo, LocalModel, SpeechEngine } from './engine/types.js';

export interface EmulatorLogger {
  info: (...args: unknown[]) => void;
  warn: (...args: unknown[]) => void;
}

export interface EmulatorOptions {
  /** 0 = random free port (default 0). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Expected key; null disables auth checks. Default 'emulator-key'. */
  apiKey?: string | null;
  /**
   * Serve the admin API (`/_emulator/*`: registered transcripts, fault injection, the request log). Default true;
   * the local engine (`npm run local-engine`) turns it off unless LOCAL_ENGINE_FAULTS=true.
   */
  admin?: boolean;
  /** Delay between callback delivery retries (Deepgram: 30 s). Default 30000. */
  callbackRetryDelayMs?: number;
  /** Delivery attempts per callback (Deepgram retries up to 10 times). Default 10. */
  callbackMaxAttempts?: number;
  /** Close a live socket after this long without audio or KeepAlive. Default 10000 (Deepgram's 10-second rule). */
  liveIdleTimeoutMs?: number;
  /** Optional logger; silent by default. */
  logger?: EmulatorLogger;
  /**
   * How audio without a registered transcript is transcribed: 'synthetic' (default) deterministic made-up words;
   * 'whisper' real words from the local Whisper engine (start-up fails if it is not installed); or an engine
   * object. Registered transcripts always win.
   */
  engine?: 'synthetic' | 'whisper' | SpeechEngine;
  /** Python with faster-whisper, av and the models (default: .tools/speech/bin/python, from `npm run setup`). */
  enginePython?: string;
  /** Whisper worker processes (each holds the model and decodes one request at a time). Default: the number of cores. */
  engineConcurrency?: number;
  /** CPU threads each Whisper worker uses for one decode. Default: the number of cores. */
  engineThreads?: number;
  /** The local model for requests that do not name one (model=whisper-base or whisper-tiny). Default whisper-base. */
  engineModel?: LocalModel;
  /** Live interim results re-decode the open utterance at most this often (ms of audio). Default 1000. */
  enginePartialIntervalMs?: number;
}

export type FaultTarget = 'rest' | 'live' | 'callback' | 'any';

export interface FaultSpec {
  /** Which traffic the fault applies to. Default 'rest'. */
  target?: FaultTarget;
  /** Respond with this HTTP status and a Deepgram-shaped error body (live: reject the handshake). */
  status?: number;
  /** Adds a Retry-After header. */
  retryAfterSeconds?: number;
  /** Override the error body fields. */
  errCode?: string;
  errMsg?: string;
  /** Delay before responding (also applies when status is unset: slow success). Live: delay each outgoing message. */
  latencyMs?: number;
  /** REST: also this long per second of audio before answering, as a real engine's processing time grows with the file. */
  latencyPerAudioSecondMs?: number;
  /** Destroy the socket without any response (REST) / terminate the WebSocket abruptly at open (live). */
  drop?: boolean;
  /** Live: drop the connection this long after open (mid-stream). */
  dropAfterMs?: number;
  /** Live: close with 1011 and a reason instead of a clean close (or instead of the abrupt drop with dropAfterMs). */
  errorFrame?: boolean;
  /**
   * Live: hang right after the handshake: stop reading the socket (no pongs, no audio taken, so the sender's buffer
   * fills) and send nothing, as a stuck server or a half-open connection would.
   */
  freeze?: boolean;
  /** How many matching requests it applies to; default 1; Infinity for always. */
  times?: number;
}

export interface RecordedRequest {
  /** request_id we answered with. */
  id: string;
  kind: 'rest' | 'live' | 'callback';
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  startedAt: number;
  endedAt?: number;
  status?: number;
  audioBytes?: number;
  audioSha256?: string;
  sourceUrl?: string;
  callbackUrl?: string;
  /** Description of the fault applied, if any. */
  fault?: string;
  /** Live (Flux): the Configure messages the client sent, in order. */
  configures?: Record<string, unknown>[];
}

export interface EmulatorStats {
  inFlight: number;
  maxInFlight: number;
  total: number;
  liveOpen: number;
  /** Most live sockets open at once since the last reset. */
  maxLiveOpen: number;
}

export interface DeepgramEmulator {
  /** e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  port: number;
  /** The local speech engine in use, or null when unregistered audio gets synthetic words. */
  engine: EngineInfo | null;
  /** Deterministic transcript for that audio (matched by sha256 of the exact bytes; live also by its first 8 KiB). */
  registerTranscript(audio: Buffer | { sha256: string }, text: string): void;
  /** Faults queue up and are consumed in order by matching requests. */
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  requests(): RecordedRequest[];
  /** REST concurrency tracking plus the number of open live sockets. */
  stats(): EmulatorStats;
  /** Clears faults, requests and stats (not registered transcripts). */
  reset(): void;
  /** Closes the server and all sockets. */
  close(): Promise<void>;
}
