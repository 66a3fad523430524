import { runEnginePython } from '../test/helpers/transcode.js';

// Runs with the engine's own Python (numpy and PyAV are there): decodes any recording to 16 kHz mono, and either
// writes that as raw PCM or adds white noise at the given signal-to-noise ratio, from a fixed seed, so every run
// scores the same noisy audio.
const SCRIPT = `
import av, io, sys, wave
import numpy as np
mode = sys.argv[1]
src = av.open(io.BytesIO(sys.stdin.buffer.read()))
resampler = av.AudioResampler(format='s16', layout='mono', rate=16000)
pcm = bytearray()
for frame in src.decode(audio=0):
    for f in resampler.resample(frame):
        pcm += bytes(f.planes[0])[: f.samples * 2]
for f in resampler.resample(None):
    pcm += bytes(f.planes[0])[: f.samples * 2]
if mode == 'pcm':
    sys.stdout.buffer.write(bytes(pcm))
    sys.exit(0)
snr_db = float(sys.argv[2])
signal = np.frombuffer(bytes(pcm), dtype=np.int16).astype(np.float64)
power = np.mean(signal ** 2)
noise = np.random.default_rng(5).normal(0.0, np.sqrt(power / (10 ** (snr_db / 10))), signal.shape)
noisy = np.clip(signal + noise, -32768, 32767).astype(np.int16)
out = io.BytesIO()
with wave.open(out, 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(noisy.tobytes())
sys.stdout.buffer.write(out.getvalue())
`;

/** `audio` as 16 kHz mono WAV with white noise `snrDb` below the speech's power. */
export function withWhiteNoise(audio: Buffer, snrDb: number): Promise<Buffer> {
  return runScript(audio, ['noise', String(snrDb)]);
}

/** `audio` as raw 16 kHz mono s16le PCM (Deepgram's linear16). */
export function toLinear16(audio: Buffer): Promise<Buffer> {
  return runScript(audio, ['pcm']);
}

function runScript(audio: Buffer, args: string[]): Promise<Buffer> {
  return runEnginePython(SCRIPT, args, audio, 'preparing audio');
}
