import type { RawFormat } from '../protocol/audio.js';
import { formatArgs, startEngineProcess } from './engine-process.js';
import type { EnginePool } from './engine-pool.js';
import { ENGINE_MODEL_NAMES, FAST_MODEL } from './local-models.js';
import { EngineAudioError, EngineFailure, EngineRequestWithdrawn, type EngineEvent, type EngineStream, type EngineStreamEnd, type EngineStreamOptions, type EngineWord } from './types.js';

export interface WhisperStreamInput {
  python: string;
  pool: EnginePool;
  format: RawFormat;
  options: EngineStreamOptions;
  partialIntervalMs: number;
  onEvent: (event: EngineEvent) => void;
}

/** An utterance's audio from the front end (segmenter.py), to be decoded by the pool. */
interface UtteranceMessage {
  event: 'utterance';
  start: number;
  audio_start: number;
  end: number;
  final: boolean;
  reason: 'partial' | 'tentative' | 'endpoint' | 'max' | 'finalize' | 'eof';
  speech: boolean;
  /** A final whose audio since the last tentative utterance is silence: that decode's words stand. */
  tentative: boolean;
  pcm: string;
}

/**
 * A live stream through Whisper: a front-end process per stream decodes the audio and finds utterances with Silero
 * VAD (light: no model); the engine pool decodes them. Finals use the stream's model (beam 5); interim hypotheses
 * re-decode the open utterance with the fast model (tiny.en, beam 1), and one is skipped when a newer one or the
 * final is already waiting before it starts, and withdrawn when the final arrives while it waits for a worker or
 * decodes, so a slow machine drops interims, never finals. Events are delivered in audio order.
 */
export function openWhisperStream(input: WhisperStreamInput): EngineStream {
  const { pool, options, onEvent } = input;
  const args = ['stream', ...formatArgs(input.format), '--endpoint', options.endpoint === null ? 'off' : String(options.endpoint)];
  if (options.partials) args.push('--partials', '--partial-every', String(input.partialIntervalMs / 1000));
  let killed = false;
  let end: EngineStreamEnd | undefined;
  let error: string | undefined;
  /** Front-end events in order; each step waits for the one before it (decodes finish in any order). */
  let chain: Promise<void> = Promise.resolve();
  /** Utterance messages queued behind the current step, newest last: an interim is stale once another follows it. */
  let pendingUtterances = 0;
  let failure: Error | undefined;
  /** Withdraws the interim decode the chain is waiting on: a final has arrived behind it. */
  let interimWanted: AbortController | undefined;
  /** The open utterance as decoded when its last pause began. */
  let tentative: { audioStart: number; words: Promise<EngineWord[]>; wanted: AbortController } | undefined;

  const deliver = (event: EngineEvent) => {
    if (!killed) onEvent(event);
  };
  const recognize = async (message: UtteranceMessage, withdraw?: AbortSignal): Promise<EngineWord[]> => {
    if (!message.speech || !message.pcm) return [];
    // A tentative decode may become the final: it gets the final's model, beam and place in the queue.
    const accurate = message.final || message.reason === 'tentative';
    const answer = await pool.request(
      { op: 'recognize', model: ENGINE_MODEL_NAMES[accurate ? options.model : FAST_MODEL], beam_size: accurate ? 5 : 1, language: options.language },
      Buffer.from(message.pcm, 'base64'),
      accurate ? 'final' : 'interim',
      withdraw,
    );
    if (answer.event !== 'result') throw new EngineFailure(`the speech engine could not decode an utterance: ${String(answer.message)}`);
    return (answer.words as EngineWord[]).map(([w, s, e, c, p]) => [w, round3(s + message.audio_start), round3(e + message.audio_start), c, p]);
  };

  /** The decode ahead will not become a final: stopped, since it holds the cores. */
  const dropTentative = () => {
    tentative?.wanted.abort();
    tentative = undefined;
  };

  const enqueue = (message: Record<string, unknown>) => {
    if (message.event === 'resumed') {
      // The pause was not an endpoint.
      dropTentative();
      return;
    }
    if (message.event === 'utterance') {
      pendingUtterances += 1;
      const mine = pendingUtterances;
      const utterance = message as unknown as UtteranceMessage;
      if (utterance.reason === 'tentative') {
        // Decoded ahead, not delivered: the final that follows with only silence after it takes these words. Only
        // while no final or file waits for a worker: on a busy machine the guess would delay other streams' finals.
        dropTentative();
        if (pool.queuedAhead > 0) return;
        const wanted = new AbortController();
        tentative = { audioStart: utterance.audio_start, words: recognize(utterance, wanted.signal), wanted };
        tentative.words.catch(() => {});
        return;
      }
      // A final is decoded at once (or taken from the decode ahead) and delivered in order.
      const ahead = utterance.final && utterance.tentative && tentative?.audioStart === utterance.audio_start ? tentative.words : undefined;
      if (utterance.final) {
        if (ahead) tentative = undefined;
        else dropTentative();
        // Once the final is on its way, an interim of the same audio only delays it (events go out in order).
        interimWanted?.abort();
      }
      const finalWords = utterance.final ? (ahead ?? recognize(utterance)) : undefined;
      finalWords?.catch(() => {});
      chain = chain.then(async () => {
        try {
          if (killed || failure) return;
          if (finalWords) {
            const words = await finalWords;
            deliver({ event: 'final', start: utterance.start, end: utterance.end, words, reason: utterance.reason as 'endpoint' });
          } else if (pendingUtterances === mine) {
            // An interim is decoded only if nothing newer is waiting behind it.
            interimWanted = new AbortController();
            const words = await recognize(utterance, interimWanted.signal);
            if (words.length) deliver({ event: 'partial', start: utterance.start, t: utterance.end, words });
          }
        } catch (err) {
          if (!(err instanceof EngineRequestWithdrawn)) failure = err as Error;
        } finally {
          interimWanted = undefined;
        }
      });
      return;
    }
    if (message.event === 'end') end = message as unknown as EngineStreamEnd;
    else if (message.event === 'error') error = String(message.message);
    chain = chain.then(() => deliver(message as unknown as EngineEvent));
  };

  const proc = startEngineProcess(input.python, args, enqueue);
  const frame = (kind: 'A' | 'F' | 'C', payload: Buffer = Buffer.alloc(0)): void => {
    if (proc.child.stdin.destroyed || proc.child.stdin.writableEnded) return;
    const header = Buffer.alloc(5);
    header.write(kind, 0, 'latin1');
    header.writeUInt32BE(payload.length, 1);
    proc.child.stdin.write(payload.length ? Buffer.concat([header, payload]) : header);
  };
  let ended: Promise<EngineStreamEnd> | undefined;
  return {
    write: (chunk) => frame('A', chunk),
    finalize: () => frame('F'),
    end: () =>
      (ended ??= (async () => {
        frame('C');
        proc.child.stdin.end();
        const { code, stderr } = await proc.exited;
        await chain;
        if (failure) throw failure;
        if (end) return end;
        if (error !== undefined) throw new EngineAudioError(error);
        throw new EngineFailure(`the speech engine exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
      })()),
    kill: () => {
      killed = true;
      proc.child.kill('SIGKILL');
    },
  };
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;
