"""The AMI wire protocol, pure: bytes in, messages out (and back). No sockets, no asyncio, no panoramisk.

Why our own parser instead of panoramisk's: panoramisk 1.4 decodes every TCP read on its own with `errors="ignore"`, so
a Chinese caller name split across two reads loses characters (tech brief §4.2-10, ami/README fact 4). This parser
buffers *bytes* and decodes only complete messages, so a split anywhere — even inside 王 — cannot corrupt a name.

Wire format (tech brief §1.1): a banner line `Asterisk Call Manager/9.0.0` with no blank line after it, then messages
of `Key: Value` lines ended by a blank line; CRLF on the wire, LF tolerated; keys case-insensitive; repeated keys
allowed (`Variable`, `ChanVariable`, `Output`) and kept in order. Pre-14 `Response: Follows` command output is raw
lines ended by `--END COMMAND--`; it is returned as repeated `Output` headers, the same shape Asterisk ≥14 uses.

Bad input never raises out of `feed()`: an oversize frame, a frame with a line that is not `Key: Value`, or a frame that
is neither an event, a response nor an action is dropped and reported as a `TelephonyError` (collected in `errors`
and passed to `on_error`); invalid UTF-8 is decoded with U+FFFD and reported, but the message is kept — losing an
`AgentCalled` because a trunk sent a Latin-1 name would lose a call. The next good message is never lost.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Literal

from agent_desktop.core.errors import TelephonyError

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "AmiMessage",
    "AmiParser",
    "FieldValue",
    "encode_action",
    "encode_message",
]

#: Largest message accepted. Real messages are a few KB; the longest in the captures (ListCommands) is ~10 KB.
#: 256 KiB leaves room for a big `Command` output while a hostile or broken 1 MB frame is refused.
DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024

#: How many recent errors a parser keeps; a flood of bad frames must not grow memory without bound.
_ERRORS_KEPT = 100

# A blank line ends a message: "\n" followed by an optional "\r" and "\n" (covers CRLF, LF and a mix of both).
_FRAME_END = re.compile(rb"\n\r?\n")
_FOLLOWS_PREFIX = b"response: follows"
_END_COMMAND = b"--END COMMAND--"
# Headers that precede the raw output lines of a pre-14 `Response: Follows` reply.
_FOLLOWS_HEADERS = frozenset({"response", "privilege", "actionid", "message"})
_KIND_HEADERS = frozenset({"event", "response", "action"})
# One header line: a key (starting with neither ":" nor a space), ":", one optional space, the value, an optional
# "\r", the "\n". Not anchored (faster): the caller checks there is exactly one match per "\n", so a line that is not
# `Key: Value` sends the message to the careful path. `[^\r\n]` stops only at real line ends, never at U+2028 or \x85.
_HEADER_LINE = re.compile(r"([^:\s][^:\r\n]*): ?([^\r\n]*)\r?\n")

MessageKind = Literal["event", "response", "action"]
FieldValue = str | int | float | bool | list[str] | tuple[str, ...]


class AmiMessage(Mapping[str, str]):
    """One AMI message: an immutable, case-insensitive mapping of header name → value.

    Lookups are case-insensitive, like Asterisk's. For a repeated header the mapping gives
    the first value and `get_all(name)` every value in wire order. Iteration yields each distinct header name once, in
    the spelling and order of its first occurrence.
    """

    __slots__ = ("_first", "_headers", "_names", "size")

    def __init__(self, headers: Iterable[tuple[str, str]], *, size: int = 0):
        pairs = tuple((str(k), str(v)) for k, v in headers)
        self._set(pairs, size)

    @classmethod
    def _from_pairs(cls, pairs: tuple[tuple[str, str], ...], size: int) -> AmiMessage:
        """The parser's fast path: `pairs` are already str tuples."""
        message = cls.__new__(cls)
        message._set(pairs, size)
        return message

    def _set(self, pairs: tuple[tuple[str, str], ...], size: int) -> None:
        self._headers = pairs
        # Reversed, so that for a repeated header the FIRST value is the one kept.
        self._first: dict[str, str] = {k.lower(): v for k, v in reversed(pairs)}
        self._names: dict[str, str] | None = None  # folded → first spelling, built only when iterated
        #: Bytes this message took on the wire (0 when built in code); used by benches and size guards.
        self.size = size

    def _spellings(self) -> dict[str, str]:
        if self._names is None:
            names: dict[str, str] = {}
            for key, _value in self._headers:
                names.setdefault(key.lower(), key)
            self._names = names
        return self._names

    # Mapping protocol -------------------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> str:
        return self._first[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._first

    def __iter__(self) -> Iterator[str]:
        return iter(self._spellings().values())

    def __len__(self) -> int:
        return len(self._first)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AmiMessage):
            return self._headers == other._headers
        return super().__eq__(other)

    def __hash__(self) -> int:
        return hash(self._headers)

    def __repr__(self) -> str:
        # Never print values of a Login (the secret) — reprs end up in logs.
        shown = ", ".join(
            f"{k}={'***' if k.lower() in ('secret', 'key') else v!r}" for k, v in self._headers[:6]
        )
        more = ", ..." if len(self._headers) > 6 else ""
        return f"AmiMessage({shown}{more})"

    # AMI specifics ----------------------------------------------------------------------------------------------
    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """Every (name, value) pair in wire order, repeated headers included."""
        return self._headers

    def get_all(self, key: str) -> list[str]:
        """Every value of a header that may repeat (`Variable`, `ChanVariable`, `Output`), in wire order."""
        folded = key.lower()
        return [v for k, v in self._headers if k.lower() == folded]

    @property
    def event(self) -> str | None:
        """The event name (`AgentCalled`), or None for a response or an action."""
        return self._first.get("event")

    @property
    def response(self) -> str | None:
        """`Success`, `Error`, `Goodbye`, `Follows`… for a response; also present on `OriginateResponse` events."""
        return self._first.get("response")

    @property
    def action(self) -> str | None:
        """The action name for a client → server message (what the simulator PBX receives)."""
        return self._first.get("action")

    @property
    def action_id(self) -> str | None:
        return self._first.get("actionid")

    @property
    def kind(self) -> MessageKind:
        """`event` when there is an `Event` header (even with a `Response` header, as `OriginateResponse` has — see
        ami/README fact 2), else `response`, else `action`."""
        if "event" in self._first:
            return "event"
        if "response" in self._first:
            return "response"
        return "action"

    @property
    def output(self) -> list[str]:
        """Command output lines (`Output` headers of Asterisk ≥14 or the raw lines of a pre-14 `Follows`)."""
        return self.get_all("Output")

    def to_dict(self) -> dict[str, str]:
        """A plain dict (first value per header) — e.g. for JSON logs."""
        return {name: self._first[folded] for folded, name in self._spellings().items()}

    def to_bytes(self) -> bytes:
        """This message on the wire (CRLF, blank line at the end), with the same injection guard as `encode_message`."""
        return encode_message(self._headers)


