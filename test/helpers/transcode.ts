import { spawn } from 'node:child_process';
import { DEFAULT_ENGINE_PYTHON } from '../../src/emulator/index.js';

export interface TranscodeTarget {
  /** FFmpeg container: 'flac', 'ogg', 'mp3', 'wav'. */
  format: string;
  /** FFmpeg encoder: 'flac', 'libvorbis', 'libopus', 'libmp3lame', 'pcm_s16le'. */
  codec: string;
  rate: number;
  channels: number;
}

// Re-encodes with the FFmpeg inside the engine's PyAV (installed by `npm run setup`), so the tests can make FLAC and
// Ogg versions of the real recordings without another tool. FFmpeg's own Vorbis encoder counts as experimental, hence strict=experimental.
const SCRIPT = `
import av, io, sys
fmt, codec, rate, channels = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
src = av.open(io.BytesIO(sys.stdin.buffer.read()))
out_buf = io.BytesIO()
out = av.open(out_buf, mode='w', format=fmt)
stream = out.add_stream(codec, rate=rate, layout='mono' if channels == 1 else 'stereo', options={'strict': 'experimental'})
resampler = av.AudioResampler(format=stream.codec_context.format.name, layout=stream.codec_context.layout.name, rate=rate)
for frame in src.decode(audio=0):
    for f in resampler.resample(frame):
        for packet in stream.encode(f):
            out.mux(packet)
for f in resampler.resample(None):
    for packet in stream.encode(f):
        out.mux(packet)
for packet in stream.encode(None):
    out.mux(packet)
out.close()
sys.stdout.buffer.write(out_buf.getvalue())
`;

export function transcode(audio: Buffer, target: TranscodeTarget): Promise<Buffer> {
  return runEnginePython(SCRIPT, [target.format, target.codec, String(target.rate), String(target.channels)], audio, `transcode to ${target.format}/${target.codec}`);
}

/** Runs a Python snippet with the engine's Python (PyAV and numpy are there), `input` on stdin; resolves with stdout. */
export async function runEnginePython(script: string, args: string[], input: Buffer, what: string): Promise<Buffer> {
  const child = spawn(DEFAULT_ENGINE_PYTHON, ['-E', '-s', '-B', '-c', script, ...args]);
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`${what} failed (${code}): ${err.trim().split('\n').at(-1)}`);
  return Buffer.concat(out);
}
