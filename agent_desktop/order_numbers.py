"""Work-order numbers a seat agent can read out to a caller: the day, the seat and the seat's sequence of the day,
`20261207-8001-0007`. Unique across seats (the seat is in the number) and made offline (no centre asked): each seat
keeps its own sequence in its store (`sync.local_store`: `last_order_sequence` / `note_order_sequence`).

The numbers are given in memory, at once, when a call is offered — the screen pop never waits on the store — and
each number given is written to the store on its writer thread before anything else of that call (the draft's
autosave comes after it on the same thread), so a number that reached a draft or an order is never given again,
also after a restart (`SeatDesk.start` reads the day's last number before it listens to the PBX). The call's
Asterisk uniqueid stays with the order as its `CallLink`.

The day is the centre's (Asia/Shanghai by default), from the time the caller passes: no clock is read here.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from agent_desktop.core.working_days import require_aware

SEQUENCE_DIGITS = 4


def seat_code(seat: str) -> str:
    """The seat as it appears in a number: its letters and digits only ("PJSIP/8001" → "PJSIP8001")."""
    code = "".join(c for c in seat if c.isascii() and c.isalnum())
    return code or "0"


class OrderNumbers:
    """The seat's numbers, day by day. Not thread-safe: used on the runtime's loop thread only."""

    def __init__(self, seat: str, *, timezone: str = "Asia/Shanghai") -> None:
        self.seat = seat_code(seat)
        self._zone = ZoneInfo(timezone)
        self._last: dict[str, int] = {}

    def prefix(self, now: datetime) -> str:
        day = require_aware(now, "now").astimezone(self._zone)
        return f"{day:%Y%m%d}-{self.seat}"

    def continue_from(self, prefix: str, last: int) -> None:
        """The store's last number under `prefix` (at start): the next one given is `last + 1`."""
        self._last[prefix] = max(self._last.get(prefix, 0), int(last))

    def next(self, now: datetime) -> tuple[str, str, int]:
        """(the number, its prefix, its sequence) for a call offered at `now`."""
        prefix = self.prefix(now)
        sequence = self._last.get(prefix, 0) + 1
        self._last[prefix] = sequence
        return f"{prefix}-{sequence:0{SEQUENCE_DIGITS}d}", prefix, sequence
