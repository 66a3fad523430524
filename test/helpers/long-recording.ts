import { pcmWavHeader } from './audio.js';
import { runEnginePython } from './transcode.js';

const RATE = 16_000;

// Decodes any recording to 16 kHz mono s16le with the engine's PyAV (installed by `npm run setup`).
const TO_PCM = `
import av, io, sys
src = av.open(io.BytesIO(sys.stdin.buffer.read()))
resampler = av.AudioResampler(format='s16', layout='mono', rate=16000)
out = sys.stdout.buffer
for frame in src.decode(audio=0):
    for f in resampler.resample(frame):
        out.write(bytes(f.planes[0])[: f.samples * 2])
for f in resampler.resample(None):
    out.write(bytes(f.planes[0])[: f.samples * 2])
`;

export interface LongRecording {
  wav: Buffer;
  seconds: number;
  /** Where each recording starts in the long one, in order (seconds). */
  starts: number[];
}

/**
 * One long 16 kHz mono WAV made of real recordings played one after another with `pauseSeconds` of silence between
 * them, repeated until it lasts at least `minSeconds`: speech with pauses, like a meeting or a lecture.
 */
export async function longRecording(recordings: Buffer[], options: { pauseSeconds: number; minSeconds: number }): Promise<LongRecording> {
  const pcm = await Promise.all(recordings.map((r) => runEnginePython(TO_PCM, [], r, 'decoding a recording')));
  const pause = Buffer.alloc(Math.round(options.pauseSeconds * RATE) * 2);
  const pieces: Buffer[] = [];
  const starts: number[] = [];
  let bytes = 0;
  for (let i = 0; bytes < options.minSeconds * RATE * 2 || i % pcm.length !== 0; i++) {
    starts.push(bytes / 2 / RATE);
    pieces.push(pcm[i % pcm.length]!, pause);
    bytes += pcm[i % pcm.length]!.length + pause.length;
  }
  const data = Buffer.concat(pieces);
  return { wav: Buffer.concat([pcmWavHeader(data.length, RATE), data]), seconds: data.length / 2 / RATE, starts };
}
