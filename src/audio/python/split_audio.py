"""Cuts a long recording into chunks of about --chunk-seconds, each cut placed in the quietest stretch near its target
time (a pause between words), so no word is split and none is heard twice.

Usage: split_audio.py INPUT OUTDIR --chunk-seconds S [--search-seconds W]

Two decoding passes with PyAV (FFmpeg's decoders, from the wheel: any format FFmpeg reads): the first measures the
loudness of every 10 ms at 16 kHz mono and picks the cuts; the second writes each chunk as 16-bit PCM WAV with the
source's own channels and sample rate (multichannel audio stays multichannel). Memory stays bounded: one loudness
value per 10 ms is all that is kept. Progress goes to stderr as JSON lines; the plan goes to stdout as one JSON object:
{"duration": s, "channels": n, "sample_rate": r, "chunks": [{"index", "path", "start", "end"}]}."""

import argparse
import json
import os
import sys
import wave

import av
import numpy as np

ANALYSIS_RATE = 16000
FRAME = ANALYSIS_RATE // 100  # 10 ms of analysis audio
# The pause a cut goes into: the quietest window of this length near the target.
QUIET_WINDOW_FRAMES = 30


class SplitError(Exception):
    """The input cannot be decoded or cut."""


def progress(**fields):
    sys.stderr.write(json.dumps(fields) + '\n')
    sys.stderr.flush()


def open_audio(path):
    try:
        container = av.open(path)
    except (av.error.FFmpegError, OSError) as err:
        raise SplitError(f'cannot open the audio: {err}') from err
    if not container.streams.audio:
        container.close()
        raise SplitError('the file has no audio stream')
    return container, container.streams.audio[0]


def frame_energies(path):
    """Mean power of each 10 ms of the audio (mono, 16 kHz), and the audio's length in seconds."""
    container, stream = open_audio(path)
    resampler = av.AudioResampler(format='s16', layout='mono', rate=ANALYSIS_RATE)
    energies, carry = [], np.zeros(0, dtype=np.float32)
    frames, reported = 0, 0.0
    try:
        for frame in container.decode(stream):
            for mono in resampler.resample(frame):
                samples = np.concatenate([carry, mono.to_ndarray().reshape(-1).astype(np.float32)])
                whole = len(samples) // FRAME * FRAME
                if whole:
                    energies.append((samples[:whole].reshape(-1, FRAME) ** 2).mean(axis=1))
                    frames += whole // FRAME
                carry = samples[whole:]
            seconds = frames / 100
            if seconds - reported >= 300:
                reported = seconds
                progress(phase='measuring', seconds=seconds)
        for mono in resampler.resample(None):
            samples = np.concatenate([carry, mono.to_ndarray().reshape(-1).astype(np.float32)])
            carry = samples
    except av.error.FFmpegError as err:
        raise SplitError(f'cannot decode the audio: {err}') from err
    finally:
        container.close()
    power = np.concatenate(energies) if energies else np.zeros(0, dtype=np.float32)
    duration = (len(power) * FRAME + len(carry)) / ANALYSIS_RATE
    return power, duration


def plan_cuts(power, duration, chunk_seconds, search_seconds):
    """Cut times (seconds), one per chunk boundary, each in the quietest window within search_seconds of its target."""
    count = max(1, round(duration / chunk_seconds))
    if count == 1:
        return []
    length = duration / count
    search = min(search_seconds, length / 3)
    # Loudness of every window of QUIET_WINDOW_FRAMES, in dB so a long soft stretch beats one silent sample.
    level = 10 * np.log10(power + 1.0)
    kernel = np.ones(QUIET_WINDOW_FRAMES, dtype=np.float32) / QUIET_WINDOW_FRAMES
    smooth = np.convolve(level, kernel, mode='same') if len(level) >= QUIET_WINDOW_FRAMES else level
    cuts = []
    for k in range(1, count):
        target = k * length
        lo = max(int((target - search) * 100), int(cuts[-1] * 100) + 100 if cuts else 0)
        hi = min(int((target + search) * 100), len(smooth) - 1)
        if hi <= lo:
            continue
        window = smooth[lo:hi]
        # Among the quietest (within 1 dB of the minimum), the one nearest the target: chunks stay about even.
        quiet = np.flatnonzero(window <= window.min() + 1.0) + lo
        best = quiet[np.argmin(np.abs(quiet - target * 100))]
        cuts.append(round(best / 100, 2))
    return cuts


def write_chunks(path, outdir, cuts):
    """Writes the audio between consecutive cuts as WAV files; returns (chunks, channels, sample rate)."""
    container, stream = open_audio(path)
    rate = stream.codec_context.sample_rate or stream.rate
    layout = stream.codec_context.layout
    channels = layout.nb_channels if layout else stream.codec_context.channels
    resampler = av.AudioResampler(format='s16', layout=layout, rate=rate)
    boundaries = [round(c * rate) for c in cuts]
    chunks, position, index, writer = [], 0, 0, None

    def open_chunk(i):
        chunk_path = os.path.join(outdir, f'chunk-{i:05d}.wav')
        w = wave.open(chunk_path, 'wb')
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        start = cuts[i - 1] if i > 0 else 0.0
        chunks.append({'index': i, 'path': chunk_path, 'start': start})
        return w

    def take(samples):
        # samples: interleaved int16, shape (n * channels,)
        nonlocal position, index, writer
        n = len(samples) // channels
        offset = 0
        while offset < n:
            end = boundaries[index] if index < len(boundaries) else None
            room = n - offset if end is None else min(n - offset, end - position)
            if room > 0:
                writer.writeframesraw(samples[offset * channels:(offset + room) * channels].tobytes())
                offset += room
                position += room
            if end is not None and position >= end:
                writer.close()
                index += 1
                writer = open_chunk(index)
                progress(phase='cutting', chunks=index)

    writer = open_chunk(0)
    try:
        for frame in container.decode(stream):
            for pcm in resampler.resample(frame):
                take(pcm.to_ndarray().reshape(-1))
        for pcm in resampler.resample(None):
            take(pcm.to_ndarray().reshape(-1))
    except av.error.FFmpegError as err:
        raise SplitError(f'cannot decode the audio: {err}') from err
    finally:
        writer.close()
        container.close()
    end_seconds = position / rate
    for i, chunk in enumerate(chunks):
        chunk['end'] = chunks[i + 1]['start'] if i + 1 < len(chunks) else round(end_seconds, 3)
    # A cut past the audio's end (it decoded shorter the second time) leaves an empty last chunk: drop it.
    return [c for c in chunks if c['end'] > c['start']], channels, rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('input')
    parser.add_argument('outdir')
    parser.add_argument('--chunk-seconds', type=float, required=True)
    parser.add_argument('--search-seconds', type=float, default=30.0)
    args = parser.parse_args()
    try:
        power, duration = frame_energies(args.input)
        if duration <= 0:
            raise SplitError('the audio is empty')
        cuts = plan_cuts(power, duration, args.chunk_seconds, args.search_seconds)
        progress(phase='planned', duration=duration, cuts=cuts)
        chunks, channels, rate = write_chunks(args.input, args.outdir, cuts)
    except SplitError as err:
        print(json.dumps({'error': str(err)}))
        sys.exit(2)
    print(json.dumps({'duration': duration, 'channels': channels, 'sample_rate': rate, 'chunks': chunks}))


if __name__ == '__main__':
    main()