class AmiParser:
    """Incremental, byte-level AMI parser for one TCP stream.

    `feed(data)` may be called with any slicing of the stream (one byte at a time included) and returns the messages
    completed by that chunk. Errors are collected in `errors` (the last 100), counted in `error_count`, and passed to
    `on_error` if given. The banner line, if the stream starts with one, is kept in `banner` / `ami_version`.
    """

    def __init__(
        self,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        *,
        on_error: Callable[[TelephonyError], None] | None = None,
    ):
        if max_message_bytes < 64:
            raise ValueError("max_message_bytes must be at least 64")
        self.max_message_bytes = max_message_bytes
        self.on_error = on_error
        self.errors: deque[TelephonyError] = deque(maxlen=_ERRORS_KEPT)
        self.error_count = 0
        self.banner: str | None = None
        self._buffer = bytearray()
        self._at_stream_start = True
        # While skipping an oversize frame we drop bytes until a blank line; keep 2 bytes to see a split terminator.
        self._skipping = False
        self._skipped = 0
        # Offset in the buffer before which no frame end exists (set when a feed ends inside a frame).
        self._scan_from = 0

    @property
    def ami_version(self) -> str | None:
        """`9.0.0` from `Asterisk Call Manager/9.0.0` (AMI 7 = Asterisk 18, 9 = 20, 11 = 22)."""
        if self.banner and "/" in self.banner:
            return self.banner.rsplit("/", 1)[1].strip()
        return None

    @property
    def buffered_bytes(self) -> int:
        """Bytes of an incomplete message waiting for more data."""
        return len(self._buffer)

    def drain_errors(self) -> list[TelephonyError]:
        """Return the collected errors and forget them."""
        drained = list(self.errors)
        self.errors.clear()
        return drained

    def reset(self) -> None:
        """Forget any partial data and expect a new banner (call this for a new TCP connection)."""
        self._buffer.clear()
        self._at_stream_start = True
        self._skipping = False
        self._skipped = 0
        self._scan_from = 0
        self.banner = None

    # -------------------------------------------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[AmiMessage]:
        """Add bytes from the wire; return the messages they complete (possibly none). Never raises on bad input."""
        self._buffer += data
        messages: list[AmiMessage] = []
        while True:
            if self._skipping and not self._skip_oversize():
                return messages
            if self._at_stream_start and not self._take_banner():
                return messages
            self._extract(messages)
            if len(self._buffer) <= self.max_message_bytes:
                return messages
            # An incomplete frame already larger than allowed: drop it as it arrives instead of buffering megabytes.
            self._skipping = True
            self._skipped = 0
            self._scan_from = 0

    def finish(self) -> list[AmiMessage]:
        """End of stream: parse a last message that lacks its closing blank line (captures end like that)."""
        if self._skipping:
            self._skipping = False
            self._report("ami_frame_too_large", "AMI message refused: stream ended inside an oversize frame", 0)
            self._buffer.clear()
            return []
        if self._at_stream_start and self._buffer and not self._take_banner(final=True):
            return []
        tail = bytes(self._buffer).strip(b"\r\n")
        self._buffer.clear()
        if not tail:
            return []
        if len(tail) > self.max_message_bytes:
            self._report("ami_frame_too_large", f"AMI message of {len(tail)} bytes refused", len(tail))
            return []
        message = self._parse_frame(tail + b"\n", len(tail))
        return [message] if message is not None else []

    # Internals ---------------------------------------------------------------------------------------------------
    def _extract(self, messages: list[AmiMessage]) -> None:
        """Parse every complete frame in the buffer into `messages` and drop the consumed bytes."""
        buffer = self._buffer
        start = 0
        length = len(buffer)
        while start < length:
            # Resume the search where the previous feed stopped, so a big frame arriving in small reads costs O(n).
            match = _FRAME_END.search(buffer, max(start, self._scan_from))
            self._scan_from = 0
            if match is None:
                self._scan_from = max(0, length - start - 2)
                break
            end = match.end()
            frame_end = match.start() + 1  # keep the last line's "\n"
            if buffer[start : start + len(_FOLLOWS_PREFIX)].lower() == _FOLLOWS_PREFIX:
                # Pre-14 command output may contain blank lines: the frame ends only after `--END COMMAND--`.
                marker = buffer.find(_END_COMMAND, start)
                match = _FRAME_END.search(buffer, marker) if marker >= 0 else None
                if match is None:
                    self._scan_from = 0
                    break
                end = match.end()
                frame_end = match.start() + 1
            size = frame_end - start
            if size > self.max_message_bytes:
                self._report("ami_frame_too_large", f"AMI message of {size} bytes refused", size)
            else:
                message = self._parse_frame(bytes(buffer[start:frame_end]), end - start)
                if message is not None:
                    messages.append(message)
            start = end
        if start:
            del buffer[:start]

    def _skip_oversize(self) -> bool:
        """Drop bytes of an oversize frame up to and including its blank line. True when the frame is over."""
        buffer = self._buffer
        match = _FRAME_END.search(buffer)
        if match is None:
            # Keep the last 2 bytes: the terminator "\n\r\n" may be split across reads.
            dropped = max(0, len(buffer) - 2)
            self._skipped += dropped
            del buffer[:dropped]
            return False
        self._skipped += match.end()
        del buffer[: match.end()]
        self._skipping = False
        self._report("ami_frame_too_large", f"AMI message of about {self._skipped} bytes refused", self._skipped)
        self._skipped = 0
        return True

    def _take_banner(self, *, final: bool = False) -> bool:
        """At stream start, take the `Asterisk Call Manager/x.y.z` line if there is one. False = need more data."""
        buffer = self._buffer
        newline = buffer.find(b"\n")
        if newline < 0:
            if final:
                newline = len(buffer)
            elif len(buffer) <= self.max_message_bytes:
                return False
            else:  # no line end within the limit: not a banner, let the frame logic refuse it
                self._at_stream_start = False
                return True
        line = bytes(buffer[:newline]).rstrip(b"\r")
        self._at_stream_start = False
        # A banner is `Name/version` without ":"; a first line with ":" is an ordinary message (e.g. the simulator's
        # view of a client), anything else is left to the frame logic (which reports it as malformed).
        if line and b":" not in line and b"/" in line:
            self.banner = line.decode("utf-8", errors="replace")
            del buffer[: newline + 1]
        return True

    def _parse_frame(self, frame: bytes, wire_size: int) -> AmiMessage | None:
        try:
            text = frame.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = frame.decode("utf-8", errors="replace")
            self._report("ami_invalid_utf8", f"AMI message with invalid UTF-8 at byte {exc.start} kept with U+FFFD",
                         wire_size, keep=True)
        # Fast path (nearly every message): every line is `Key: Value`, matched in C by one regex over the message.
        if text[:17].lower() != "response: follows":
            pairs = _HEADER_LINE.findall(text)
            if len(pairs) == text.count("\n") and pairs:
                message = AmiMessage._from_pairs(tuple(pairs), wire_size)
                if not _KIND_HEADERS.isdisjoint(message._first):
                    return message
        # split("\n"), not splitlines(): a caller name may legally contain U+2028 or \x85, which are not line ends here.
        lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if not lines:
            return None
        headers: list[tuple[str, str]] = []
        follows = lines[0].replace(" ", "").lower() == "response:follows"
        in_output = False
        for index, line in enumerate(lines):
            key, sep, value = line.partition(":")
            if follows:
                if line.strip() == "--END COMMAND--":
                    break
                if in_output or not sep or key.strip().lower() not in _FOLLOWS_HEADERS:
                    in_output = True
                    headers.append(("Output", line))
                    continue
            key = key.strip()
            if not sep or not key:
                self._report("ami_malformed_frame", f"AMI message line {index + 1} is not 'Key: Value'", wire_size)
                return None
            headers.append((key, value[1:] if value.startswith(" ") else value))
        message = AmiMessage._from_pairs(tuple(headers), wire_size)
        if _KIND_HEADERS.isdisjoint(message._first):
            self._report("ami_malformed_frame", "AMI message has no Event, Response or Action header", wire_size)
            return None
        return message

    def _report(self, code: str, text: str, size: int, *, keep: bool = False) -> None:
        error = TelephonyError(text, code=code, details={"bytes": size, "message_kept": keep})
        self.errors.append(error)
        self.error_count += 1
        if self.on_error is not None:
            self.on_error(error)


