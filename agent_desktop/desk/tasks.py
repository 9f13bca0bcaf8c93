"""My tasks (我的待办): what a seat agent owes callers after the calls, each with its deadline in working days.

Theory of operation
-------------------
`my_tasks(orders, now=..., ctx=...)` reads this seat's orders (the local store's view, `SeatDesk.seat_orders()`),
the steps the centre rejected and the automated return visits that failed, and returns the tasks, soonest deadline
first:

- **reply promised** (承诺答复, 第16条(一)): an order in 待答复 whose reply goes by SMS (or whose means is not yet
  chosen), due at `order.reply_due` (the close of the `reply_within_wd`th working day, set by the lifecycle);
- **callback due** (回拨): the same promise, when the reply is a callback or a three-way call — the agent rings the
  caller, so the panel offers the callback;
- **manual revisit** (人工回访, 第26条): an order in 待人工回访 (unsatisfied in the automated visit), due at
  `order.revisit_due`; and an order still in 回访中 whose automated survey call failed (reported by telephony as a
  `FailedVisit`), due `manual_revisit_within_wd` working days after the failure;
- **rejected by the centre** (中心驳回): a step of this seat the centre refused (a `CentreRejection`, with its rule
  and article), to be put right within `TaskSettings.rejection_fix_within_wd` working days of the rejection (when
  the time of the rejection is unknown, the order's own running deadline, if any).

`warning_tasks(warnings, now=..., ctx=...)` adds the centre's early warnings (第33条) the desk keeps and the agent
has not read yet (a seen warning is no longer something to do; the status bar's list keeps it): kind, the orders,
the deadline the warning is about with the same working days and levels, the centre's Chinese line. A warning
without a deadline (a repeat caller, a hot spot) takes its level from its severity.

Each task says how many working days are left (`working_days_left`: working days strictly after today up to the
deadline's day, so 0 means "due today"; negative counts the working days past it) and a warning level: overdue
once `now` is strictly after the deadline (acting exactly at it is still on time, as in `lifecycle`), near when at
most `near_h` clock hours are left or at most `near_wd` working days, ok otherwise. The thresholds are
`TaskSettings`, configuration with defaults.

Pure: imports the core and the desk only; reads no clock (time is passed in) and does no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from agent_desktop.core.early_warning import Severity, WarningKind, current_deadline
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.lifecycle import RuleContext
from agent_desktop.core.privacy import display_caller
from agent_desktop.core.work_order import Category, OrderState, Rating, ReplyMeans, RevisitChannel, WorkOrder
from agent_desktop.core.working_days import require_aware
from agent_desktop.desk.session import OrderNote

SUMMARY_CHARS = 40


class TaskKind(StrEnum):
    REPLY_PROMISED = "reply_promised"
    CALLBACK_DUE = "callback_due"
    MANUAL_REVISIT = "manual_revisit"
    REJECTED = "rejected"
    CENTRE_WARNING = "centre_warning"

    @property
    def zh(self) -> str:
        return {"reply_promised": "承诺答复", "callback_due": "回拨", "manual_revisit": "人工回访",
                "rejected": "中心驳回", "centre_warning": "中心预警"}[self.value]


class WarningLevel(StrEnum):
    OK = "ok"
    NEAR = "near"
    OVERDUE = "overdue"

    @property
    def rank(self) -> int:
        return {"ok": 0, "near": 1, "overdue": 2}[self.value]


@dataclass(frozen=True, slots=True)
class TaskSettings:
    """When a task turns amber (near) — configuration, with the defaults of the early warnings (第33条)."""

    near_h: float = 4.0  # near when this many clock hours or fewer are left
    near_wd: int = 0  # ... or this many working days or fewer (0: due today)
    rejection_fix_within_wd: int = 1  # a step the centre rejected is put right within this many WD

    def __post_init__(self) -> None:
        if isinstance(self.near_h, bool) or not isinstance(self.near_h, int | float) or self.near_h < 0:
            raise InvalidCommand(f"near_h must be a number of hours, at least 0, got {self.near_h!r}",
                                 code="bad_value")
        for name in ("near_wd", "rejection_fix_within_wd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name.startswith("rej") else 0):
                raise InvalidCommand(f"{name} must be a whole number of working days, got {value!r}",
                                     code="bad_value")


@dataclass(frozen=True, slots=True)
class CentreRejection:
    """A step of this seat the centre refused (the sync outbox's rejection, or the desk's `OrderNote`)."""

    order_id: str
    code: str = ""
    text: str = ""
    article: str | None = None
    rejected_at: datetime | None = None

    @classmethod
    def from_note(cls, note: OrderNote, rejected_at: datetime | None = None) -> CentreRejection | None:
        if note.rejection is None:
            return None
        r = note.rejection
        return cls(note.order_id, r.code, r.text, r.article, rejected_at)


@dataclass(frozen=True, slots=True)
class FailedVisit:
    """An automated return-visit call (第25条) that reached nobody: a person visits instead."""

    order_id: str
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class Task:
    kind: TaskKind
    order_id: str
    deadline: datetime | None
    working_days_left: int | None
    level: WarningLevel
    summary: str = ""  # category and the matter, short
    caller_shown: str = ""  # the caller's number as a screen may show it (masked for an anonymous caller)
    detail: str = ""  # the rejection's text, or why the revisit is due
    article: str | None = None
    code: str = ""  # a rejection's error code: the screen words it in its language (`detail` is the centre's)
    can_call_back: bool = False
    is_emergency: bool = False
    order_state: OrderState | None = None
    # the parts of `summary` and `detail`, for a screen that words them in another language
    category: Category | None = None
    matter: str = ""  # the description, short
    rating: Rating | None = None  # a manual revisit's: the caller's rating
    visit_failed: bool = False  # a manual revisit's: the automated call reached nobody
    recording: str | None = None  # a manual revisit's: the automated call's recording (to play to the seat's phone)
    # a centre warning's: its id (to mark it seen), kind, severity and every order it names (order_id is the first)
    warning_id: str = ""
    warning_kind: WarningKind | None = None
    severity: Severity | None = None
    order_ids: tuple[str, ...] = ()


class CentreWarningLike(Protocol):
    """What the desk's store keeps of a warning (`sync.local_store.CentreWarning`): values, no caller's data."""

    @property
    def warning_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def order_ids(self) -> tuple[str, ...]: ...
    @property
    def text(self) -> str: ...
    @property
    def due(self) -> datetime | None: ...
    @property
    def seen(self) -> bool: ...


def my_tasks(
    orders: Iterable[WorkOrder],
    *,
    now: datetime,
    ctx: RuleContext,
    settings: TaskSettings | None = None,
    rejections: Iterable[CentreRejection] = (),
    failed_visits: Iterable[FailedVisit] = (),
) -> tuple[Task, ...]:
    """The seat's tasks at `now`, soonest deadline first (those without one last), then the most urgent level."""
    require_aware(now, "now")
    settings = settings or TaskSettings()
    by_id: dict[str, WorkOrder] = {}
    for order in orders:
        if not isinstance(order, WorkOrder):
            raise InvalidCommand(f"expected work orders, got {type(order).__name__}", code="not_a_work_order")
        by_id[order.order_id] = order
    tasks: list[Task] = []
    revisit_ids: set[str] = set()
    for order in by_id.values():
        if order.state is OrderState.REPLY_PENDING:
            calls = order.reply_means in (ReplyMeans.CALLBACK, ReplyMeans.THREE_WAY)
            kind = TaskKind.CALLBACK_DUE if calls else TaskKind.REPLY_PROMISED
            tasks.append(_task(kind, order, order.reply_due, now, ctx, settings=settings))
        elif order.state is OrderState.MANUAL_REVISIT:
            revisit_ids.add(order.order_id)
            detail = f"回访评价:{order.rating.zh}" if order.rating is not None else ""
            tasks.append(_task(TaskKind.MANUAL_REVISIT, order, order.revisit_due, now, ctx, settings=settings,
                               detail=detail))
    for visit in _latest_failures(failed_visits):
        order = by_id.get(visit.order_id)
        # rated or closed since the call failed: nothing left to visit
        if order is None or order.state is not OrderState.REVISITING or order.order_id in revisit_ids:
            continue
        revisit_ids.add(order.order_id)
        due = ctx.calendar.due(require_aware(visit.failed_at, "failed_at"), ctx.rules.manual_revisit_within_wd)
        tasks.append(_task(TaskKind.MANUAL_REVISIT, order, due, now, ctx, settings=settings, detail="自动回访未接通",
                           visit_failed=True))
    for rejection in _latest_rejections(rejections):
        order = by_id.get(rejection.order_id)
        if rejection.rejected_at is not None:
            due = ctx.calendar.due(require_aware(rejection.rejected_at, "rejected_at"),
                                   settings.rejection_fix_within_wd)
        else:
            due = current_deadline(order) if order is not None else None
        tasks.append(_task(TaskKind.REJECTED, order, due, now, ctx, settings=settings, order_id=rejection.order_id,
                           detail=rejection.text or rejection.code, article=rejection.article,
                           code=rejection.code))
    return tuple(sorted(tasks, key=_sort_key))


