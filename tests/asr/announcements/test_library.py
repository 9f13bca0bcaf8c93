"""The enrolled library: add, list, remove; owner-only files; a bad WAV refused with a clear error and nothing
written; a library made by another matcher version refused."""

from __future__ import annotations

import json
import stat
import wave
from pathlib import Path

import numpy as np
import pytest

from agent_desktop.core.announcement import AnnouncementKind
from agent_desktop.core.errors import AsrError
from asr.announcements.library import AnnouncementLibrary, library_dir
from tests.asr.announcements.conftest import ENROL, NEGATIVES, TESTS


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_wav(path: Path, samples: np.ndarray, *, rate: int = 8000, channels: int = 1, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


def test_add_list_remove_with_owner_only_files(tmp_path: Path) -> None:
    library = AnnouncementLibrary(tmp_path)
    assert library.entries() == []
    first = library.add(AnnouncementKind.EMPTY_NUMBER, ENROL[AnnouncementKind.EMPTY_NUMBER])
    second = library.add(AnnouncementKind.BUSY, ENROL[AnnouncementKind.BUSY])
    assert [(e.id, e.kind, e.source) for e in library.entries()] == [
        (first.id, AnnouncementKind.EMPTY_NUMBER, "空号.wav"), (second.id, AnnouncementKind.BUSY, "正在通话中.wav")]
    assert first.duration_s == pytest.approx(4.75, abs=0.05)
    folder = library_dir(tmp_path)
    assert mode(folder) == 0o700
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(["index.json", f"{first.id}.npz", f"{second.id}.npz"])  # no temporary left behind
    assert all(mode(folder / name) == 0o600 for name in files)
    references = library.references()
    assert [r.kind for r in references] == [AnnouncementKind.EMPTY_NUMBER, AnnouncementKind.BUSY]
    assert references[0].print_.frames > 400
    assert library.remove(first.id).kind is AnnouncementKind.EMPTY_NUMBER
    assert [e.id for e in library.entries()] == [second.id]
    assert not (folder / f"{first.id}.npz").exists()
    with pytest.raises(AsrError) as caught:
        library.remove("nope")
    assert caught.value.code == "announcement_unknown"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: d / "missing.wav", "audio_missing"),
        (lambda d: (d / "text.wav").write_text("not audio") and d / "text.wav", "audio_unsupported"),
        (lambda d: write_wav(d / "stereo.wav", np.zeros(16000, "<i2"), channels=2), "audio_unsupported"),
        (lambda d: write_wav(d / "8bit.wav", np.full(16000, 128, np.uint8), width=1), "audio_unsupported"),
        (lambda d: d / "silence", "announcement_too_little_sound"),
        (lambda d: write_wav(d / "long.wav", np.zeros(8000 * 61, "<i2")), "announcement_too_long"),
    ],
    ids=["missing", "not-a-wav", "stereo", "8-bit", "silence", "too-long"],
)
def test_a_bad_recording_is_refused_clearly_and_nothing_is_written(tmp_path: Path, make, code: str) -> None:
    library = AnnouncementLibrary(tmp_path / "data")
    library.add(AnnouncementKind.SUSPENDED, ENROL[AnnouncementKind.SUSPENDED])
    before = {p.name: p.read_bytes() for p in library.folder.iterdir()}
    source = make(tmp_path)
    if source.name == "silence":
        source = next(p for p in NEGATIVES if p.name == "silence.wav")
    with pytest.raises(AsrError) as caught:
        library.add(AnnouncementKind.EMPTY_NUMBER, source)
    assert caught.value.code == code and caught.value.message
    assert {p.name: p.read_bytes() for p in library.folder.iterdir()} == before


def test_a_recording_at_another_rate_is_resampled(tmp_path: Path) -> None:
    import soxr

    from asr.announcements.library import fingerprint_wav
    from asr.recognition.wav import read_wav

    audio = read_wav(ENROL[AnnouncementKind.UNREACHABLE])
    samples = np.frombuffer(audio.pcm, "<i2").astype(np.float32) / 32768
    wide = write_wav(tmp_path / "16k.wav", (soxr.resample(samples, 8000, 16000) * 32767).astype("<i2"), rate=16000)
    library = AnnouncementLibrary(tmp_path)
    library.add(AnnouncementKind.UNREACHABLE, wide)
    verdict = library.matcher().verdict(fingerprint_wav(next(p for p in TESTS if p.stem == "暂时无法接通__alaw_b"))[0])
    assert verdict.kind is AnnouncementKind.UNREACHABLE


def test_a_library_of_another_matcher_version_or_a_broken_index_is_refused(tmp_path: Path) -> None:
    library = AnnouncementLibrary(tmp_path)
    library.add(AnnouncementKind.SUSPENDED, ENROL[AnnouncementKind.SUSPENDED])
    index = library.folder / "index.json"
    raw = json.loads(index.read_text(encoding="utf-8"))
    index.write_text(json.dumps({**raw, "feature_version": 99}), encoding="utf-8")
    with pytest.raises(AsrError) as caught:
        library.entries()
    assert caught.value.code == "announcement_library_version" and "enrol" in caught.value.message
    index.write_text("{", encoding="utf-8")
    with pytest.raises(AsrError) as caught:
        library.matcher()
    assert caught.value.code == "announcement_library_broken"


def test_the_detector_refuses_an_empty_library(tmp_path: Path) -> None:
    from asr.announcements.detector import AnnouncementDetector

    with pytest.raises(AsrError) as caught:
        AnnouncementDetector(AnnouncementLibrary(tmp_path).matcher())
    assert caught.value.code == "announcement_library_empty"
