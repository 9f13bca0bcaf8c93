"""The monthly quantitative assessment of responsible units (第36–37条) and its CSV and text exports.

Owns: which unit had an order when (`unit_dispatches`, read from the order's history), the due date after
approved extensions (`effective_due`), the per-unit monthly figures (`assess_unit`, `assess_units`) and their
exports (`assessment_csv`, `assessment_report_text`). The early warnings reuse the first two.

How an order is counted, and why:
- An order belongs to unit U's month M when it was dispatched to U (history action `dispatch` or
  `decide_coordination` naming U as lead unit) at a local time in M, in the hotline's zone. A unit that signed
  and then returned the order still *received* it: the return is part of its record (第17–18条).
- One order counts at most once per unit and month, judged by the unit's first dispatch in that month.
- Signing is judged for each unit's own dispatch (its `sign` entry, against that dispatch's sign deadline).
- Completion, handling time and the rating are judged only for the unit that holds the order last, since only
  the lead unit reports the result (第16条, 第22条) and the visit rates that result (第25条). A rating taken out
  by an upheld appeal (`rating_excluded`, 第27条) does not count at all.
- Returns, extensions and appeals count for the unit that filed them; several requests on one order count
  once, so the rates stay shares of the orders received.
- With `as_of`, an order still unsigned (uncompleted) past its deadline at that time counts as late: otherwise
  a unit that never signs would look punctual.

Pure: no clock, no I/O; imports the standard library and the core only. No personal data enters the figures.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.work_order import HistoryEntry, OrderState, Rating, RequestState, WorkOrder
from agent_desktop.core.working_days import require_aware

DISPATCH_ACTIONS = frozenset({"dispatch", "decide_coordination"})
SIGN_ACTION = "sign"

# States in which the lead unit is handling the order and its due date is running (第19–21条).
HANDLING_STATES = frozenset({OrderState.SIGNED, OrderState.RETURN_REQUESTED, OrderState.EXTENSION_REQUESTED})


@dataclass(frozen=True, slots=True)
class UnitDispatch:
    """One dispatch of an order to a lead unit, as the history tells it. `is_current` marks the last dispatch
    when the order still names that unit as lead."""

    unit: str
    at: datetime
    sign_due: datetime | None = None
    signed_at: datetime | None = None
    is_current: bool = False


def _new_value(entry: HistoryEntry, name: str) -> str | None:
    """The display value a history entry set `name` to, or None when the entry did not touch it."""
    for field_name, _old, new in entry.changes:
        if field_name == name:
            return new
    return None


def _parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def unit_dispatches(order: WorkOrder) -> tuple[UnitDispatch, ...]:
    """Every dispatch of `order` to a lead unit, oldest first, with that unit's sign deadline and sign time.

    Read from the history (`dispatch` / `decide_coordination` entries; the lead unit is the one the entry
    sets, or the one last set before it). Without such entries: the order's `lead_unit` + `dispatched_at`.
    The order's own `sign_due` / `signed_at` complete the last dispatch when the history does not carry them.
    """
    found: list[UnitDispatch] = []
    lead: str | None = None
    for entry in order.history:
        changed = _new_value(entry, "lead_unit")
        if changed is not None:
            lead = changed or None
        if entry.action in DISPATCH_ACTIONS:
            unit = lead or order.lead_unit
            if unit:
                at = require_aware(entry.at, f"history time of order {order.order_id}")
                found.append(UnitDispatch(unit, at, sign_due=_parse_instant(_new_value(entry, "sign_due"))))
        elif entry.action == SIGN_ACTION and found and found[-1].signed_at is None:
            signed_at = require_aware(entry.at, f"history time of order {order.order_id}")
            found[-1] = replace(found[-1], signed_at=signed_at)
    if not found:
        if not (order.lead_unit and order.dispatched_at):
            return ()
        at = require_aware(order.dispatched_at, f"dispatched_at of order {order.order_id}")
        found.append(UnitDispatch(order.lead_unit, at))
    last = found[-1]
    if last.unit == order.lead_unit:
        sign_due = last.sign_due or order.sign_due
        signed_at = last.signed_at
        if signed_at is None and order.signed_at is not None:
            own = require_aware(order.signed_at, f"signed_at of order {order.order_id}")
            # a signing older than this dispatch was the previous unit's, before its return was approved
            signed_at = own if own >= last.at else None
        if sign_due is not None:
            require_aware(sign_due, f"sign_due of order {order.order_id}")
        found[-1] = replace(last, sign_due=sign_due, signed_at=signed_at, is_current=True)
    return tuple(found)


def effective_due(order: WorkOrder) -> datetime | None:
    """The handling deadline in force. The lifecycle owns it: an approved extension (第21条) rewrites `due`, and a
    redo or a re-dispatch replaces it, so an old extension's date must never be taken over it."""
    if order.due is not None:
        require_aware(order.due, f"due date of order {order.order_id}")
    return order.due