def warning_tasks(
    warnings: Iterable[CentreWarningLike],
    *,
    now: datetime,
    ctx: RuleContext,
    settings: TaskSettings | None = None,
) -> tuple[Task, ...]:
    """The warnings not seen yet as tasks, soonest deadline first (those without one last)."""
    require_aware(now, "now")
    settings = settings or TaskSettings()
    tasks: list[Task] = []
    for warning in warnings:
        if warning.seen:
            continue
        due = warning.due
        if due is not None:
            require_aware(due, f"due of warning {warning.warning_id}")
        left = None if due is None else working_days_left(due, now, ctx)
        severity = _known(Severity, warning.severity)
        # the deadline's level, as for every task; the centre's severity when it says more (critical: red)
        level = warning_level(due, now, settings, left)
        by_severity = _LEVEL_OF_SEVERITY[severity] if severity is not None else WarningLevel.OK
        if by_severity.rank > level.rank:
            level = by_severity
        order_ids = tuple(warning.order_ids or ())
        tasks.append(Task(
            kind=TaskKind.CENTRE_WARNING,
            order_id=order_ids[0] if order_ids else "",
            deadline=due,
            working_days_left=left,
            level=level,
            summary=warning.text,
            detail=warning.text,
            warning_id=warning.warning_id,
            warning_kind=_known(WarningKind, warning.kind),
            severity=severity,
            order_ids=order_ids,
        ))
    return tuple(sorted(tasks, key=_sort_key))


