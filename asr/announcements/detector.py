"""Listening to the first seconds of an answered survey call: a carrier announcement, or a person?

`AnnouncementDetector.classify(stream)` reads a call's audio (an async iterator of `(pcm, sample_rate_hz)` chunks,
16-bit little-endian mono) and returns a `Detection` as soon as the enrolled library names an announcement, or with
kind None when `max_listen_s` of audio passed without one (a person, ringback, silence) or the stream ended. It
re-matches every `step_s` of audio; each 0.4 s block is matched once (`match.StreamMatcher`).

`ForkListener` is the AudioSocket sink that makes a fork's stream such an iterator: the survey dialer registers the
fork's UUID with its `AudioSocketServer` whose sink factory returns a `ForkListener`, and awaits
`detector.classify(listener)`. Once classify has its answer it closes the listener, which then drops the rest of
the call's audio instead of queueing it.

Two moments are reported: `recording_after_s`, when the audio was first known to be a carrier's recording and not
a person (the shared opening 您拨打的… heard well, about 1.4 s into the recording), and `decided_after_s`, when the
verdict fell (the kind named, or an announcement of unknown kind). The first is also used: once the detector knows
it hears a recording, it keeps listening past `max_listen_s` until every heard recording's own words (the part that
names its kind) have been played on its alignment, by at most `max_known_extra_s` — a recording that starts a few
seconds after the answer is then named instead of being cut off as of unknown kind (an 空号 counted as retryable).
A person never extends the limit (nothing is known). A recording known and not named when listening ends is an
announcement of unknown kind (retried by the dialer), never left to the IVR and never taken for 空号/停机.

`decided_after_s` is measured in audio (seconds of the call heard when the decision fell), not wall time, so it is
the same on a slow test machine; the fork streams in real time, so on a live call the two agree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from agent_desktop.core.announcement import AnnouncementKind
from agent_desktop.core.errors import AsrError
from asr.announcements.match import RATE_HZ, Matcher, StreamMatcher, Verdict, as_samples

log = logging.getLogger(__name__)

DEFAULT_MAX_LISTEN_S = 6.0
DEFAULT_STEP_S = 0.1
DEFAULT_MAX_RINGING_S = 8.0  # with the 6 s after it and the 3 s below, inside the dialer's 18 s wait for a verdict
DEFAULT_MAX_KNOWN_EXTRA_S = 3.0  # a known recording: listen on for its own words by at most this much
OWN_END_MARGIN_S = 0.2  # beyond where the alignment puts the own segment's end (a recording a little slow)


@dataclass(frozen=True, slots=True)
class Detection:
    kind: AnnouncementKind | None  # None: no enrolled kind named (a person, ringback, silence — or see `announcement`)
    score: float
    offset_s: float | None  # where the enrolled recording's start falls in the call's audio
    decided_after_s: float  # seconds of audio heard when decided (from the fork's start: the call's answer)
    announcement: bool = False  # a carrier's recording was heard; with `kind` None, of a kind nobody enrolled
    ringing_s: float = 0.0  # of that audio, in-band ringback before the far end answered
    recording_after_s: float | None = None  # seconds of audio heard when first known to be a recording (None: never)

    @property
    def unknown_kind(self) -> bool:
        return self.announcement and self.kind is None

    @property
    def decided_after_answer_s(self) -> float:
        """Seconds of audio after the far end answered (the ringback, if any, not counted)."""
        return max(0.0, self.decided_after_s - self.ringing_s)

    @property
    def recording_after_answer_s(self) -> float | None:
        """When the audio was known to be a recording, counted from the far end's answer (ringback not counted)."""
        return None if self.recording_after_s is None else max(0.0, self.recording_after_s - self.ringing_s)

    @classmethod
    def from_verdict(cls, verdict: Verdict, heard_s: float, ringing_s: float = 0.0,
                     recording_after_s: float | None = None) -> Detection:
        if recording_after_s is None and verdict.announcement:
            recording_after_s = heard_s
        return cls(verdict.kind, verdict.score, verdict.offset_s, heard_s, verdict.announcement,
                   min(ringing_s, heard_s), recording_after_s)

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind.value if self.kind else None, "score": round(self.score, 3),
                "offset_s": None if self.offset_s is None else round(self.offset_s, 2),
                "announcement": self.announcement, "decided_after_s": round(self.decided_after_s, 2),
                "ringing_s": round(self.ringing_s, 2),
                "recording_after_s": None if self.recording_after_s is None else round(self.recording_after_s, 2)}


class _Resampler:
    """Chunks at any rate → 8 kHz floats (soxr keeps its state across chunks; 8 kHz input passes through)."""

    def __init__(self) -> None:
        self._rate: int | None = None
        self._stream: Any = None

    def __call__(self, pcm: bytes, rate_hz: int) -> np.ndarray:
        samples = as_samples(pcm)
        if rate_hz == RATE_HZ:
            return samples
        if rate_hz != self._rate:
            import soxr  # noqa: PLC0415 — the fork normally streams 8 kHz

            self._rate, self._stream = rate_hz, soxr.ResampleStream(rate_hz, RATE_HZ, 1, dtype="float32")
        return self._stream.resample_chunk(samples)


