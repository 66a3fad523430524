"""Whisper transcription of decoded 16 kHz PCM: whole files (segmented by faster-whisper's Silero VAD) and single
utterances cut by the live segmenter. Words come back as [word, start, end, probability, punctuated form]."""

import numpy as np

# Files are decoded as independent speech segments of at most 30 s each, cut at the pauses Silero VAD finds, a few at
# a time (faster-whisper's BatchedInferencePipeline). Whisper's own long-form decoding slides a 30 s window from one
# predicted timestamp to the next instead, and a wrong timestamp skips or repeats speech: on 11 minutes of the
# fixtures' speech it dropped whole sentences (WER 0.054 against 0.032 batched), and where a file was cut decided
# where the window fell, so a file cut into chunks came out differently from the same file whole (0.055 against
# 0.035). Independent segments make a file's transcript the same whole or cut at pauses, and are no slower.
BATCH_SIZE = 4
_pipelines = {}


def _batched(model):
    from faster_whisper import BatchedInferencePipeline
    pipeline = _pipelines.get(id(model))
    if pipeline is None:
        pipeline = _pipelines[id(model)] = BatchedInferencePipeline(model=model)
    return pipeline

# Deepgram answers in English unless told otherwise; Whisper would guess the language from the first 30 s.
DEFAULT_LANGUAGE = 'en'


def pcm_to_float(pcm):
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


def whisper_language(language, model_name):
    """Deepgram's BCP-47 tag (en-US, pt-BR) → Whisper's code; tiny.en knows English only."""
    if not language:
        return None
    code = language.split('-')[0].lower()
    return 'en' if model_name == 'tiny.en' else code


def _words(segments, offset=0.0):
    out = []
    for segment in segments:
        seg_words = []
        for w in segment.words or []:
            text = w.word.strip()
            if not text:
                continue
            seg_words.append([text, round(offset + w.start, 3), round(offset + max(w.end, w.start), 3),
                              round(float(w.probability), 4), text])
        if seg_words:
            out.append({'start': round(offset + segment.start, 3), 'end': round(offset + segment.end, 3),
                        'words': seg_words, 'reason': 'endpoint'})
    return out


# A pause ends an utterance (as Whisper's own segments did, sentence-like): silences of at least this long, found by Silero VAD.
PAUSE_MS = 300
PAUSE_PAD_MS = 100


def _split_at_pauses(segments, audio):
    """Batched decoding gives one segment per ~30 s of speech, and Whisper's word times stretch over the pauses between
    words. Silero VAD finds the pauses: each one ends a segment (an utterance), and no word runs into one."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps
    speech = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=PAUSE_MS, speech_pad_ms=PAUSE_PAD_MS))
    pauses = [(a['end'] / 16000, b['start'] / 16000) for a, b in zip(speech, speech[1:])]
    words = [w for seg in segments for w in seg['words']]
    out, current, p = [], [], 0
    for word in words:
        middle = (word[1] + word[2]) / 2
        while p < len(pauses) and pauses[p][1] <= middle:
            start, end = pauses[p]
            if current:
                current[-1][2] = round(max(current[-1][1], min(current[-1][2], start)), 3)
                out.append(current)
                current = []
            if word[1] < end <= word[2]:
                word[1] = round(end, 3)
            p += 1
        current.append(word)
    if current:
        out.append(current)
    return [{'start': ws[0][1], 'end': ws[-1][2], 'words': ws, 'reason': 'endpoint'} for ws in out]


def transcribe_pcm(model, model_name, pcm, language, detect, beam_size, vad):
    """Returns (segments, detected language, its probability). detect=True lets Whisper pick the language."""
    audio = pcm_to_float(pcm)
    if audio.size == 0:
        return [], language or DEFAULT_LANGUAGE, 0.0
    lang = None if detect and model_name != 'tiny.en' else whisper_language(language, model_name) or DEFAULT_LANGUAGE
    if vad:
        segments, info = _batched(model).transcribe(audio, language=lang, beam_size=beam_size, word_timestamps=True, batch_size=BATCH_SIZE)
        return _split_at_pauses(_words(list(segments)), audio), info.language, round(float(info.language_probability), 4)
    else:
        segments, info = model.transcribe(
            audio,
            language=lang,
            beam_size=beam_size,
            word_timestamps=True,
            vad_filter=False,
            # Each utterance stands alone: no repetition loops carried from one segment into the next.
            condition_on_previous_text=False,
        )
    segments = list(segments)
    return _words(segments), info.language, round(float(info.language_probability), 4)
