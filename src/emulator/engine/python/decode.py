"""Audio input for the speech engine: whatever FFmpeg (through PyAV) decodes, plus Deepgram's raw encodings,
turned into 16 kHz signed 16-bit PCM, downmixed to mono or split per channel.

PyAV's wheel carries its own FFmpeg libraries, so WAV, MP3, FLAC, Ogg (Vorbis/Opus), AAC/M4A, WebM... at any
sample rate and channel count decode without system packages or downloads."""

import array
import struct
import threading

import av

TARGET_RATE = 16000

# Deepgram raw encodings whose byte layout FFmpeg's raw demuxers read when told the rate and channel count.
RAW_FORMATS = {'linear16': 's16le', 'linear32': 's32le', 'mulaw': 'mulaw', 'alaw': 'alaw'}
# Deepgram encodings that name a codec in a framing FFmpeg recognises; the hint only skips probing.
HINTED_FORMATS = {'flac': 'flac', 'opus': 'ogg', 'ogg-opus': 'ogg', 'speex': 'ogg', 'amr-nb': 'amr', 'amr-wb': 'amr'}
# A WAV header must be complete within this many bytes (large LIST/bext chunks are rare beyond it).
WAV_HEAD_LIMIT = 1 << 20


class AudioDecodeError(Exception):
    """The input is not audio we can decode (maps to Deepgram's 400)."""


def _wav_codec(tag, bits):
    if tag == 1:
        return {8: 'u8', 16: 's16le', 24: 's24le', 32: 's32le'}.get(bits)
    if tag == 3:
        return {32: 'f32le', 64: 'f64le'}.get(bits)
    return {6: 'alaw', 7: 'mulaw'}.get(tag)


def parse_wav_header(head):
    """'need-more', 'not-wav', or (raw format, sample rate, channels, data offset) for PCM-like WAV.

    WAV is read here rather than by FFmpeg because FFmpeg's WAV demuxer reads ahead ~64 KiB on a pipe (S/PDIF
    probing), which would delay the first live results by seconds for 8 kHz audio."""
    if len(head) < 12:
        return 'need-more' if b'RIFF'.startswith(head[:4]) else 'not-wav'
    if head[0:4] != b'RIFF' or head[8:12] != b'WAVE':
        return 'not-wav'
    offset, fmt = 12, None
    while offset + 8 <= len(head):
        chunk, size = head[offset:offset + 4], struct.unpack_from('<I', head, offset + 4)[0]
        body = offset + 8
        if chunk == b'data':
            if fmt is None:
                return 'not-wav'
            tag, channels, rate, bits = fmt
            codec = _wav_codec(tag, bits)
            # Compressed WAV payloads (ADPCM, GSM, MP3-in-WAV...) are left to FFmpeg's own demuxer.
            return (codec, rate, channels, body) if codec and channels and rate else 'not-wav'
        if chunk == b'fmt ':
            if body + 16 > len(head):
                return 'need-more'
            tag, channels, rate, _, _, bits = struct.unpack_from('<HHIIHH', head, body)
            if tag == 0xFFFE and size >= 40 and body + 26 <= len(head):
                tag = struct.unpack_from('<H', head, body + 24)[0]
            fmt = (tag, channels, rate, bits)
        offset = body + size + (size & 1)
    return 'need-more' if len(head) < WAV_HEAD_LIMIT else 'not-wav'


class ByteStream:
    """A blocking, non-seekable file object for PyAV, fed from another thread (live audio).

    `mark()` puts a marker between two chunks; when the decoder's reads reach it, `on_mark` runs in the decoding
    thread, after everything before the marker has been handed to the demuxer (used for Deepgram's Finalize)."""

    def __init__(self, on_mark=None):
        self._items = []
        self._cv = threading.Condition()
        self._closed = False
        self._on_mark = on_mark

    def feed(self, data):
        with self._cv:
            self._items.append(bytes(data))
            self._cv.notify_all()

    def mark(self):
        with self._cv:
            self._items.append(None)
            self._cv.notify_all()

    def close(self):
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    def read(self, n=-1):
        while True:
            with self._cv:
                while not self._items and not self._closed:
                    self._cv.wait()
                if not self._items:
                    return b''
                head = self._items[0]
                if head is not None:
                    if n < 0 or n >= len(head):
                        self._items.pop(0)
                        return head
                    self._items[0] = head[n:]
                    return head[:n]
                self._items.pop(0)
            if self._on_mark:
                self._on_mark()


