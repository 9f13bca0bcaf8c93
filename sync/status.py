"""What the status bar shows of sync: the client's state and its figures. Pure values (no websockets, no SQL), so a
front end can import them through `sync.interfaces`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from agent_desktop.core.roles import Role
from agent_desktop.core.work_order import OrderState


class SyncState(StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    CATCHING_UP = "catching_up"  # connected, receiving the backlog since our cursor
    ONLINE = "online"  # connected and caught up
    OFFLINE = "offline"  # the center is unreachable; waiting to retry (the seat keeps working)
    FAILED = "failed"  # refused for good (bad token, protocol): no retries until restarted

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]


_STATE_ZH = {
    SyncState.STOPPED: "未同步",
    SyncState.CONNECTING: "连接中",
    SyncState.CATCHING_UP: "同步中",
    SyncState.ONLINE: "已同步",
    SyncState.OFFLINE: "离线（工单已本地保存）",
    SyncState.FAILED: "同步失败",
}


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status bar shows of sync."""

    state: SyncState = SyncState.STOPPED
    queue_depth: int = 0
    in_flight: int = 0
    cursor: int | None = None
    last_error: str | None = None
    last_sync_at: datetime | None = None
    user_id: str | None = None
    role: Role | None = None
    unit: str | None = None
    rejections: int = 0

    @property
    def connected(self) -> bool:
        return self.state in (SyncState.CATCHING_UP, SyncState.ONLINE)


@dataclass(frozen=True, slots=True)
class RejectionNote:
    """A step of an order the center refused for good: its code, the reason, and the rule's article if one."""

    op_id: str
    code: str
    text: str
    article: str | None = None


@dataclass(frozen=True, slots=True)
class OrderSyncState:
    """Where one order stands with the center, as the seat's store knows it (`SyncService.order_sync_states`): the
    local view's state (None: not on this seat), the center's version, whether steps still wait to reach the center,
    and the rejections the agent has not dismissed."""

    order_id: str
    state: OrderState | None
    server_version: int = 0
    pending: bool = False
    rejections: tuple[RejectionNote, ...] = ()
