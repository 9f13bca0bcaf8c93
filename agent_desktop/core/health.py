"""One health value per long-lived service (telephony, speech, sync): what the status bar shows and what the runtime's
supervisor reports a dead task into.

`Health(state, detail, since)`: `since` is when the state last changed (a detail that changes within the same state
keeps it), so the UI can show "offline for 3 min". Pure: time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class HealthState(StrEnum):
    STOPPED = "stopped"  # not started, or stopped on purpose
    STARTING = "starting"  # connecting / loading for the first time
    UP = "up"  # working
    DEGRADED = "degraded"  # working in part: reconnecting, offline with a local queue, a task restarted
    FAILED = "failed"  # stopped by an error that a retry cannot cure (a refused login, a missing model)

    @property
    def zh(self) -> str:
        return _ZH[self]


_ZH = {
    HealthState.STOPPED: "已停止",
    HealthState.STARTING: "启动中",
    HealthState.UP: "正常",
    HealthState.DEGRADED: "部分可用",
    HealthState.FAILED: "故障",
}


@dataclass(frozen=True, slots=True)
class Health:
    """The health of one service. `detail` is for people (no secret, no personal data)."""

    service: str
    state: HealthState
    detail: str
    since: datetime

    def moved_to(self, state: HealthState, detail: str, now: datetime) -> Health:
        """The next value: `since` moves only when the state changes."""
        if state is self.state:
            return self if detail == self.detail else replace(self, detail=detail)
        return Health(self.service, state, detail, now)
