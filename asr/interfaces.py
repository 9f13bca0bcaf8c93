"""What a front end needs of speech recognition and pre-fill, without the implementation: the values the speech
service hands out. Importing this module imports neither vosk nor a socket (tests/test_layering.py); the service
itself is `asr.service.SpeechService`.
"""

from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.listeners import Subscription
from asr.prefill.extract import FIELDS, Prefill, SuggestedUnit
from asr.recognition.events import FinalResult, PartialResult, RecognitionEvent, Word

__all__ = [
    "FIELDS",
    "FinalResult",
    "Health",
    "HealthState",
    "PartialResult",
    "Prefill",
    "RecognitionEvent",
    "Subscription",
    "SuggestedUnit",
    "Word",
]
