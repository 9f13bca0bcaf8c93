"""The server side of the AMI wire format: how the simulator PBX writes messages, as Asterisk 20 does.

Client → server parsing reuses `telephony.ami.protocol.AmiParser` (it accepts `Action:` frames); this module only
encodes. It is separate from `protocol.encode_message` on purpose: that one *refuses* CR/LF in a value because a
client must never inject a second action, while a PBX must never fail to report a call — Asterisk escapes caller ID
text the C way (`ast_escape_c_alloc`, tech brief §1.1) and so do we, so a hostile caller name cannot forge an event.

Pure: no sockets, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: AMI 9.0.0 is Asterisk 20's manager version (tech brief §1.1); the banner has no blank line after it.
AMI_VERSION = "9.0.0"
ASTERISK_VERSION = "20.20.1"
BANNER = f"Asterisk Call Manager/{AMI_VERSION}\r\n".encode()

#: Permission classes of manager.conf (A20 main/manager.c:701-726), in Asterisk's order.
PERMISSION_CLASSES: tuple[str, ...] = (
    "system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf", "reporting", "cdr",
    "dialplan", "originate", "agi", "cc", "aoc", "test", "security", "message",
)

_C_ESCAPES = {
    "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
    "\\": "\\\\", "'": "\\'", '"': '\\"', "?": "\\?",
}
_C_ESCAPE_TABLE = str.maketrans(_C_ESCAPES)
_LINE_BREAKS = str.maketrans({"\r": " ", "\n": " ", "\x00": ""})


def escape_c(text: str) -> str:
    """Caller ID text as Asterisk prints it in a channel snapshot (C escapes); UTF-8 passes through."""
    return text.translate(_C_ESCAPE_TABLE)


def one_line(text: str) -> str:
    """Any other header value: a line break would end the header (and could forge another), so it becomes a space."""
    return text.translate(_LINE_BREAKS)


def encode(headers: Iterable[tuple[str, str]]) -> bytes:
    """One message: `Key: Value` lines with CRLF and a blank line. Values must already be single-line."""
    return ("".join(f"{key}: {value}\r\n" for key, value in headers) + "\r\n").encode("utf-8")


def parse_classes(text: str | None, *, default: frozenset[str]) -> frozenset[str]:
    """`read`/`write`/`Events` class lists: "all", "none"/"off", "on" (= all), or "call,agent,…". Unknown names are
    ignored like Asterisk does."""
    if text is None:
        return default
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    if names & {"all", "on", "yes", "true"}:
        return frozenset(PERMISSION_CLASSES)
    if names & {"none", "off", "no", "false"} or not names:
        return frozenset()
    return frozenset(name for name in names if name in PERMISSION_CLASSES)


def privilege_text(classes: Sequence[str]) -> str:
    """The `Privilege:` header of an event: its classes then `all` (e.g. `call,all`)."""
    return ",".join((*classes, "all"))