@dataclass(frozen=True, slots=True)
class UnitAssessment:
    """One unit's figures for one month (第36–37条).
    Percentages are 0..100, None when there was nothing to judge (a zero denominator)."""

    unit: str
    period: str  # "YYYY-MM", months of the hotline's zone
    received: int
    signed: int
    signed_on_time: int
    unsigned_overdue: int  # still unsigned past the sign deadline at `as_of` (0 without `as_of`)
    signed_on_time_pct: float | None
    completed: int
    completed_on_time: int
    uncompleted_overdue: int  # still being handled past the due date at `as_of` (0 without `as_of`)
    completed_on_time_pct: float | None
    return_requests: int
    returns_approved: int
    return_rate: float | None
    extension_requests: int
    extension_rate: float | None
    rated: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    satisfaction_pct: float | None
    appeals_upheld: int
    leader_seat_calls: int
    knowledge_entries_updated: int


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


@dataclass(slots=True)
class _Tally:
    """Mutable counts while one pass walks the orders; frozen into a `UnitAssessment` at the end."""

    received: int = 0
    signed: int = 0
    signed_on_time: int = 0
    unsigned_overdue: int = 0
    completed: int = 0
    completed_on_time: int = 0
    uncompleted_overdue: int = 0
    return_requests: int = 0
    returns_approved: int = 0
    extension_requests: int = 0
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    appeals_upheld: int = 0
    leader_seat_calls: int = 0

    def freeze(self, unit: str, period: str, knowledge_entries_updated: int) -> UnitAssessment:
        return UnitAssessment(
            unit=unit,
            period=period,
            received=self.received,
            signed=self.signed,
            signed_on_time=self.signed_on_time,
            unsigned_overdue=self.unsigned_overdue,
            signed_on_time_pct=percent(self.signed_on_time, self.signed + self.unsigned_overdue),
            completed=self.completed,
            completed_on_time=self.completed_on_time,
            uncompleted_overdue=self.uncompleted_overdue,
            completed_on_time_pct=percent(self.completed_on_time, self.completed + self.uncompleted_overdue),
            return_requests=self.return_requests,
            returns_approved=self.returns_approved,
            return_rate=percent(self.return_requests, self.received),
            extension_requests=self.extension_requests,
            extension_rate=percent(self.extension_requests, self.received),
            rated=self.rated,
            satisfied=self.satisfied,
            basically_satisfied=self.basically_satisfied,
            unsatisfied=self.unsatisfied,
            satisfaction_pct=percent(self.satisfied + self.basically_satisfied, self.rated),
            appeals_upheld=self.appeals_upheld,
            leader_seat_calls=self.leader_seat_calls,
            knowledge_entries_updated=knowledge_entries_updated,
        )


