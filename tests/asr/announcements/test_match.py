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
from asr.announcements.match import FRAME_S, Matcher, Reference, answered_at, as_samples, fingerprint
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
    assert verdict.kind is kind_of(clip), [(c.kind.value, c.evidence_s, c.own_s, c.own_score)
                                           for c in verdict.candidates]
    assert verdict.announcement and verdict.score >= matcher.settings.min_mean_score


@pytest.mark.parametrize("clip", NEGATIVES, ids=lambda p: p.stem)
def test_no_false_alarm_on_people_ringback_silence_or_music(matcher: Matcher, clip: Path) -> None:
    verdict = matcher.verdict(clip_print(clip))
    assert verdict.kind is None and verdict.offset_s is None and not verdict.announcement


def test_offsets_tell_a_late_start_and_a_late_join(matcher: Matcher) -> None:
    late = matcher.verdict(clip_print(TESTS[0].parent / "空号__late_b.wav"))
    assert late.offset_s == pytest.approx(2.2, abs=0.1)  # 1 s ringback + 1.2 s line noise before it
    joined = matcher.verdict(clip_print(TESTS[0].parent / "空号__cuthead_a.wav"))
    assert joined.offset_s == pytest.approx(-0.8, abs=0.1)  # the fork connected 0.8 s into the recording


def test_a_kind_is_named_only_by_what_no_other_kind_says() -> None:
    """The same recording enrolled as two kinds: both are heard, at full score, and neither is named, because no
    part of it is one kind's own; it is a recording, of no kind that can be told. (Enrolled as one kind, the same
    clip is named.)"""
    suspended = clip_print(ENROL[AnnouncementKind.SUSPENDED])
    clip = clip_print(TESTS[0].parent / "停机__ulaw_a.wav")
    twins = Matcher([Reference(AnnouncementKind.SUSPENDED, "a", suspended),
                     Reference(AnnouncementKind.SWITCHED_OFF, "b", suspended)])
    verdict = twins.verdict(clip)
    assert verdict.kind is None and verdict.unknown_kind
    assert [c.evidence_s >= 1.2 and c.own_s == 0 and not c.fits for c in verdict.candidates] == [True, True]
    single = Matcher([Reference(AnnouncementKind.SUSPENDED, "a", suspended)]).verdict(clip)
    assert single.kind is AnnouncementKind.SUSPENDED


@pytest.mark.parametrize("left_out", list(AnnouncementKind), ids=lambda k: k.name.lower())
def test_a_kind_not_enrolled_is_never_named_as_another(matcher: Matcher, left_out: AnnouncementKind) -> None:
    """With one kind left out of the library, its clips are never named as an enrolled kind (before, 28 of 40 were:
    关机 as 停机, which ends the attempts); nearly all are heard as an announcement of unknown kind."""
    partial = Matcher([r for r in matcher.references if r.kind is not left_out])
    verdicts = {p.stem: partial.verdict(clip_print(p)) for p in TESTS if kind_of(p) is left_out}
    assert {stem: v.kind for stem, v in verdicts.items() if v.kind is not None} == {}
    assert sum(v.unknown_kind for v in verdicts.values()) >= 7, {s: v.unknown_kind for s, v in verdicts.items()}


def test_the_kind_is_named_by_its_own_words_at_the_alignment(matcher: Matcher) -> None:
    """What decides: at the recording's alignment, the words only this kind says match as well as the shared ones;
    every other kind's own words, where the alignment puts them, match far worse and rule it out."""
    verdict = matcher.verdict(clip_print(TESTS[0].parent / "关机__noise_a.wav"))
    named, *others = verdict.candidates
    assert named.kind is AnnouncementKind.SWITCHED_OFF and named.fits and not named.ruled_out
    assert named.own_score >= named.score - matcher.settings.accept_drop
    suspended = next(c for c in others if c.kind is AnnouncementKind.SUSPENDED)
    assert suspended.ruled_out and not suspended.fits  # 已停机 against 已关机: one syllable apart


def test_ringback_before_the_voice_is_not_counted_as_answered() -> None:
    """China's ringback (1 s of 425/450 Hz, then its off phase) before the announcement: the far end answered when
    the voice began; audio that starts with speech was answered at once; ringback alone is still ringing."""
    late = clip_print(TESTS[0].parent / "空号__late_b.wav")  # 1 s ringback + 1.2 s line noise, then the voice
    assert answered_at(late) * FRAME_S == pytest.approx(2.2, abs=0.06)
    assert answered_at(clip_print(TESTS[0].parent / "空号__ulaw_a.wav")) == 0
    assert answered_at(clip_print(ENROL[AnnouncementKind.BUSY])) == 0
    assert answered_at(clip_print(TESTS[0].parent.parent / "negative" / "ringback.wav")) is None
    tune = clip_print(TESTS[0].parent.parent / "negative" / "tune.wav")  # music is not ringback
    assert answered_at(tune) == 0 and tune.ringback is not None and tune.ringback.mean() < 0.05


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


def test_after_ringback_the_decision_falls_within_four_seconds_of_the_voice(matcher: Matcher) -> None:
    for clip in [p for p in TESTS if "late" in p.stem]:
        detection = asyncio.run(AnnouncementDetector(matcher).classify(chunks(clip)))
        assert detection.kind is kind_of(clip) and detection.offset_s is not None
        assert detection.ringing_s == pytest.approx(2.2, abs=0.06)  # 1 s ringback + 1.2 s of its off phase
        assert detection.decided_after_answer_s <= 4.0
        assert detection.decided_after_s - detection.offset_s <= 4.0


def test_the_listening_limit_counts_from_the_answer_after_ringback(matcher: Matcher) -> None:
    """Ringback alone: still ringing, so the detector listens past `max_listen_s` (by at most `max_ringing_s`)."""
    ringback = TESTS[0].parent.parent / "negative" / "ringback.wav"  # 6 s
    detection = asyncio.run(AnnouncementDetector(matcher, max_listen_s=3.0, max_ringing_s=2.0).classify(
        chunks(ringback)))
    assert detection.kind is None and not detection.announcement
    assert detection.decided_after_s == pytest.approx(5.0, abs=0.03)


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


BLIND = TESTS[0].parent.parent / "blind"


@pytest.mark.parametrize("clip", sorted((BLIND / "unknown").glob("*.wav")), ids=lambda p: p.stem)
def test_announcements_of_kinds_no_library_holds_are_never_named(matcher: Matcher, clip: Path) -> None:
    """The blind set's 呼入限制 and 无人接听 (scored once, never tuned on): never taken for an enrolled kind; most are
    heard as an announcement of unknown kind (4 of 6 when scored; the two at 6 dB SNR went unheard)."""
    verdict = matcher.verdict(clip_print(clip))
    assert verdict.kind is None


@pytest.mark.parametrize("clip", sorted((BLIND / "negative").glob("*.wav")), ids=lambda p: p.stem)
def test_no_announcement_is_heard_in_the_blind_sets_people_ringback_or_music(matcher: Matcher, clip: Path) -> None:
    assert not matcher.verdict(clip_print(clip)).announcement
