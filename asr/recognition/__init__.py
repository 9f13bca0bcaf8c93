"""Streaming speech recognition with Vosk: the model loaded once from a folder (`model`), one blocking recognizer
per call with soxr resampling (`recognizer`), its asyncio wrapper on a per-call thread (`transcriber`), result
events (`events`), display text (`text`) and WAV input (`wav`).

Importing this package does not import vosk; `load_model` and `StreamRecognizer` do, when first used.
"""

from asr.recognition.events import FinalResult, PartialResult, RecognitionEvent, Word
from asr.recognition.model import LoadedModel, ModelLayout, inspect_model_dir, load_model
from asr.recognition.text import display_text

__all__ = [
    "FinalResult",
    "LoadedModel",
    "ModelLayout",
    "PartialResult",
    "RecognitionEvent",
    "Word",
    "display_text",
    "inspect_model_dir",
    "load_model",
]
