"""The emulator's local speech engine: PocketSphinx behind a small stdin/stdout protocol, driven by Node.

  speech_engine.py info
      one JSON line naming the engine, its model and the audio decoder, with versions.
  speech_engine.py transcribe [--encoding E --sample-rate N --channels C] [--multichannel]
      stdin: the whole audio file. stdout: one JSON line {"event": "result", duration, channels, codec,
      "segments": [[{start, end, words, reason}, ...] per channel]} or {"event": "error", "message"}.
  speech_engine.py stream [--encoding E --sample-rate N --channels C] [--endpoint SECONDS|off] [--partials]
      stdin: frames of 1 type byte + 4-byte big-endian length + payload: b'A' audio, b'F' finalize,
      b'C' close. stdout: JSON lines, the Recognizer's events, then {"event": "end", duration, channels, codec}.

Exit status 2 means the audio could not be decoded (the message says why); anything else non-zero is a crash."""

import argparse
import json
import struct
import sys
import threading
from importlib.metadata import version

import av

from decode import AudioDecodeError, ByteStream, decode, open_audio
from recognize import Recognizer, new_decoder

_out_lock = threading.Lock()


def emit(message):
    line = json.dumps(message, separators=(',', ':'))
    with _out_lock:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()


def info():
    emit({
        'event': 'info',
        'engine': 'pocketsphinx',
        'engine_version': version('pocketsphinx'),
        'model': 'CMU Sphinx US English model en-us',
        'decoder': 'pyav',
        'decoder_version': version('av'),
        'ffmpeg_version': getattr(av, 'ffmpeg_version_info', ''),
    })


def transcribe(args):
    data = sys.stdin.buffer.read()

    class Whole:
        """Reads the upload once, front to back (the same path as a stream, minus the waiting)."""

        def __init__(self):
            self._offset = 0

        def read(self, n=-1):
            end = len(data) if n < 0 else self._offset + n
            out = data[self._offset:end]
            self._offset += len(out)
            return out

    decoder = new_decoder()
    container = open_audio(Whole(), args.encoding, args.sample_rate, args.channels)
    if args.multichannel:
        buffers = []

        def keep(channels):
            while len(buffers) < len(channels):
                buffers.append(bytearray())
            for i, pcm in enumerate(channels):
                buffers[i] += pcm

        stats = decode(container, keep, split_channels=True)
        segments = [recognise_all(decoder, bytes(pcm)) for pcm in buffers]
    else:
        finals = []
        recogniser = Recognizer(decoder, lambda e: e['event'] == 'final' and finals.append(e), batch=True)
        stats = decode(container, lambda channels: recogniser.feed(channels[0]))
        recogniser.flush('eof')
        segments = [finals]
    emit({'event': 'result', 'duration': stats.duration, 'channels': stats.channels, 'codec': stats.codec,
          'segments': [[strip(s) for s in channel] for channel in segments]})


def recognise_all(decoder, pcm):
    finals = []
    recogniser = Recognizer(decoder, lambda e: e['event'] == 'final' and finals.append(e), batch=True)
    recogniser.feed(pcm)
    recogniser.flush('eof')
    return finals


def strip(final):
    return {k: final[k] for k in ('start', 'end', 'words', 'reason')}


def stream(args):
    decoder = new_decoder()
    recogniser = Recognizer(decoder, emit, endpoint=args.endpoint, partials=args.partials)
    audio = ByteStream(on_mark=lambda: recogniser.flush('finalize'))
    failure = []

    def run():
        try:
            container = open_audio(audio, args.encoding, args.sample_rate, args.channels)
            stats = decode(container, lambda channels: recogniser.feed(channels[0]))
            recogniser.flush('eof')
            emit({'event': 'end', 'duration': stats.duration, 'channels': stats.channels, 'codec': stats.codec})
        except AudioDecodeError as err:
            failure.append(err)
            emit({'event': 'error', 'message': str(err)})

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    stdin = sys.stdin.buffer
    while True:
        header = stdin.read(5)
        if len(header) < 5:
            break
        kind, length = header[:1], struct.unpack('>I', header[1:])[0]
        payload = stdin.read(length) if length else b''
        if kind == b'A':
            audio.feed(payload)
        elif kind == b'F':
            audio.mark()
        elif kind == b'C':
            break
    audio.close()
    worker.join()
    return 2 if failure else 0


def endpoint_arg(value):
    return None if value == 'off' else float(value)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['info', 'transcribe', 'stream'])
    parser.add_argument('--encoding')
    parser.add_argument('--sample-rate', type=int)
    parser.add_argument('--channels', type=int, default=1)
    parser.add_argument('--multichannel', action='store_true')
    parser.add_argument('--endpoint', type=endpoint_arg, default=0.5)
    parser.add_argument('--partials', action='store_true')
    args = parser.parse_args()
    if args.mode == 'info':
        info()
        return 0
    if args.mode == 'stream':
        return stream(args)
    try:
        transcribe(args)
        return 0
    except AudioDecodeError as err:
        emit({'event': 'error', 'message': str(err)})
        return 2


if __name__ == '__main__':
    sys.exit(main())