_LEVEL_OF_SEVERITY = {Severity.INFO: WarningLevel.OK, Severity.WARNING: WarningLevel.NEAR,
                      Severity.CRITICAL: WarningLevel.OVERDUE}


_E = TypeVar("_E", bound=StrEnum)


def _known(kind: type[_E], value: object) -> _E | None:
    # a kind or severity a newer centre sends that this build does not know: shown by its line alone
    try:
        return kind(str(value))
    except ValueError:
        return None


def _latest_failures(visits: Iterable[FailedVisit]) -> list[FailedVisit]:
    # a retry that failed again does not move the visit's deadline: the first failure starts it
    first: dict[str, FailedVisit] = {}
    for visit in visits:
        if not isinstance(visit, FailedVisit):
            raise InvalidCommand(f"expected failed visits, got {type(visit).__name__}", code="bad_value")
        known = first.get(visit.order_id)
        if known is None or visit.failed_at < known.failed_at:
            first[visit.order_id] = visit
    return list(first.values())


def _latest_rejections(rejections: Iterable[CentreRejection]) -> list[CentreRejection]:
    # one task per order: the latest refusal is the one to put right
    latest: dict[str, CentreRejection] = {}
    for rejection in rejections:
        if not isinstance(rejection, CentreRejection):
            raise InvalidCommand(f"expected centre rejections, got {type(rejection).__name__}", code="bad_value")
        known = latest.get(rejection.order_id)
        if known is None or (rejection.rejected_at is not None
                             and (known.rejected_at is None or rejection.rejected_at >= known.rejected_at)):
            latest[rejection.order_id] = rejection
    return list(latest.values())


