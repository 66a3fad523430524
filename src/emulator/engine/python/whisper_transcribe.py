"""Whisper transcription of decoded 16 kHz PCM: whole files (segmented by faster-whisper's Silero VAD) and single
utterances cut by the live segmenter. Words come back as [word, start, end, probability, punctuated form]."""

import numpy as np

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


def transcribe_pcm(model, model_name, pcm, language, detect, beam_size, vad):
    """Returns (segments, detected language, its probability). detect=True lets Whisper pick the language."""
    audio = pcm_to_float(pcm)
    if audio.size == 0:
        return [], language or DEFAULT_LANGUAGE, 0.0
    lang = None if detect and model_name != 'tiny.en' else whisper_language(language, model_name) or DEFAULT_LANGUAGE
    segments, info = model.transcribe(
        audio,
        language=lang,
        beam_size=beam_size,
        word_timestamps=True,
        vad_filter=vad,
        # Each utterance stands alone: no repetition loops carried from one segment into the next.
        condition_on_previous_text=False,
    )
    segments = list(segments)
    return _words(segments), info.language, round(float(info.language_probability), 4)
