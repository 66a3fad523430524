"""The local speech engine: Whisper (faster-whisper on CTranslate2) behind a small stdin/stdout protocol, driven by
the Deepgram-protocol server in Node.

  speech_engine.py info
      one JSON line: engine and decoder versions, models installed, the device Whisper would run on.
  speech_engine.py serve [--model base|tiny.en] [--threads N]
      a long-lived pool worker: loads the model once, prints {"event": "ready", ...}, then answers requests one at
      a time. A request is one JSON line {"op", "bytes", ...} followed by exactly `bytes` bytes of audio:
        op=transcribe   a whole file (any format FFmpeg decodes, or Deepgram's raw encodings): encoding,
                        sample_rate, channels, multichannel, model, language, detect_language, beam_size
        op=recognize    one utterance of s16le 16 kHz mono PCM: model, language, beam_size
      Each answer is one JSON line: {"event": "result", ...}, or {"event": "error", "message"} for audio that
      cannot be decoded; the worker then waits for the next request. A request may carry an "id"; the line
      {"op": "cancel", "id"} (no audio follows it), sent while that request decodes, stops a recognize after its
      encoder pass (or before it) with {"event": "cancelled"}: a live decode whose answer is no longer wanted.
  speech_engine.py stream [--encoding E --sample-rate N --channels C] [--endpoint SECONDS|off] [--partials]
                          [--partial-every SECONDS]
      a live stream's front end (no model): stdin frames of 1 type byte + 4-byte big-endian length + payload:
      b'A' audio, b'F' finalize, b'C' close. stdout: the segmenter's events (speech, utterance with PCM,
      progress), then {"event": "end", duration, channels, codec} or {"event": "error", "message"}.

Exit status 2 means the audio could not be decoded; anything else non-zero is a crash."""

import argparse
import json
import os
import queue
import struct
import sys
import threading
import time

# Models are loaded from local directories only; Hugging Face's client (imported by faster-whisper) must never reach
# for the network, not even for telemetry.
os.environ['HF_HUB_OFFLINE'] = '1'
os.environ['HF_HUB_DISABLE_TELEMETRY'] = '1'

from decode import AudioDecodeError, ByteStream, decode, open_audio
import whisper_models

_out_lock = threading.Lock()


def emit(message):
    line = json.dumps(message, separators=(',', ':'))
    with _out_lock:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()


def info():
    emit({'event': 'info', **whisper_models.versions(), 'models': list(whisper_models.MODELS),
          'missing_models': whisper_models.missing_models(), 'device': whisper_models.device()})


class Whole:
    """The request's bytes as a file object read front to back (the same path as a live stream)."""

    def __init__(self, data):
        self._data = data
        self._offset = 0

    def read(self, n=-1):
        end = len(self._data) if n < 0 else self._offset + n
        out = self._data[self._offset:end]
        self._offset += len(out)
        return out


class Models:
    """Models by name, each loaded on first use and kept for the life of the worker."""

    def __init__(self, threads):
        self._threads = threads
        self._loaded = {}

    def get(self, name):
        if name not in self._loaded:
            self._loaded[name] = whisper_models.load(name, self._threads)
        return self._loaded[name]


def transcribe_file(models, request, data):
    from whisper_transcribe import transcribe_pcm
    container = open_audio(Whole(data), request.get('encoding'), request.get('sample_rate'), request.get('channels') or 1)
    split = bool(request.get('multichannel'))
    buffers = []

    def keep(channels):
        while len(buffers) < len(channels):
            buffers.append(bytearray())
        for i, pcm in enumerate(channels):
            buffers[i] += pcm

    stats = decode(container, keep, split_channels=split)
    name = request['model']
    model = models.get(name)
    channels, languages = [], []
    for pcm in buffers:
        segments, language, confidence = transcribe_pcm(model, name, bytes(pcm), request.get('language'),
                                                        bool(request.get('detect_language')),
                                                        int(request.get('beam_size') or 5), vad=True)
        channels.append(segments)
        languages.append({'language': language, 'confidence': confidence})
    return {'event': 'result', 'duration': stats.duration, 'channels': stats.channels, 'codec': stats.codec,
            'segments': channels, 'languages': languages, 'model': name}