def _task(kind: TaskKind, order: WorkOrder | None, deadline: datetime | None, now: datetime, ctx: RuleContext,
          *, settings: TaskSettings, order_id: str | None = None, detail: str = "",
          article: str | None = None, visit_failed: bool = False, code: str = "") -> Task:
    if deadline is not None:
        require_aware(deadline, f"deadline of order {order_id or (order.order_id if order else '')}")
    left = None if deadline is None else working_days_left(deadline, now, ctx)
    phone = display_caller(order.caller)["phone"] if order is not None else ""
    return Task(
        kind=kind,
        order_id=order_id or (order.order_id if order is not None else ""),
        deadline=deadline,
        working_days_left=left,
        level=warning_level(deadline, now, settings, left),
        summary=_summary(order),
        caller_shown=phone,
        detail=detail,
        article=article,
        can_call_back=order is not None and order.caller.phone is not None,
        is_emergency=order is not None and order.is_emergency,
        order_state=order.state if order is not None else None,
        category=order.category if order is not None else None,
        matter=_matter(order),
        rating=order.rating if order is not None and kind is TaskKind.MANUAL_REVISIT else None,
        visit_failed=visit_failed,
        recording=visit_recording(order) if order is not None and kind is TaskKind.MANUAL_REVISIT else None,
        code=code,
    )


#: what a recording's name ends with (MixMonitor picks the format from it); evidence that is not one (a uniqueid,
#: a DTMF log) is not something to play
RECORDING_SUFFIXES = (".wav", ".wav49", ".gsm", ".ulaw", ".alaw", ".sln", ".g722", ".mp3")


def visit_recording(order: WorkOrder) -> str | None:
    """The recording of the order's latest automated return visit (its evidence, 第25条), None when it has none."""
    for visit in reversed(order.revisits):
        if visit.channel is not RevisitChannel.AUTOMATED_CALL:
            continue
        evidence = (visit.evidence or "").strip()
        if evidence.lower().endswith(RECORDING_SUFFIXES):
            return evidence
    return None


def working_days_left(deadline: datetime, now: datetime, ctx: RuleContext) -> int:
    """Working days strictly after today up to the deadline's day (0: due today); negative: working days since the
    deadline's day, today included when it is one (a deadline missed yesterday is -1 on the next working day)."""
    calendar = ctx.calendar
    today, due_day = calendar.local_date(now), calendar.local_date(deadline)
    if due_day >= today:
        return calendar.working_days_between(today, due_day)
    return -calendar.working_days_between(due_day, today)


def warning_level(deadline: datetime | None, now: datetime, settings: TaskSettings,
                  left_wd: int | None = None) -> WarningLevel:
    if deadline is None:
        return WarningLevel.OK
    if now > deadline:
        return WarningLevel.OVERDUE
    if deadline - now <= timedelta(hours=settings.near_h):
        return WarningLevel.NEAR
    if left_wd is not None and left_wd <= settings.near_wd:
        return WarningLevel.NEAR
    return WarningLevel.OK


def _matter(order: WorkOrder | None) -> str:
    if order is None:
        return ""
    text = " ".join(order.description.split())
    return text[: SUMMARY_CHARS - 1] + "…" if len(text) > SUMMARY_CHARS else text


def _summary(order: WorkOrder | None) -> str:
    if order is None:
        return ""
    text = _matter(order)
    return f"{order.category.zh}·{text}" if order.category is not None and text else (
        order.category.zh if order.category is not None else text)


def _sort_key(task: Task) -> tuple[object, ...]:
    return (
        task.deadline is None,
        task.deadline.timestamp() if task.deadline is not None else 0.0,
        -task.level.rank,
        task.order_id,
        task.kind.value,
    )
