"""Live speech segmentation with Silero VAD (the ONNX model faster-whisper ships), fed 16 kHz s16 PCM as it
arrives. It decides where utterances begin and end; the Whisper pool decodes them. Events through `emit(dict)`:

  speech {t}                                  speech started
  utterance {start, end, reason, final, pcm}  audio of the open utterance: final=False for an interim
                                              re-decode (at most every partial_every s of new audio) or, with
                                              reason 'tentative', as soon as a pause begins (decoded ahead, so the
                                              final is ready when the pause turns out to be an endpoint);
                                              final=True once it ended: 'endpoint' (a pause of `endpoint` s),
                                              'max' (long speech), 'finalize' (asked for), 'eof' (end of audio),
                                              with tentative=True when nothing but silence followed the tentative
  resumed {t}                                 speech went on after a tentative utterance: its decode is not needed
  progress {t}                                audio analysed up to t seconds
pcm is base64 of s16le mono; times are seconds from the start of the stream."""

import base64
import os

import numpy as np
import onnxruntime

RATE = 16000
WINDOW = 512  # samples per VAD step (32 ms), what the Silero model expects at 16 kHz
CONTEXT = 64
SPEECH_ON = 0.5
SPEECH_OFF = 0.35
# Audio kept before the first voiced window, so the first word's onset is not clipped.
PREROLL_SECONDS = 0.3
# Long speech is cut at the next short pause after SOFT_MAX, and wherever it is at HARD_MAX (Whisper sees 30 s).
SOFT_MAX_SECONDS = 12.0
SHORT_PAUSE_SECONDS = 0.2
HARD_MAX_SECONDS = 25.0
# A pause this long in speech sends the utterance ahead for decoding (most such pauses become endpoints).
TENTATIVE_AFTER_SECONDS = 0.1
PROGRESS_EVERY_SECONDS = 0.1


def _vad_session():
    import faster_whisper
    path = os.path.join(os.path.dirname(faster_whisper.__file__), 'assets', 'silero_vad_v6.onnx')
    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 4
    return onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'], sess_options=opts)


class Segmenter:
    def __init__(self, emit, endpoint=0.5, partial_every=1.0, partials=False):
        self._emit = emit
        self._endpoint = endpoint
        self._partial_every = partial_every if partials else None
        self._session = _vad_session()
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, CONTEXT), dtype=np.float32)
        self._pending = bytearray()
        self._audio = bytearray()  # the open utterance (or the pre-roll while nobody speaks)
        self._samples = 0  # analysed so far
        self._utt_start = 0.0
        self._in_speech = False
        self._speech_seen = False
        self._silence = 0.0
        self._last_partial = 0.0
        self._last_progress = 0.0
        self._tentative = False  # sent ahead, and only silence since

    @property
    def t(self):
        return self._samples / RATE

    def feed(self, pcm):
        self._pending += pcm
        step = WINDOW * 2
        while len(self._pending) >= step:
            window = bytes(self._pending[:step])
            del self._pending[:step]
            self._window(window)
        if self.t - self._last_progress >= PROGRESS_EVERY_SECONDS:
            self._last_progress = self.t
            self._emit({'event': 'progress', 't': round(self.t, 3)})

    def flush(self, reason):
        """Ends the open utterance now (with whatever audio is pending) and reports it, even without speech."""
        if self._pending:
            self._audio += self._pending
            self._samples += len(self._pending) // 2
            self._pending.clear()
        self._cut(reason)
        self._emit({'event': 'progress', 't': round(self.t, 3)})

    def _probability(self, window):
        samples = np.frombuffer(window, dtype=np.int16).astype(np.float32)[None, :] / 32768.0
        batch = np.concatenate([self._context, samples], axis=1)
        out, self._h, self._c = self._session.run(None, {'input': batch, 'h': self._h, 'c': self._c})
        self._context = samples[:, -CONTEXT:]
        return float(out.reshape(-1)[0])

    def _window(self, window):
        probability = self._probability(window)
        start = self.t
        self._audio += window
        self._samples += WINDOW
        seconds = WINDOW / RATE
        if not self._in_speech and probability >= SPEECH_ON:
            self._in_speech = True
            if not self._speech_seen:
                self._speech_seen = True
                self._emit({'event': 'speech', 't': round(max(self._utt_start, start), 3)})
            self._silence = 0.0
        elif self._in_speech and probability < SPEECH_OFF:
            self._silence += seconds
            if self._endpoint is not None and self._silence >= self._endpoint:
                self._in_speech = False
                self._cut('endpoint')
                return
            if self._endpoint is not None and not self._tentative and self._silence >= TENTATIVE_AFTER_SECONDS:
                self._send(False, 'tentative')
                self._tentative = True
        elif self._in_speech:
            self._silence = 0.0
            if self._tentative:
                self._tentative = False
                self._emit({'event': 'resumed', 't': round(self.t, 3)})
        length = self.t - self._utt_start
        if self._speech_seen and length >= SOFT_MAX_SECONDS and self._silence >= SHORT_PAUSE_SECONDS:
            self._cut('max')
        elif length >= HARD_MAX_SECONDS:
            self._cut('max')
        elif not self._speech_seen:
            self._trim_preroll()
        elif self._partial_every is not None and self.t - self._last_partial >= self._partial_every:
            self._last_partial = self.t
            self._send(False, 'partial')

    def _trim_preroll(self):
        keep = int(PREROLL_SECONDS * RATE) * 2
        if len(self._audio) > keep:
            drop = len(self._audio) - keep
            del self._audio[:drop]

    def _send(self, final, reason):
        begin = self.t - len(self._audio) / 2 / RATE
        self._emit({'event': 'utterance', 'start': round(self._utt_start, 3), 'audio_start': round(begin, 3),
                    'end': round(self.t, 3), 'final': final, 'reason': reason, 'speech': self._speech_seen,
                    'tentative': final and self._tentative,
                    'pcm': base64.b64encode(bytes(self._audio)).decode('ascii') if self._speech_seen else ''})

    def _cut(self, reason):
        self._send(True, reason)
        self._audio.clear()
        self._utt_start = self.t
        self._speech_seen = self._in_speech
        self._silence = 0.0
        self._tentative = False
        self._last_partial = self.t
