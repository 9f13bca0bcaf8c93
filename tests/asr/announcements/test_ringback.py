"""Ringback (China: 450 Hz, or 425 Hz on older exchanges; 1 s on and 4 s off, or continuous while connecting) heard
before the answer or in early media: never a verdict, never known as a recording, and blocks of it are not matched
at all (before, clean 425 Hz ringback reached 0.65 against the recordings, at the matcher's bar). A person after
the ringback starts the answer's clock. The clips: tests/data/announcements/ringback, made by
scripts/make_ringback_negatives.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from asr.announcements.detector import AnnouncementDetector
from asr.announcements.match import Matcher, StreamMatcher, as_samples
from asr.recognition.wav import read_wav
from tests.asr.announcements.conftest import DATA

RINGBACK = sorted((DATA / "ringback").glob("*.wav"))
TONES = [p for p in RINGBACK if "person" not in p.stem]
THEN_PERSON = [p for p in RINGBACK if "person" in p.stem]


def test_the_ringback_set_covers_both_tones_cadences_codecs_and_noise() -> None:
    names = {p.stem for p in TONES}
    for hz in ("425", "450"):
        assert {n for n in names if n.startswith(f"rb{hz}_cont")} and {n for n in names if n.startswith(f"rb{hz}_cad")}
    for part in ("clean", "noise", "ulaw", "alaw", "digital"):
        assert any(part in n for n in names), part
    assert len(THEN_PERSON) == 2


def streamed(matcher: Matcher, path: Path) -> tuple[StreamMatcher, list]:
    stream = StreamMatcher(matcher)
    samples = as_samples(read_wav(path).pcm)
    verdicts = []
    for start in range(0, samples.size, 800):
        stream.feed(samples[start : start + 800])
        verdicts.append(stream.verdict())
    verdicts.append(stream.verdict(final=True))
    return stream, verdicts


@pytest.mark.parametrize("clip", TONES, ids=lambda p: p.stem)
def test_ringback_gives_no_verdict_and_no_evidence(matcher: Matcher, clip: Path) -> None:
    stream, verdicts = streamed(matcher, clip)
    assert not any(v.announcement or v.recording or v.kind for v in verdicts)
    # the tone itself is never matched; the noisy clips' off phases are line noise, far below a block's bar
    assert all(h.scores.max() < matcher.settings.block_min_score for h in stream.hits)
    assert not verdicts[-1].candidates
    if "noise" not in clip.stem:
        assert stream.hits == []  # no block of a clean tone (or of its switching on and off) is matched
        assert stream.ringing_s == pytest.approx(read_wav(clip).duration_s, abs=0.05)  # still ringing


@pytest.mark.parametrize("clip", THEN_PERSON, ids=lambda p: p.stem)
def test_a_person_after_ringback_is_no_announcement_and_starts_the_answers_clock(matcher: Matcher,
                                                                                  clip: Path) -> None:
    async def chunks():
        pcm = read_wav(clip).pcm
        for start in range(0, len(pcm), 320):
            yield pcm[start : start + 320], 8000

    detection = asyncio.run(AnnouncementDetector(matcher).classify(chunks()))
    assert detection.kind is None and not detection.announcement and detection.recording_after_s is None
    # the ringback lasts 6.0 s (450 Hz, cadenced) or 2.5 s (425 Hz, continuous; the person begins 0.2 s later)
    assert detection.ringing_s == pytest.approx(6.0 if "rb450" in clip.stem else 2.7, abs=0.05)
    _stream, verdicts = streamed(matcher, clip)
    best = max((e.evidence_s for v in verdicts for e in v.candidates), default=0.0)
    assert best < matcher.settings.unknown_min_evidence_s  # the person's words agree on no recording for 1 s
