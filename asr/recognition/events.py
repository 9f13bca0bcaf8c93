"""What recognition tells the rest of the desktop: partial and final results with word timings.

Times are seconds of call audio from the start of the stream (Vosk's own clock), so a word's `end_s` can be compared
with the audio fed so far. `text` is Vosk's output (space-separated words, also for Chinese); `display` is the text
to show (Chinese inter-word spaces removed, see `text.display_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start_s: float
    end_s: float
    conf: float | None = None  # final results carry a confidence; partial ones do not

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"word": self.word, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}
        if self.conf is not None:
            out["conf"] = round(self.conf, 3)
        return out


@dataclass(frozen=True, slots=True)
class PartialResult:
    """The recognizer's current guess for the utterance in progress; it may still change."""

    call_id: str | None
    text: str
    display: str
    words: tuple[Word, ...]
    audio_s: float  # seconds of audio the recognizer had consumed when it produced this

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "partial",
            "call_id": self.call_id,
            "text": self.text,
            "display": self.display,
            "audio_s": round(self.audio_s, 3),
            "words": [w.to_json() for w in self.words],
        }


@dataclass(frozen=True, slots=True)
class FinalResult:
    """A finished utterance (Vosk's endpoint, or the end of the stream). It never changes afterwards."""

    call_id: str | None
    text: str
    display: str
    words: tuple[Word, ...]
    audio_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "final",
            "call_id": self.call_id,
            "text": self.text,
            "display": self.display,
            "audio_s": round(self.audio_s, 3),
            "words": [w.to_json() for w in self.words],
        }


RecognitionEvent = PartialResult | FinalResult
