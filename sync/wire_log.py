"""The websockets library's own log, without credentials or personal data.

At DEBUG websockets logs every frame it sends and receives (its first 75 characters) and, on the client, every
header of the opening handshake. The hello frame carries the user's token among its first characters, so a desk or
a server run with `--log-level DEBUG` wrote part of every token to its log (issue 15); a push or a change may carry
a caller's name or number as early, when its sender orders the keys so. Both ends hand websockets this adapter
instead of its default logger: a data frame is logged as its message type and size (`TEXT push [412 bytes]`; a
hello as a frame with a credential), an Authorization or Cookie header without its value. Everything else (states,
pings, closes) is logged as websockets writes it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from websockets.frames import Frame, Opcode

_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_TOKEN_KEY = b'"token"'  # the key as JSON writes it; the same text inside a string value is escaped (\"token\")
_DATA = frozenset({Opcode.TEXT, Opcode.BINARY, Opcode.CONT})
_TYPE = re.compile(rb'^\{"type":"([a-z_]{1,20})"')


class WireLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A `logging.LoggerAdapter` for websockets' `logger=` argument that redacts credentials."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if args and self.isEnabledFor(level):
            args = _redacted(args)
        super().log(level, msg, *args, **kwargs)


def wire_log(name: str) -> WireLog:
    """The redacting logger for websockets' logger of that name ("websockets.client", "websockets.server")."""
    return WireLog(logging.getLogger(name), {})


def _redacted(args: tuple[Any, ...]) -> tuple[Any, ...]:
    out = list(args)
    for i, arg in enumerate(out):
        if isinstance(arg, Frame) and arg.opcode in _DATA:
            data = bytes(arg.data)
            if _TOKEN_KEY in data:
                out[i] = f"{arg.opcode.name} (a frame with a credential, not logged) [{len(data)} bytes]"
            else:
                kind = _TYPE.match(data)
                out[i] = f"{arg.opcode.name} {kind.group(1).decode() if kind else '(content not logged)'} " \
                         f"[{len(data)} bytes]"
        elif isinstance(arg, str) and arg.lower() in _SECRET_HEADERS and i + 1 < len(out):
            out[i + 1] = "(not logged)"
    return tuple(out)