class Cancelled(Exception):
    """The request was cancelled while it decoded."""


class Cancellations:
    """Ids of requests cancelled by the reader thread, checked by the decoding thread."""

    def __init__(self):
        self._ids = set()
        self._lock = threading.Lock()

    def add(self, request_id):
        with self._lock:
            self._ids.add(request_id)

    def begin(self, request_id):
        """A check for one request. Ids rise with each request, so cancels of earlier ones (that came too late) go."""
        if request_id is None:
            return lambda: False
        with self._lock:
            self._ids = {i for i in self._ids if i >= request_id}
        return lambda: request_id in self._ids


def recognize_utterance(models, request, data, cancelled):
    from whisper_transcribe import transcribe_pcm
    name = request['model']
    model = models.get(name)
    encode = model.encode

    # Whisper's encoder is most of a decode and one uninterruptible call: look before and after it.
    def encode_unless_cancelled(features):
        if cancelled():
            raise Cancelled()
        out = encode(features)
        if cancelled():
            raise Cancelled()
        return out

    model.encode = encode_unless_cancelled
    try:
        segments, language, confidence = transcribe_pcm(model, name, data, request.get('language'), False,
                                                        int(request.get('beam_size') or 1), vad=False)
    finally:
        del model.encode
    words = [w for segment in segments for w in segment['words']]
    return {'event': 'result', 'words': words, 'model': name}


def read_requests(stdin, requests, cancellations):
    """Reads requests (and cancels, which may arrive while a request decodes) into `requests`; None at the end."""
    while True:
        line = stdin.readline()
        if not line:
            requests.put(None)
            return
        request = json.loads(line)
        if request.get('op') == 'cancel':
            cancellations.add(request.get('id'))
            continue
        requests.put((request, stdin.read(int(request.get('bytes') or 0))))


def serve(args):
    models = Models(args.threads)
    started = time.monotonic()
    models.get(args.model)
    emit({'event': 'ready', 'model': args.model, 'device': whisper_models.device(),
          'load_seconds': round(time.monotonic() - started, 3)})
    requests = queue.Queue()
    cancellations = Cancellations()
    threading.Thread(target=read_requests, args=(sys.stdin.buffer, requests, cancellations), daemon=True).start()
    while True:
        item = requests.get()
        if item is None:
            return 0
        request, data = item
        cancelled = cancellations.begin(request.get('id'))
        try:
            if request['op'] == 'transcribe':
                emit(transcribe_file(models, request, data))
            else:
                emit(recognize_utterance(models, request, data, cancelled))
        except AudioDecodeError as err:
            emit({'event': 'error', 'message': str(err)})
        except Cancelled:
            emit({'event': 'cancelled'})


def stream(args):
    from segmenter import Segmenter
    segmenter = Segmenter(emit, endpoint=args.endpoint, partial_every=args.partial_every, partials=args.partials)
    audio = ByteStream(on_mark=lambda: segmenter.flush('finalize'))
    failure = []

    def run():
        try:
            container = open_audio(audio, args.encoding, args.sample_rate, args.channels)
            stats = decode(container, lambda channels: segmenter.feed(channels[0]))
            segmenter.flush('eof')
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
    parser.add_argument('mode', choices=['info', 'serve', 'stream'])
    parser.add_argument('--model', default='base', choices=list(whisper_models.MODELS))
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--encoding')
    parser.add_argument('--sample-rate', type=int)
    parser.add_argument('--channels', type=int, default=1)
    parser.add_argument('--endpoint', type=endpoint_arg, default=0.5)
    parser.add_argument('--partials', action='store_true')
    parser.add_argument('--partial-every', type=float, default=1.0)
    args = parser.parse_args()
    if args.mode == 'info':
        info()
        return 0
    if args.mode == 'serve':
        return serve(args)
    return stream(args)


if __name__ == '__main__':
    sys.exit(main())
