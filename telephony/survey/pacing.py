"""Pacing of the survey's new calls: at most N at once, at most M new calls a minute, spaced evenly.

Pure: the dialer passes its monotonic time in. The centre also caps channels and new calls a minute across all
dialers (`sync.server.survey`); this keeps one dialer's starts even instead of in bursts.

The starts keep to a grid one interval apart. A start that comes a little late (the event loop woke up late, or
was busy with another call's work for a moment) does not move the grid: the next start comes at its own slot, so
small delays are made up instead of adding up. Before, each start set the next one a full interval after itself,
and every millisecond of lateness was lost for good: on the 1,000-call bench at 600 a minute the loop woke about
0.9 ms late per call (−0.9 % overall) and a few stalls of 0.15–0.26 s on a busy machine left one 10-second window
6–8 % short. Lateness is forgiven up to `catch_up_intervals` intervals; later than that (every channel was busy,
the dialer was idle, a long stall), the grid starts again from the late start, which earns no burst. Two starts are
never closer than `min_spacing` of an interval, and in any minute there are at most M + `catch_up_intervals` + 1
starts (at most M + 1 before).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Pacer:
    channels: int
    calls_per_minute: float
    catch_up_intervals: float = 2.0  # lateness made up, in intervals
    min_spacing: float = 0.5  # of an interval: two starts are never closer
    _next_start: float | None = field(default=None, init=False)
    _last_start: float | None = field(default=None, init=False)

    @property
    def interval_s(self) -> float:
        return 60.0 / self.calls_per_minute

    def wait_s(self, now: float, in_flight: int) -> float | None:
        """Seconds until the next call may start; None while every channel is busy (wait for a call to end)."""
        if in_flight >= self.channels:
            return None
        if self._next_start is None or self._last_start is None:
            return 0.0
        earliest = max(self._next_start, self._last_start + self.min_spacing * self.interval_s)
        return max(0.0, earliest - now)

    def started(self, now: float) -> None:
        """A call started at `now`: it took the slot it was due in (if it is at most `catch_up_intervals` late),
        and the next slot is one interval after that one; a later start begins the grid again from `now`."""
        late = self._next_start is None or now - self._next_start > self.catch_up_intervals * self.interval_s
        slot = now if late or self._next_start is None else self._next_start
        self._next_start = slot + self.interval_s
        self._last_start = now
