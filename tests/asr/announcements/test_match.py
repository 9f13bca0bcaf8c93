"""The matcher on the dev set: every announcement kind under every channel condition (G.711 μ-law and A-law round
trips, −20 dB, +9 dB clipped, 12 dB SNR noise, a late start after ringback, joined late, cut short), spoken by a
voice other than the enrolled one; no false alarm on people answering, ringback, silence or a tune."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from agent_desktop.core.announcement import AnnouncementKind
from asr.announcements.detector import AnnouncementDetector
from asr.announcements.match import Matcher, Reference, as_samples, fingerprint
from asr.recognition.wav import read_wav
from tests.asr.announcements.conftest import ENROL, NEGATIVES, TESTS, kind_of


def clip_print(path: Path):  # -> Fingerprint
    return fingerprint(as_samples(read_wav(path).pcm))


def test_the_dev_set_covers_every_kind_and_condition() -> None:
    conditions = {"ulaw", "alaw", "quiet", "loud", "noise", "late", "cuthead", "cuttail"}
    for kind in AnnouncementKind:
        clips = {p.stem.split("__")[1].rsplit("_", 1)[0] for p in TESTS if kind_of(p) is kind}
        assert clips == conditions, kind
    assert len(NEGATIVES) >= 12 and sum(p.name.startswith("human_") for p in NEGATIVES) >= 8


@pytest.mark.parametrize("clip", TESTS, ids=lambda p: p.stem)
def test_each_announcement_is_named_under_each_channel_condition(matcher: Matcher, clip: Path) -> None:
    verdict = matcher.verdict(clip_print(clip))
    assert verdict.kind is kind_of(clip), [(c.kind.value, c.evidence_s, c.distinct_s) for c in verdict.candidates]
    assert verdict.score >= matcher.settings.min_mean_score


@pytest.mark.parametrize("clip", NEGATIVES, ids=lambda p: p.stem)
def test_no_false_alarm_on_people_ringback_silence_or_music(matcher: Matcher, clip: Path) -> None:
    verdict = matcher.verdict(clip_print(clip))
    assert verdict.kind is None and verdict.offset_s is None


def test_offsets_tell_a_late_start_and_a_late_join(matcher: Matcher) -> None:
    late = matcher.verdict(clip_print(TESTS[0].parent / "空号__late_b.wav"))
    assert late.offset_s == pytest.approx(2.2, abs=0.1)  # 1 s ringback + 1.2 s line noise before it
    joined = matcher.verdict(clip_print(TESTS[0].parent / "空号__cuthead_a.wav"))
    assert joined.offset_s == pytest.approx(-0.8, abs=0.1)  # the fork connected 0.8 s into the recording


def test_a_kind_is_named_only_by_what_no_other_kind_says() -> None:
    """The same recording enrolled as two kinds: both are heard, at full score, and neither is named, because no
    block tells them apart. (Enrolled as one kind, the same clip is named.)"""
    suspended = clip_print(ENROL[AnnouncementKind.SUSPENDED])
    clip = clip_print(TESTS[0].parent / "停机__ulaw_a.wav")
    twins = Matcher([Reference(AnnouncementKind.SUSPENDED, "a", suspended),
                     Reference(AnnouncementKind.SWITCHED_OFF, "b", suspended)])
    verdict = twins.verdict(clip)
    assert verdict.kind is None
    assert [c.evidence_s >= 1.2 and c.distinct_s == 0 for c in verdict.candidates] == [True, True]
    single = Matcher([Reference(AnnouncementKind.SUSPENDED, "a", suspended)]).verdict(clip)
    assert single.kind is AnnouncementKind.SUSPENDED


def test_the_fingerprint_ignores_level() -> None:
    samples = as_samples(read_wav(ENROL[AnnouncementKind.SUSPENDED]).pcm)
    loud, quiet = fingerprint(samples), fingerprint(samples * 0.05)
    both = loud.active & quiet.active
    assert both.sum() > 0.5 * loud.active.sum()
    difference = np.abs(loud.shape[both] - quiet.shape[both])
    assert np.percentile(difference, 95) < 0.3  # the same shape, whatever the level (26 dB apart here)
    assert np.abs(loud.shape[both]).mean() > 10 * np.median(difference)


def test_short_or_empty_audio_gives_no_verdict(matcher: Matcher) -> None:
    assert fingerprint(np.zeros(10, np.float32)).frames == 0
    assert matcher.verdict(fingerprint(np.zeros(10, np.float32))).kind is None
    assert Matcher([]).verdict(clip_print(ENROL[AnnouncementKind.BUSY])).kind is None


async def chunks(path: Path, frame_bytes: int = 320):
    pcm = read_wav(path).pcm
    for start in range(0, len(pcm), frame_bytes):
        yield pcm[start : start + frame_bytes], 8000


@pytest.mark.parametrize("clip", [p for p in TESTS if "late" not in p.stem], ids=lambda p: p.stem)
def test_the_detector_decides_within_four_seconds_of_audio(matcher: Matcher, clip: Path) -> None:
    detection = asyncio.run(AnnouncementDetector(matcher).classify(chunks(clip)))
    assert detection.kind is kind_of(clip)
    assert detection.decided_after_s <= 4.0


def test_after_a_late_start_the_decision_follows_the_announcement_start(matcher: Matcher) -> None:
    for clip in [p for p in TESTS if "late" in p.stem]:
        detection = asyncio.run(AnnouncementDetector(matcher).classify(chunks(clip)))
        assert detection.kind is kind_of(clip) and detection.offset_s is not None
        assert detection.decided_after_s - detection.offset_s <= 4.0


def test_the_detector_stops_listening_at_its_limit(matcher: Matcher) -> None:
    detection = asyncio.run(AnnouncementDetector(matcher, max_listen_s=3.0).classify(
        chunks(TESTS[0].parent.parent / "negative" / "human_ko_sentences_8k.wav")))
    assert detection.kind is None and detection.decided_after_s == pytest.approx(3.0, abs=0.03)


def test_audio_at_another_rate_is_resampled(matcher: Matcher) -> None:
    import soxr

    samples = as_samples(read_wav(TESTS[0].parent / "空号__ulaw_a.wav").pcm)
    pcm16k = (np.clip(soxr.resample(samples, 8000, 16000), -1, 1) * 32767).astype("<i2").tobytes()

    async def wide():
        for start in range(0, len(pcm16k), 640):
            yield pcm16k[start : start + 640], 16000

    detection = asyncio.run(AnnouncementDetector(matcher).classify(wide()))
    assert detection.kind is AnnouncementKind.EMPTY_NUMBER
