"""Speech recognition with PocketSphinx on a 16 kHz PCM stream, cut into utterances at pauses.

The whole stream is fed to the decoder (nothing is dropped); an utterance ends in the middle of a pause, so word
boundaries never straddle a cut. Pauses are found with PocketSphinx's own WebRTC-style voice activity detector.
The same code serves pre-recorded files (fed as fast as they decode) and live streams (fed as audio arrives)."""

from pocketsphinx import Decoder, Vad

RATE = 16000
FRAME_SECONDS = 0.03
# Consecutive voiced frames that count as speech starting (one noisy frame does not).
SPEECH_CONFIRM_FRAMES = 3
# An utterance longer than this is cut at the next short pause (Deepgram also finalises long speech in pieces).
SOFT_MAX_SECONDS = 12.0
SHORT_PAUSE_FRAMES = 5
# ... and cut wherever it is once this long, so memory and latency stay bounded.
HARD_MAX_SECONDS = 30.0
# Silence without speech is decoded and discarded in blocks of this length.
IDLE_RESET_SECONDS = 5.0
PARTIAL_EVERY_SECONDS = 0.5
PROGRESS_EVERY_SECONDS = 0.1
# Live decoding first estimates the cepstral mean from this much audio, decoded once as a throwaway utterance: the
# model's built-in initial estimate suits neither telephone audio nor most microphones, and the first utterance
# suffers (preamble-websocket: "we you get people who had killed" instead of "we the people of the united").
PRIME_SECONDS = 2.0
# MEDIUM_STRICT: pauses inside fast speech still count as pauses (LOOSE hears breath and room noise as speech).
VAD_MODE = Vad.MEDIUM_STRICT


def new_decoder():
    # The pip wheel ships the US English acoustic model, language model and dictionary; these are its defaults.
    # fwdflat=False skips the second flat-lexicon pass: ~10-15% faster and no worse on our recordings (npm run bench).
    return Decoder(samprate=RATE, loglevel='FATAL', fwdflat=False)


def _clean(word):
    """PocketSphinx marks alternate pronunciations as word(2); fillers are <s>, </s>, <sil>, [NOISE], ++...++."""
    if not word or word[0] in '<[+':
        return None
    paren = word.find('(')
    return word[:paren] if paren > 0 else word