@dataclass(frozen=True, slots=True)
class _Month:
    year: int
    month: int
    zone: tzinfo

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def holds(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        return (local.year, local.month) == (self.year, self.month)


def _month(year: Any, month: Any, zone: Any) -> _Month:
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise InvalidCommand(f"year must be a whole number from 1 to 9999, got {year!r}", code="bad_period")
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InvalidCommand(f"month must be a whole number from 1 to 12, got {month!r}", code="bad_period")
    if not isinstance(zone, tzinfo):
        raise InvalidCommand(f"zone must be a time zone (ZoneInfo), got {zone!r}", code="bad_zone")
    return _Month(year, month, zone)


def _knowledge(knowledge_updates: Mapping[str, int] | None) -> dict[str, int]:
    counts = dict(knowledge_updates or {})
    for unit, count in counts.items():
        if not isinstance(unit, str) or not unit:
            raise InvalidCommand(
                f"knowledge update counts need unit names, got {unit!r}", code="bad_knowledge"
            )
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidCommand(
                f"knowledge entries updated by {unit} must be a whole number >= 0, got {count!r}",
                code="bad_knowledge",
            )
    return counts


def _orders(orders: Iterable[WorkOrder]) -> tuple[WorkOrder, ...]:
    materialised = tuple(orders)
    for order in materialised:
        if not isinstance(order, WorkOrder):
            raise InvalidCommand(f"expected work orders, got {type(order).__name__}", code="not_a_work_order")
    return materialised


def _count_order(order: WorkOrder, month: _Month, as_of: datetime | None, tallies: dict[str, _Tally]) -> None:
    created = require_aware(order.created_at, f"created_at of order {order.order_id}")
    if order.taken_by_unit and month.holds(created):
        tallies.setdefault(order.taken_by_unit, _Tally()).leader_seat_calls += 1
    dispatches = unit_dispatches(order)
    if not dispatches:
        return
    final_unit = dispatches[-1].unit if dispatches[-1].is_current else None
    first_in_month: dict[str, UnitDispatch] = {}
    for dispatch in dispatches:
        if month.holds(dispatch.at):
            first_in_month.setdefault(dispatch.unit, dispatch)
    for unit, dispatch in first_in_month.items():
        tally = tallies.setdefault(unit, _Tally())
        tally.received += 1
        if dispatch.signed_at is not None:
            tally.signed += 1
            # no recorded deadline means none was breached
            if dispatch.sign_due is None or dispatch.signed_at <= dispatch.sign_due:
                tally.signed_on_time += 1
        elif (
            as_of is not None
            and dispatch.is_current
            and order.state is OrderState.DISPATCHED
            and dispatch.sign_due is not None
            and as_of > dispatch.sign_due
        ):
            tally.unsigned_overdue += 1
        own_returns = [r for r in order.returns if r.unit == unit]
        tally.return_requests += int(bool(own_returns))
        tally.returns_approved += int(any(r.state is RequestState.APPROVED for r in own_returns))
        tally.extension_requests += int(any(e.unit == unit for e in order.extensions))
        tally.appeals_upheld += int(
            any(a.unit == unit and a.state is RequestState.APPROVED for a in order.appeals)
        )
        if unit == final_unit:
            _count_result(order, tally, as_of)


def _count_result(order: WorkOrder, tally: _Tally, as_of: datetime | None) -> None:
    due = effective_due(order)
    if order.completed_at is not None:
        completed_at = require_aware(order.completed_at, f"completed_at of order {order.order_id}")
        tally.completed += 1
        if due is None or completed_at <= due:
            tally.completed_on_time += 1
    elif as_of is not None and order.state in HANDLING_STATES and due is not None and as_of > due:
        tally.uncompleted_overdue += 1
    if order.rating is not None and not order.rating_excluded:
        tally.rated += 1
        if order.rating is Rating.SATISFIED:
            tally.satisfied += 1
        elif order.rating is Rating.BASICALLY_SATISFIED:
            tally.basically_satisfied += 1
        else:
            tally.unsatisfied += 1


def _units_seen(order: WorkOrder) -> set[str]:
    seen = {d.unit for d in unit_dispatches(order)}
    seen.update(u for u in (order.lead_unit, order.taken_by_unit, *order.co_units) if u)
    seen.update(r.unit for r in order.returns)
    seen.update(e.unit for e in order.extensions)
    seen.update(a.unit for a in order.appeals)
    return seen


def assess_units(
    orders: Iterable[WorkOrder],
    *,
    year: int,
    month: int,
    zone: tzinfo,
    knowledge_updates: Mapping[str, int] | None = None,
    as_of: datetime | None = None,
) -> list[UnitAssessment]:
    """The month's figures for every unit seen in `orders` (as lead or co-unit, leader seat, or filer of a
    return, extension or appeal) or in `knowledge_updates`, sorted by name; idle units get a row of zeros.

    `knowledge_updates` maps unit → knowledge-base entries it updated in the month (第36条); `as_of`, when
    given, makes unsigned / uncompleted orders past their deadline at that time count as late.
    """
    period = _month(year, month, zone)
    knowledge = _knowledge(knowledge_updates)
    if as_of is not None:
        require_aware(as_of, "as_of")
    tallies: dict[str, _Tally] = {}
    seen: set[str] = set(knowledge)
    for order in _orders(orders):
        _count_order(order, period, as_of, tallies)
        seen |= _units_seen(order)
    return [
        tallies.get(unit, _Tally()).freeze(unit, period.period, knowledge.get(unit, 0))
        for unit in sorted(seen)
    ]


def assess_unit(
    orders: Iterable[WorkOrder],
    *,
    unit: str,
    year: int,
    month: int,
    zone: tzinfo,
    knowledge_updates: Mapping[str, int] | None = None,
    as_of: datetime | None = None,
) -> UnitAssessment:
    """One unit's figures for the month (see `assess_units`); a unit without orders gets zeros, None rates."""
    if not isinstance(unit, str) or not unit.strip():
        raise InvalidCommand(f"unit must be a unit name, got {unit!r}", code="bad_unit")
    period = _month(year, month, zone)
    knowledge = _knowledge(knowledge_updates)
    if as_of is not None:
        require_aware(as_of, "as_of")
    tallies: dict[str, _Tally] = {}
    for order in _orders(orders):
        _count_order(order, period, as_of, tallies)
    return tallies.get(unit, _Tally()).freeze(unit, period.period, knowledge.get(unit, 0))


# ---- exports ---------------------------------------------------------------------------------------

def _pct_text(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


CSV_COLUMNS: tuple[tuple[str, Callable[[UnitAssessment], str]], ...] = (
    ("单位", lambda a: a.unit),
    ("月份", lambda a: a.period),
    ("受理派单数", lambda a: str(a.received)),
    ("签收数", lambda a: str(a.signed)),
    ("按时签收数", lambda a: str(a.signed_on_time)),
    ("超时未签收数", lambda a: str(a.unsigned_overdue)),
    ("按时签收率(%)", lambda a: _pct_text(a.signed_on_time_pct)),
    ("办结数", lambda a: str(a.completed)),
    ("按时办结数", lambda a: str(a.completed_on_time)),
    ("超期未办结数", lambda a: str(a.uncompleted_overdue)),
    ("按时办结率(%)", lambda a: _pct_text(a.completed_on_time_pct)),
    ("退回申请数", lambda a: str(a.return_requests)),
    ("退回获准数", lambda a: str(a.returns_approved)),
    ("退回率(%)", lambda a: _pct_text(a.return_rate)),
    ("延期申请数", lambda a: str(a.extension_requests)),
    ("延期率(%)", lambda a: _pct_text(a.extension_rate)),
    ("参评数", lambda a: str(a.rated)),
    ("满意", lambda a: str(a.satisfied)),
    ("基本满意", lambda a: str(a.basically_satisfied)),
    ("不满意", lambda a: str(a.unsatisfied)),
    ("满意率(%)", lambda a: _pct_text(a.satisfaction_pct)),
    ("申诉成立数", lambda a: str(a.appeals_upheld)),
    ("专业座席接听数", lambda a: str(a.leader_seat_calls)),
    ("知识库更新条数", lambda a: str(a.knowledge_entries_updated)),
)


def _csv_safe(cell: str) -> str:
    # a spreadsheet would run a cell starting with one of these as a formula
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def assessment_csv(assessments: Iterable[UnitAssessment]) -> str:
    """CSV text (header row in Chinese, one row per unit, percentages with one decimal, empty when there was
    nothing to judge). Only unit names and counts: no personal data can reach it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in CSV_COLUMNS])
    for assessment in assessments:
        writer.writerow([_csv_safe(cell(assessment)) for _, cell in CSV_COLUMNS])
    return buffer.getvalue()


BAR_WIDTH = 20


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _display_width(text))


def _pct_words(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def satisfaction_bar(pct: float | None, width: int = BAR_WIDTH) -> str:
    """A text bar: one full block per 100/width percent, rounded to the nearest block."""
    if pct is None:
        return "(无参评)"
    filled = round(max(0.0, min(100.0, pct)) * width / 100)
    return "█" * filled + "░" * (width - filled)


def assessment_report_text(assessments: Iterable[UnitAssessment]) -> str:
    """A readable monthly report: one block of figures per unit, then a bar chart of satisfaction."""
    items = list(assessments)
    periods = sorted({a.period for a in items})
    title = f"12345政务热线责任单位月度考核({'、'.join(periods) or '—'})"
    lines = [title, "=" * _display_width(title)]
    if not items:
        lines.append("无考核数据。")
        return "\n".join(lines) + "\n"
    for a in items:
        lines += [
            "",
            f"【{a.unit}】{a.period}",
            f"  受理派单 {a.received} 件;签收 {a.signed} 件,按时签收 {a.signed_on_time} 件"
            f"(按时签收率 {_pct_words(a.signed_on_time_pct)})"
            + (f",超时未签收 {a.unsigned_overdue} 件" if a.unsigned_overdue else ""),
            f"  办结 {a.completed} 件,按时办结 {a.completed_on_time} 件"
            f"(按时办结率 {_pct_words(a.completed_on_time_pct)})"
            + (f",超期未办结 {a.uncompleted_overdue} 件" if a.uncompleted_overdue else ""),
            f"  退回申请 {a.return_requests} 件(退回率 {_pct_words(a.return_rate)}),获准 {a.returns_approved} 件;"
            f"延期申请 {a.extension_requests} 件(延期率 {_pct_words(a.extension_rate)})",
            f"  回访参评 {a.rated} 件:满意 {a.satisfied},基本满意 {a.basically_satisfied},"
            f"不满意 {a.unsatisfied};满意率 {_pct_words(a.satisfaction_pct)};申诉成立 {a.appeals_upheld} 件",
            f"  专业座席接听 {a.leader_seat_calls} 件;知识库更新 {a.knowledge_entries_updated} 条",
        ]
    name_width = max(_display_width(f"{a.unit} {a.period}" if len(periods) > 1 else a.unit) for a in items)
    lines += ["", "满意率((满意+基本满意)/参评,申诉成立的评价不计)"]
    for a in items:
        name = f"{a.unit} {a.period}" if len(periods) > 1 else a.unit
        bar = _pad(satisfaction_bar(a.satisfaction_pct), BAR_WIDTH)
        lines.append(f"  {_pad(name, name_width)}  {bar}  {_pct_words(a.satisfaction_pct)}")
    return "\n".join(lines) + "\n"