class Prefixed:
    """Bytes already read from a stream, then the rest of the stream."""

    def __init__(self, prefix, rest):
        self._prefix = prefix
        self._rest = rest

    def read(self, n=-1):
        if self._prefix:
            out = self._prefix if n < 0 else self._prefix[:n]
            self._prefix = self._prefix[len(out):]
            return out
        return self._rest.read(n)


def open_audio(reader, encoding=None, sample_rate=None, channels=1):
    """Opens `reader` with the right demuxer: a WAV header wins, then a raw `encoding`, then FFmpeg's probing."""
    head = b''
    while True:
        wav = parse_wav_header(head)
        if wav != 'need-more':
            break
        more = reader.read(4096)
        if not more:
            wav = 'not-wav'
            break
        head += more
    try:
        if wav != 'not-wav':
            codec, rate, wav_channels, offset = wav
            return av.open(Prefixed(head[offset:], reader), format=codec,
                           options={'sample_rate': str(rate), 'ch_layout': '%dc' % wav_channels})
        if encoding in RAW_FORMATS:
            if not sample_rate:
                raise AudioDecodeError('raw %s audio needs sample_rate' % encoding)
            return av.open(Prefixed(head, reader), format=RAW_FORMATS[encoding],
                           options={'sample_rate': str(sample_rate), 'ch_layout': '%dc' % (channels or 1)})
        if not head:
            raise AudioDecodeError('no audio data')
        return av.open(Prefixed(head, reader), format=HINTED_FORMATS.get(encoding))
    except av.error.FFmpegError as err:
        raise AudioDecodeError('not a recognised audio format (%s)' % _reason(err)) from None


def _reason(err):
    return getattr(err, 'strerror', None) or str(err)


class DecodeStats:
    def __init__(self):
        self.source_samples = 0
        self.source_rate = 0
        self.channels = 0
        self.codec = ''

    @property
    def duration(self):
        return self.source_samples / self.source_rate if self.source_rate else 0.0


def decode(container, on_pcm, split_channels=False):
    """Decodes the first audio stream to 16 kHz s16 PCM, calling on_pcm(list of per-channel bytes) as it goes.

    Downmixed to one channel unless split_channels. Packets FFmpeg cannot decode are skipped, as its command line
    does; audio that yields no samples at all is an AudioDecodeError. Returns DecodeStats."""
    streams = [s for s in container.streams if s.type == 'audio']
    if not streams:
        raise AudioDecodeError('the file has no audio stream')
    stream = streams[0]
    stats = DecodeStats()
    stats.codec = stream.codec_context.name
    stats.channels = stream.codec_context.channels or 1
    layout = None if split_channels else 'mono'
    resampler = av.AudioResampler(format='s16', layout=layout, rate=TARGET_RATE)
    width = 1 if not split_channels else stats.channels

    def emit(frames):
        for out in frames:
            pcm = bytes(out.planes[0])[: out.samples * 2 * width]
            if width == 1:
                on_pcm([pcm])
            else:
                samples = array.array('h', pcm)
                on_pcm([samples[c::width].tobytes() for c in range(width)])

    errors = 0
    last_error = None
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError as err:
                errors += 1
                last_error = err
                continue
            for frame in frames:
                stats.source_samples += frame.samples
                stats.source_rate = frame.sample_rate
                emit(resampler.resample(frame))
        emit(resampler.resample(None))
    except av.error.FFmpegError as err:
        # A stream that breaks off after good audio (a truncated upload) keeps what was decoded.
        if stats.source_samples == 0:
            raise AudioDecodeError('corrupt audio (%s)' % _reason(err)) from None
    if stats.source_samples == 0:
        detail = ' (%s)' % _reason(last_error) if errors else ''
        raise AudioDecodeError('no audio samples could be decoded%s' % detail)
    return stats
