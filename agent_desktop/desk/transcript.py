"""The live transcript of one call: final results in order, and the one partial result that the next final replaces.

Vosk's Chinese models print words separated by spaces; the pre-fill quotes its evidence without them. `mask_words`
stars the characters of such a phrase wherever it occurs in the transcript, spaces or not — used when an anonymous
caller's name or number was said on the line (第15条): the screen then shows ``我 叫 *** 电话 ***********``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum


class TranscriptSource(StrEnum):
    RECOGNIZER = "recognizer"
    DEMO_SCRIPT = "demo_script"  # the demo without a Chinese model: the scenario's own script, said plainly on screen


@dataclass(frozen=True, slots=True)
class Transcript:
    finals: tuple[str, ...] = ()
    partial: str = ""
    source: TranscriptSource = TranscriptSource.RECOGNIZER

    @property
    def text(self) -> str:
        """Everything heard so far, finals then the partial, one line each."""
        return "\n".join((*self.finals, self.partial) if self.partial else self.finals)


def add_partial(transcript: Transcript, text: str, source: TranscriptSource) -> Transcript:
    return replace(transcript, partial=text.strip(), source=source)


def add_final(transcript: Transcript, text: str, source: TranscriptSource) -> Transcript:
    text = text.strip()
    finals = (*transcript.finals, text) if text else transcript.finals
    return Transcript(finals, "", source)


def _pattern(phrase: str) -> re.Pattern[str] | None:
    chars = [c for c in phrase if not c.isspace()]
    if not chars:
        return None
    return re.compile(r"\s*".join(re.escape(c) for c in chars))


def _star(match: re.Match[str]) -> str:
    return "".join(c if c.isspace() else "*" for c in match.group(0))


def mask_words(transcript: Transcript, phrases: Iterable[str]) -> Transcript:
    # the longest first: masking 王 first would leave 王小明 as *小明, which no longer matches
    patterns = [p for p in map(_pattern, sorted(set(phrases), key=len, reverse=True)) if p is not None]
    if not patterns:
        return transcript

    def masked(line: str) -> str:
        for pattern in patterns:
            line = pattern.sub(_star, line)
        return line

    return replace(transcript, finals=tuple(masked(line) for line in transcript.finals),
                   partial=masked(transcript.partial))
