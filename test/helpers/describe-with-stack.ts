import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import type { startDeepgramEmulator } from '../../src/emulator/index.js';
import type { StreamingWorker } from '../../src/runtime/streaming-worker.js';
import { liveEnv, startTestStreamingWorker } from './live.js';
import { startMediaServer, type MediaServer } from './media-server.js';
import { AUDIO_DIR } from './paths.js';
import { startSharedParts } from './shared-parts.js';
import { startStack, type SharedParts, type Stack } from './stack.js';

export interface StackFixtureOptions {
  /** Options of the file's Deepgram emulator. */
  emulator?: Parameters<typeof startDeepgramEmulator>[0];
  /** Serve test/fixtures/audio over HTTP (`fixture.media`), as a CDN would. */
  media?: boolean;
  /** Transcripts the emulator returns for these recordings (file name → text). */
  transcripts?: Record<string, string>;
  /**
   * The API (and, unless `worker: false`, a batch worker) on the file's own task queue; `env` may depend on the parts
   * (their addresses). `false`: no stack, the file starts its own.
   */
  stack?: false | { env?: Record<string, string> | ((parts: SharedParts) => Promise<Record<string, string>> | Record<string, string>); worker?: boolean };
  /**
   * A streaming worker with the stack's environment (live tests get their own live task queue): on its own port, or
   * `'on-api-port'` sharing the API's HTTP server as `npm start` does.
   */
  streaming?: boolean | 'on-api-port';
}

/** What a file's tests use; each part throws if read before the suite started or when it was not asked for. */
export interface StackFixture {
  readonly parts: SharedParts;
  readonly stack: Stack;
  readonly media: MediaServer;
  readonly streaming: StreamingWorker;
  /** The environment the stack (and streaming worker) was started with. */
  readonly env: Record<string, string>;
  /** A recording of test/fixtures/audio, read once. */
  audio(name: string): Buffer;
  /** Runs `stop` at the end of the suite, before the shared parts go (last registered, first run). */
  defer(stop: () => Promise<unknown> | unknown): void;
}

/**
 * One suite against the real parts: Temporal, a fresh PostgreSQL database, a Deepgram emulator, and whichever of the
 * media server, API + batch worker and streaming worker the options ask for, all stopped after the suite. Replaces the
 * before/after block every integration file used to copy.
 */
export function describeWithStack(name: string, options: StackFixtureOptions, body: (fixture: StackFixture) => void): void {
  describe(name, () => {
    const started: Partial<{ parts: SharedParts; stack: Stack; media: MediaServer; streaming: StreamingWorker; env: Record<string, string> }> = {};
    const stops: Array<() => Promise<unknown> | unknown> = [];
    const audio = new Map<string, Buffer>();
    const need = <K extends keyof typeof started>(key: K): NonNullable<(typeof started)[K]> => {
      const value = started[key];
      if (value === undefined) throw new Error(`describeWithStack: "${key}" was not started (ask for it in the options, and read it inside a test)`);
      return value as NonNullable<(typeof started)[K]>;
    };
    const readAudio = (file: string) => {
      let data = audio.get(file);
      if (!data) audio.set(file, (data = readFileSync(path.join(AUDIO_DIR, file))));
      return data;
    };

    before(async () => {
      const shared = await startSharedParts(options.emulator);
      stops.push(() => shared.stop());
      started.parts = shared.parts;
      for (const [file, text] of Object.entries(options.transcripts ?? {})) shared.parts.emulator.registerTranscript(readAudio(file), text);
      if (options.media) {
        const media = await startMediaServer(AUDIO_DIR);
        stops.push(() => media.close());
        started.media = media;
      }
      const extra = options.stack === false ? {} : typeof options.stack?.env === 'function' ? await options.stack.env(shared.parts) : (options.stack?.env ?? {});
      started.env = options.streaming ? liveEnv(shared.parts, extra) : extra;
      if (options.stack !== false) {
        const stack = await startStack(shared.parts, { env: started.env, worker: options.stack?.worker ?? true });
        stops.push(() => stack.stop());
        started.stack = stack;
      }
      if (options.streaming) {
        const api = options.streaming === 'on-api-port' ? need('stack').api : undefined;
        const { worker } = await startTestStreamingWorker(shared.parts, api ? { ...started.env, PORT: String(api.port) } : started.env, api?.httpServer);
        stops.push(() => worker.stop());
        started.streaming = worker;
      }
    });
    after(async () => {
      for (const stop of stops.reverse()) await stop();
    });

    body({
      get parts() {
        return need('parts');
      },
      get stack() {
        return need('stack');
      },
      get media() {
        return need('media');
      },
      get streaming() {
        return need('streaming');
      },
      get env() {
        return need('env');
      },
      audio: readAudio,
      defer: (stop) => void stops.push(stop),
    });
  });
}
