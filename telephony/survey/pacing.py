"""Pacing of the survey's new calls: at most N at once, at most M new calls a minute, spaced evenly.

Pure: the dialer passes its monotonic time in. The centre also caps channels and new calls a minute across all
dialers (`sync.server.survey`); this keeps one dialer's starts even instead of in bursts.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Pacer:
    channels: int
    calls_per_minute: float
    _next_start: float | None = field(default=None, init=False)

    @property
    def interval_s(self) -> float:
        return 60.0 / self.calls_per_minute

    def wait_s(self, now: float, in_flight: int) -> float | None:
        """Seconds until the next call may start; None while every channel is busy (wait for a call to end)."""
        if in_flight >= self.channels:
            return None
        if self._next_start is None:
            return 0.0
        return max(0.0, self._next_start - now)

    def started(self, now: float) -> None:
        """A call started at `now`: the next may start one interval after the later of now and its slot (a call
        delayed by a full channel set does not earn a burst afterwards)."""
        slot = now if self._next_start is None else max(now, self._next_start)
        self._next_start = slot + self.interval_s