class AnnouncementDetector:
    """`max_listen_s` counts from the far end's answer: in-band ringback first (a trunk that answers before the
    callee does) moves the limit, by at most `max_ringing_s`; a recording known and not yet named moves it until its
    kinds' own words have been played, by at most `max_known_extra_s`."""

    def __init__(self, matcher: Matcher, *, max_listen_s: float = DEFAULT_MAX_LISTEN_S,
                 step_s: float = DEFAULT_STEP_S, max_ringing_s: float = DEFAULT_MAX_RINGING_S,
                 max_known_extra_s: float = DEFAULT_MAX_KNOWN_EXTRA_S) -> None:
        if not matcher.references:
            raise AsrError("no carrier announcement is enrolled: add some with "
                           "`agent-desktop survey announcements add KIND FILE.wav`", code="announcement_library_empty")
        self.matcher = matcher
        self.max_listen_s = max_listen_s
        self.step_s = step_s
        self.max_ringing_s = max_ringing_s
        self.max_known_extra_s = max_known_extra_s

    def _limit_s(self, matcher: StreamMatcher, own_until_s: float | None = None) -> float:
        limit = self.max_listen_s + min(matcher.ringing_s, self.max_ringing_s)
        if own_until_s is None:
            return limit
        return min(max(limit, own_until_s), limit + self.max_known_extra_s)

    def _own_until_s(self, verdict: Verdict) -> float | None:
        """A recording is heard, kind not named yet: the audio time by which every heard recording's own segment,
        on its alignment, has been played (a ruled-out kind need not be waited for)."""
        ends = [e.own_end_s for e in verdict.candidates if self.matcher.heard(e) and not e.ruled_out
                and e.own_end_s is not None]
        return max(ends) + OWN_END_MARGIN_S if ends else None

    async def classify(self, stream: AsyncIterable[tuple[bytes, int]]) -> Detection:
        matcher = StreamMatcher(self.matcher)
        resample = _Resampler()
        iterator = aiter(stream)
        next_check_s = self.step_s
        verdict: Verdict | None = None
        known_at: float | None = None  # audio heard when first known to be a recording
        own_until: float | None = None
        try:
            while matcher.heard_s < self._limit_s(matcher, own_until):
                try:
                    pcm, rate_hz = await anext(iterator)
                except StopAsyncIteration:
                    break
                samples = resample(pcm, rate_hz)
                room = round((self._limit_s(matcher, own_until) - matcher.heard_s) * RATE_HZ)
                matcher.feed(samples[:room])
                if matcher.heard_s + 1e-9 >= next_check_s:
                    next_check_s = matcher.heard_s + self.step_s
                    verdict = matcher.verdict()
                    if verdict.announcement:
                        return Detection.from_verdict(verdict, matcher.heard_s, matcher.ringing_s, known_at)
                    if verdict.recording:
                        known_at = matcher.heard_s if known_at is None else known_at
                        own_until = self._own_until_s(verdict)
                    await asyncio.sleep(0)  # matching is CPU work: let the other calls' audio in between
            verdict = matcher.verdict(final=True)
            if known_at is not None and not verdict.announcement:
                # known to be a recording and no kind named: of a kind nobody enrolled (retried), not a person
                verdict = replace(verdict, announcement=True, recording=True)
            return Detection.from_verdict(verdict, matcher.heard_s, matcher.ringing_s, known_at)
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()


_END = object()


class ForkListener:
    """An AudioSocket stream sink (`asr.audiosocket.server.StreamSink`) that is an async iterator of its audio
    chunks, for `AnnouncementDetector.classify`. Bounded: a consumer that stops reading makes the socket wait."""

    def __init__(self, call_id: str | None = None, *, max_queued_chunks: int = 500) -> None:
        self.call_id = call_id
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max_queued_chunks)
        self._closed = False
        self.audio_s = 0.0
        self.end_reason: str | None = None
        self.error: AsrError | None = None

    # --- the AudioSocket side ---------------------------------------------------------------------------------
    async def on_audio(self, pcm: bytes, sample_rate_hz: int) -> None:
        self.audio_s += len(pcm) / 2 / sample_rate_hz
        if not self._closed:
            await self._queue.put((pcm, sample_rate_hz))

    async def on_dtmf(self, digit: str) -> None:
        return None

    async def on_end(self, reason: str, error: AsrError | None = None) -> None:
        self.end_reason, self.error = reason, error
        if not self._closed:
            await self._queue.put(_END)

    # --- the detector's side ----------------------------------------------------------------------------------
    def __aiter__(self) -> AsyncIterator[tuple[bytes, int]]:
        return self

    async def __anext__(self) -> tuple[bytes, int]:
        if self._closed:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is _END:
            self._closed = True
            raise StopAsyncIteration
        return item  # type: ignore[return-value]

    async def aclose(self) -> None:
        """The detector has decided: drop what is queued and whatever audio still comes."""
        self._closed = True
        while not self._queue.empty():
            self._queue.get_nowait()
