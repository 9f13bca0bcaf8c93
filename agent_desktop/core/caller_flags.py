"""What the screen pop says about a calling number (第13条(六), 第41条), and the supervisor's harassment marks.

Numbers are known only by their keyed fingerprint (`Caller.phone_key`, see `privacy.FieldCipher.phone_key`), so an
anonymous caller is recognised without decrypting anything. A harassment mark is never deleted: lifting it adds
to the record, so who marked a number, why, and who lifted it stays visible (第39条).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from agent_desktop.core.errors import InvalidCommand, TransitionRefused
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.work_order import TERMINAL_STATES, OrderState, WorkOrder
from agent_desktop.core.working_days import require_aware

_FINISHED = TERMINAL_STATES | {OrderState.CLOSED}


@dataclass(frozen=True, slots=True)
class HarassmentMark:
    marked_at: datetime
    marked_by: str
    reason: str
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


@dataclass(frozen=True, slots=True)
class CallerRecord:
    """Everything the desk keeps about one number beyond its orders."""

    phone_key: str
    marks: tuple[HarassmentMark, ...] = ()

    @property
    def is_marked_harassing(self) -> bool:
        return any(m.is_active for m in self.marks)


def mark_harassing(record: CallerRecord, *, actor: Actor, now: datetime, reason: str) -> CallerRecord:
    """第41条: a supervisor marks a number as harassing, with the reason."""
    _require_supervisor(actor, "mark a number as harassing")
    require_aware(now)
    _require_reason(reason, "say why the number is marked as harassing (第41条)")
    _require_after_last_step(record, now)
    if record.is_marked_harassing:
        raise TransitionRefused("the number is already marked as harassing", code="already_marked", article="第41条")
    return replace(record, marks=(*record.marks, HarassmentMark(now, actor.user_id, reason.strip())))


def lift_harassing_mark(record: CallerRecord, *, actor: Actor, now: datetime, reason: str) -> CallerRecord:
    _require_supervisor(actor, "lift a harassment mark")
    require_aware(now)
    _require_reason(reason, "say why the harassment mark is lifted")
    _require_after_last_step(record, now)
    active = [i for i, m in enumerate(record.marks) if m.is_active]
    if not active:
        raise TransitionRefused("the number carries no harassment mark", code="not_marked", article="第41条")
    marks = list(record.marks)
    i = active[-1]
    marks[i] = replace(marks[i], lifted_at=now, lifted_by=actor.user_id, lift_reason=reason.strip())
    return replace(record, marks=tuple(marks))


def _require_reason(reason: object, message: str) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidCommand(message, code="bad_value")


def _require_after_last_step(record: CallerRecord, now: datetime) -> None:
    steps = [t for m in record.marks for t in (m.marked_at, m.lifted_at) if t is not None]
    if steps and now < max(steps):
        raise InvalidCommand("a mark's steps are kept in time order; this one is dated before the last",
                             code="bad_time")


def _require_supervisor(actor: Actor, what: str) -> None:
    if actor.role is not Role.SUPERVISOR:
        raise TransitionRefused(f"only a supervisor may {what} (第41条)", code="role_not_allowed", article="第41条")


@dataclass(frozen=True, slots=True)
class ScreenPopFlags:
    """Shown when a call is offered: how often the number called, its orders, and the marks on it."""

    phone_key: str
    calls_in_window: int
    is_frequent_caller: bool  # 第41条: more calls than the threshold in the window
    is_marked_harassing: bool
    open_order_ids: tuple[str, ...]  # 第13条(六): a matter already being handled
    recent_order_ids: tuple[str, ...]  # orders of the number in the repeat-caller window, newest first

    @property
    def needs_attention(self) -> bool:
        return self.is_frequent_caller or self.is_marked_harassing or bool(self.open_order_ids)


def screen_pop_flags(
    phone_key: str,
    *,
    orders: Iterable[WorkOrder],
    call_times: Sequence[datetime],
    record: CallerRecord | None,
    now: datetime,
    rules: RuleParameters,
) -> ScreenPopFlags:
    """Flags for the number now calling. `call_times` are this number's earlier calls as the PBX saw them (also
    the ones that never became an order)."""
    require_aware(now)
    if not phone_key:
        raise InvalidCommand("a screen pop needs the caller's number fingerprint")
    call_window = now - timedelta(hours=rules.frequent_caller_window_h)
    calls = sum(1 for t in call_times if call_window <= require_aware(t) <= now)
    order_window = now - timedelta(days=rules.repeat_caller_window_days)
    mine = sorted((o for o in orders if o.caller.phone_key == phone_key), key=lambda o: o.created_at, reverse=True)
    return ScreenPopFlags(
        phone_key=phone_key,
        calls_in_window=calls,
        is_frequent_caller=calls >= rules.frequent_caller_calls,
        is_marked_harassing=record is not None and record.is_marked_harassing,
        open_order_ids=tuple(o.order_id for o in mine if o.state not in _FINISHED),
        recent_order_ids=tuple(o.order_id for o in mine if order_window <= o.created_at <= now),
    )
