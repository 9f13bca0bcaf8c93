"""The carrier-announcement dev set (tests/data/announcements, made by scripts/make_announcement_dev_set.py) and an
enrolled library of its five reference recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_desktop.core.announcement import AnnouncementKind

DATA = Path(__file__).resolve().parents[2] / "data" / "announcements"
ENROL = {kind: DATA / "enrol" / f"{kind.value}.wav" for kind in AnnouncementKind}
TESTS = sorted((DATA / "test").glob("*.wav"))
NEGATIVES = sorted((DATA / "negative").glob("*.wav"))


def kind_of(clip: Path) -> AnnouncementKind:
    return AnnouncementKind(clip.stem.split("__")[0])


@pytest.fixture(scope="session")
def enrolled_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose announcement library holds the five enrolment recordings."""
    from asr.announcements.library import AnnouncementLibrary

    data_dir = tmp_path_factory.mktemp("announcements-data")
    library = AnnouncementLibrary(data_dir)
    for kind, path in ENROL.items():
        library.add(kind, path)
    return data_dir


@pytest.fixture(scope="session")
def matcher(enrolled_dir: Path):  # -> Matcher
    from asr.announcements.library import AnnouncementLibrary

    return AnnouncementLibrary(enrolled_dir).matcher()