def _check_token(text: str, what: str, *, secret: bool = False) -> str:
    if "\r" in text or "\n" in text or "\x00" in text:
        shown = "" if secret else f": {text[:40]!r}"
        raise TelephonyError(f"AMI {what} contains a line break or NUL{shown}", code="ami_header_injection")
    return text


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TelephonyError(f"AMI header value must be text or a number, not {type(value).__name__}",
                         code="ami_header_injection")


def encode_message(headers: Iterable[tuple[str, str | int | float | bool]]) -> bytes:
    """Encode (name, value) pairs as one AMI message (CRLF, trailing blank line), UTF-8.

    Refuses (TelephonyError `ami_header_injection`) any name or value with CR, LF or NUL: a caller number such as
    `"1\\r\\nAction: Originate"` must never become a second action. Names must be non-empty and colon-free.
    """
    parts: list[str] = []
    for key, value in headers:
        secret = key.lower() in ("secret", "key")
        _check_token(key, "header name")
        if not key or ":" in key or key != key.strip():
            raise TelephonyError(f"AMI header name {key!r} is invalid", code="ami_header_injection")
        text = _check_token(_as_text(value), f"value of {key}", secret=secret)
        parts.append(f"{key}: {text}\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("utf-8")


def encode_action(
    name: str,
    fields: Mapping[str, FieldValue] | Iterable[tuple[str, str | int | float | bool]] = (),
    action_id: str | None = None,
) -> bytes:
    """Encode an action: `Action: name`, `ActionID` (if given), then the fields.

    `fields` is a mapping (a list/tuple value repeats the header, e.g. `{"Variable": ["A=1", "B=2"]}`; bools become
    `true`/`false`, numbers their decimal text) or a sequence of pairs; any other value is a TelephonyError.
    `Action`/`ActionID` inside `fields` are refused: they would override the correlation the connection relies on.
    """
    pairs: list[tuple[str, str | int | float | bool]] = [("Action", name)]
    if action_id is not None:
        pairs.append(("ActionID", action_id))
    items = fields.items() if isinstance(fields, Mapping) else fields
    for key, value in items:
        if key.lower() in ("action", "actionid"):
            raise TelephonyError(f"AMI field {key!r} is set by the connection, not by the caller",
                                 code="ami_header_injection")
        if isinstance(value, (str, int, float)):  # bool is an int
            pairs.append((key, value))
        elif isinstance(value, (list, tuple)):
            pairs.extend((key, item) for item in value)
        else:
            raise TelephonyError(f"AMI field {key!r}: a value or a list of values, not {type(value).__name__}",
                                 code="ami_header_injection")
    return encode_message(pairs)