class Recognizer:
    """Feeds PCM to PocketSphinx and reports events through `emit(dict)`:

    speech {t}                    speech started (confirmed by SPEECH_CONFIRM_FRAMES voiced frames)
    partial {start, t, words}     current hypothesis of the open utterance (only with partials=True)
    final {start, end, words, reason}   an utterance ended: 'endpoint' (a pause of `endpoint` s), 'max' (long
                                  speech), 'finalize' (asked for), 'eof' (end of audio)
    progress {t}                  audio decoded up to t seconds
    Words are [word, start, end, confidence] with times in seconds from the start of the stream.

    batch=True (pre-recorded audio) decodes each utterance in one call once it is cut, so PocketSphinx normalises
    its features (cepstral mean) over the whole utterance; live decoding can only estimate that as it goes, which
    costs accuracy in the first seconds of a stream, which PRIME_SECONDS of audio limits."""

    def __init__(self, decoder, emit, endpoint=0.5, partials=False, batch=False):
        self._d = decoder
        self._batch = batch
        self._utterance = bytearray()
        self._emit = emit
        self._endpoint_frames = None if endpoint is None else max(1, round(endpoint / FRAME_SECONDS))
        self._partials = partials
        self._vad = Vad(VAD_MODE, RATE, FRAME_SECONDS)
        self._frame_bytes = self._vad.frame_bytes
        self._pending = bytearray()
        self._samples = 0
        self._utt_start = 0.0
        self._speech_run = 0
        self._silence_run = 0
        self._in_speech = False
        self._speech_seen = False
        self._last_partial = 0.0
        self._last_hyp = ''
        self._last_progress = 0.0
        # Live: audio waits here until PRIME_SECONDS have arrived (or the stream is flushed).
        self._priming = None if batch else bytearray()
        if batch:
            self._d.start_utt()

    @property
    def t(self):
        return self._samples / RATE

    def feed(self, pcm):
        if self._priming is not None:
            self._priming += pcm
            if len(self._priming) < PRIME_SECONDS * RATE * 2:
                return
            pcm = self._prime()
        self._pending += pcm
        whole = len(self._pending) - len(self._pending) % self._frame_bytes
        view = memoryview(self._pending)
        for offset in range(0, whole, self._frame_bytes):
            self._frame(bytes(view[offset:offset + self._frame_bytes]))
        view.release()
        del self._pending[:whole]
        if self.t - self._last_progress >= PROGRESS_EVERY_SECONDS:
            self._last_progress = self.t
            self._emit({'event': 'progress', 't': round(self.t, 3)})

    def flush(self, reason):
        """Ends the open utterance now and reports it, even when it has no words. After 'eof' nothing more is fed;
        after anything else ('finalize') a new utterance begins."""
        if self._priming is not None:
            self._pending += self._prime()
            whole = len(self._pending) - len(self._pending) % self._frame_bytes
            for offset in range(0, whole, self._frame_bytes):
                self._frame(bytes(self._pending[offset:offset + self._frame_bytes]))
            del self._pending[:whole]
        if self._pending:
            self._decode(bytes(self._pending))
            self._samples += len(self._pending) // 2
            self._pending.clear()
        self._cut(reason, restart=reason != 'eof')
        self._emit({'event': 'progress', 't': round(self.t, 3)})

    def _frame(self, frame):
        voiced = self._vad.is_speech(frame)
        self._decode(frame)
        frame_start = self.t
        self._samples += len(frame) // 2
        if voiced:
            self._speech_run += 1
            self._silence_run = 0
        else:
            self._silence_run += 1
            self._speech_run = 0
        if not self._in_speech and self._speech_run >= SPEECH_CONFIRM_FRAMES:
            self._in_speech = self._speech_seen = True
            started = frame_start - (SPEECH_CONFIRM_FRAMES - 1) * FRAME_SECONDS
            self._emit({'event': 'speech', 't': round(max(self._utt_start, started), 3)})
        length = self.t - self._utt_start
        if self._in_speech and self._endpoint_frames is not None and self._silence_run >= self._endpoint_frames:
            self._in_speech = False
            self._cut('endpoint')
        elif self._speech_seen and length >= SOFT_MAX_SECONDS and self._silence_run >= SHORT_PAUSE_FRAMES:
            self._cut('max')
        elif length >= HARD_MAX_SECONDS:
            self._cut('max')
        elif not self._speech_seen and length >= IDLE_RESET_SECONDS:
            self._restart()
        elif self._partials and self._speech_seen and self.t - self._last_partial >= PARTIAL_EVERY_SECONDS:
            self._partial()

    def _prime(self):
        """Sets the feature normalisation from the audio held so far, then starts the first real utterance."""
        held = bytes(self._priming)
        self._priming = None
        if len(held) >= self._frame_bytes:
            self._d.start_utt()
            self._d.process_raw(held, full_utt=True)
            self._d.end_utt()
        self._d.start_utt()
        return held

    def _decode(self, pcm):
        if self._batch:
            self._utterance += pcm
        else:
            self._d.process_raw(pcm)

    def _partial(self):
        self._last_partial = self.t
        hyp = self._d.hyp()
        text = hyp.hypstr if hyp else ''
        if text and text != self._last_hyp:
            self._last_hyp = text
            self._emit({'event': 'partial', 'start': round(self._utt_start, 3), 't': round(self.t, 3), 'words': self._words()})

    def _words(self):
        out = []
        for seg in self._d.seg() or []:
            word = _clean(seg.word)
            if word is None:
                continue
            start = self._utt_start + seg.start_frame / 100
            end = self._utt_start + (seg.end_frame + 1) / 100
            # The posterior can exceed 1 by rounding; partial hypotheses have none (reported as 0 → clamp later).
            confidence = min(1.0, max(0.0, seg.prob))
            out.append([word, round(start, 3), round(end, 3), round(confidence, 4)])
        return out

    def _cut(self, reason, restart=True):
        if self._batch:
            self._d.process_raw(bytes(self._utterance), full_utt=True)
            self._utterance.clear()
        self._d.end_utt()
        words = self._words()
        self._emit({'event': 'final', 'start': round(self._utt_start, 3), 'end': round(self.t, 3), 'words': words, 'reason': reason})
        if restart:
            self._begin()

    def _restart(self):
        self._utterance.clear()
        self._d.end_utt()
        self._begin()

    def _begin(self):
        self._d.start_utt()
        self._utt_start = self.t
        self._speech_seen = self._in_speech
        self._last_partial = self.t
        self._last_hyp = ''
