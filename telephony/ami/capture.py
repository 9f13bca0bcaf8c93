"""Reading recorded AMI streams (`*.ami.raw`: bytes Asterisk sent; `*.sent.raw`: bytes the client sent).

The reference captures in tests/data/ami/ come from a real Asterisk 20.20.1; the tracker replays them and the
simulator compares its own event sequences with them. A capture may end without the final blank line (the socket closed
right after `Response: Goodbye`), so the last message is taken at end of file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent_desktop.core.errors import TelephonyError

from .protocol import DEFAULT_MAX_MESSAGE_BYTES, AmiMessage, AmiParser

__all__ = ["Capture", "load_capture", "read_capture"]


@dataclass(frozen=True)
class Capture:
    """A parsed capture: the banner line (None for a client-side `.sent.raw`) and every message in order."""

    banner: str | None
    messages: tuple[AmiMessage, ...]

    @property
    def events(self) -> tuple[AmiMessage, ...]:
        return tuple(m for m in self.messages if m.kind == "event")


def load_capture(path: str | Path, *, strict: bool = True) -> Capture:
    """Parse a capture file. With `strict`, any framing/encoding error raises TelephonyError `ami_capture_invalid`
    (a reference capture must parse cleanly); without it, bad frames are skipped as a live connection would."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise TelephonyError(f"cannot read AMI capture {file}: {exc.strerror}", code="ami_capture_unreadable") from exc
    parser = AmiParser(max(DEFAULT_MAX_MESSAGE_BYTES, len(data) + 1))
    messages = parser.feed(data)
    messages.extend(parser.finish())
    if strict and parser.error_count:
        first = parser.errors[0]
        raise TelephonyError(
            f"AMI capture {file.name} has {parser.error_count} bad message(s): {first.message}",
            code="ami_capture_invalid",
            details={"path": str(file), "errors": [e.code for e in parser.errors]},
        )
    return Capture(banner=parser.banner, messages=tuple(messages))


def read_capture(path: str | Path, *, strict: bool = True) -> list[AmiMessage]:
    """Every message of a capture file, in order (events and responses; actions for a `.sent.raw`)."""
    return list(load_capture(path, strict=strict).messages)
