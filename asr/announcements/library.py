"""The library of carrier announcements an operator enrolled: their fingerprints, in the data folder.

    <data dir>/announcements/            (0700 when created here)
        index.json                       (0600) every entry: id, kind, source file name, duration, when added
        <id>.npz                         (0600) its fingerprint (numpy arrays, no pickle)

Only fingerprints are kept, not the audio. Every write goes to a temporary file in the folder that is renamed into
place, so a crash or a refused file leaves the library as it was. A fingerprint made by another version of the
matcher (`FEATURE_VERSION`) is refused when the library loads, with the advice to enrol again.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from agent_desktop.core.announcement import AnnouncementKind
from agent_desktop.core.errors import AsrError
from agent_desktop.core.privacy import PRIVATE_FILE_MODE, narrow_file, private_folder
from asr.announcements.match import (
    BLOCK_FRAMES,
    FRAME_S,
    RATE_HZ,
    Fingerprint,
    Matcher,
    MatchSettings,
    Reference,
    as_samples,
    fingerprint,
)
from asr.recognition.wav import read_wav

FEATURE_VERSION = 1
FOLDER_NAME = "announcements"
INDEX_NAME = "index.json"
MIN_SOUND_S = 1.2  # the matcher needs this much of the recording to be sound before it may name it
MAX_DURATION_S = 60.0


@dataclass(frozen=True)
class Entry:
    id: str
    kind: AnnouncementKind
    source: str
    duration_s: float
    added_at: str

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind.value, "source": self.source, "duration_s": round(self.duration_s, 2),
                "added_at": self.added_at}


def library_dir(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER_NAME


def fingerprint_wav(path: str | Path) -> tuple[Fingerprint, float]:
    """The fingerprint of a WAV file (16-bit PCM mono, any rate: resampled to 8 kHz) and its duration. AsrError with
    the WAV reader's codes, or `announcement_too_long`."""
    audio = read_wav(path)
    if audio.duration_s > MAX_DURATION_S:
        raise AsrError(f"{path}: {audio.duration_s:.1f} s is too long for a carrier announcement (at most "
                       f"{MAX_DURATION_S:g} s); cut it to one playing of the message", code="announcement_too_long")
    samples = as_samples(audio.pcm)
    if audio.sample_rate_hz != RATE_HZ:
        import soxr  # noqa: PLC0415 — only recordings not already at the telephone rate need it

        samples = soxr.resample(samples, audio.sample_rate_hz, RATE_HZ).astype(np.float32)
    return fingerprint(samples), audio.duration_s


class AnnouncementLibrary:
    def __init__(self, data_dir: Path) -> None:
        self.folder = library_dir(data_dir)

    # --- reading ---------------------------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        index = self.folder / INDEX_NAME
        if not index.is_file():
            return []
        try:
            raw = json.loads(index.read_text(encoding="utf-8"))
            if raw.get("feature_version") != FEATURE_VERSION:
                raise AsrError(
                    f"the announcement library {self.folder} was made by another version of the matcher "
                    f"(version {raw.get('feature_version')}, this one reads {FEATURE_VERSION}): move the folder "
                    "away and enrol the recordings again", code="announcement_library_version")
            return [Entry(e["id"], AnnouncementKind(e["kind"]), e["source"], float(e["duration_s"]), e["added_at"])
                    for e in raw["entries"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AsrError(f"the announcement library index {index} is unreadable: {exc}",
                           code="announcement_library_broken") from exc

    def references(self) -> list[Reference]:
        references = []
        for entry in self.entries():
            path = self.folder / f"{entry.id}.npz"
            try:
                with np.load(path, allow_pickle=False) as data:
                    print_ = Fingerprint(data["shape"].astype(np.float32), data["active"].astype(bool))
            except (OSError, ValueError, KeyError) as exc:
                raise AsrError(f"the fingerprint {path} of {entry.kind.value} ({entry.source}) is unreadable: {exc}",
                               code="announcement_library_broken") from exc
            references.append(Reference(entry.kind, f"{entry.kind.value}/{entry.source}", print_))
        return references

    def matcher(self, settings: MatchSettings | None = None) -> Matcher:
        return Matcher(self.references(), settings)

    # --- enrolling ---------------------------------------------------------------------------------------------

    def add(self, kind: AnnouncementKind, wav_path: str | Path, *, now: datetime | None = None) -> Entry:
        """Enrol one recording of `kind`. The WAV is checked first (AsrError `audio_missing`, `audio_unsupported`,
        `audio_bad_header`, `audio_truncated`, `announcement_too_long`, `announcement_too_little_sound`); a refused
        file changes nothing."""
        source = Path(wav_path).expanduser()
        print_, duration_s = fingerprint_wav(source)
        sound_s = float(print_.active.sum()) * FRAME_S
        if sound_s < MIN_SOUND_S or print_.frames < BLOCK_FRAMES:
            raise AsrError(f"{source}: only {sound_s:.1f} s of sound (at least {MIN_SOUND_S:g} s louder than −50 dBFS "
                           "is needed to recognise an announcement)", code="announcement_too_little_sound")
        entries = self.entries()
        entry = Entry(uuid.uuid4().hex[:12], kind, source.name, duration_s,
                      (now or datetime.now(UTC)).isoformat(timespec="seconds"))
        private_folder(self.folder)
        fingerprint_path = self.folder / f"{entry.id}.npz"
        self._write(fingerprint_path, lambda f: np.savez(f, shape=print_.shape, active=print_.active))
        try:
            self._write_index([*entries, entry])
        except BaseException:
            with contextlib.suppress(OSError):
                fingerprint_path.unlink()
            raise
        return entry

    def remove(self, entry_id: str) -> Entry:
        entries = self.entries()
        entry = next((e for e in entries if e.id == entry_id), None)
        if entry is None:
            raise AsrError(f"no enrolled announcement has the id {entry_id!r}", code="announcement_unknown")
        self._write_index([e for e in entries if e.id != entry_id])
        with contextlib.suppress(OSError):
            (self.folder / f"{entry_id}.npz").unlink()
        return entry

    def _write_index(self, entries: list[Entry]) -> None:
        text = json.dumps({"feature_version": FEATURE_VERSION, "entries": [e.to_json() for e in entries]},
                          ensure_ascii=False, indent=2)
        self._write(self.folder / INDEX_NAME, lambda f: f.write(text.encode("utf-8")))

    def _write(self, path: Path, fill) -> None:  # fill: (binary file) -> None
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(descriptor, PRIVATE_FILE_MODE)
            with os.fdopen(descriptor, "wb") as file:
                fill(file)
                file.flush()
                os.fsync(file.fileno())
            Path(temporary).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise
        narrow_file(path, "announcement library file")
