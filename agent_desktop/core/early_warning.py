"""Real-time early warnings (实时智能预警, 第33条), repeat callers (第41条) and repeat matters (第13条(六)).

Owns `compute_warnings`, a pure function of the orders and an instant: the deadlines are already on the
orders, so no calendar is needed. Nothing here reads the clock or does I/O; it imports the standard library
and the core only.

Theory of operation:
- Deadline warnings come from one table (`DEADLINE_RULES`): which states keep which deadline running, which
  threshold makes it "due soon", and the two warning kinds. An order warns only while it is in one of those
  states, so terminal (不予受理, 在线办结, 已答复) and closed orders never warn for deadlines. A deadline is
  *overdue* once `now` is strictly after it (acting exactly at the deadline is still on time, as in the
  assessment and `lifecycle.is_overdue`) and *due soon* while the time left is at most the threshold. The
  one-working-day tasks (signing, the promised reply of 第16条(一), the manual revisit of 第26条) use
  `sign_due_soon_h`; the handling deadline of 第19条 (after approved extensions) uses `due_soon_h`.
- Severity: due soon is `info`, overdue `warning`; any warning about an emergency order (紧急, 第16条) is at
  least `warning`, and an emergency order past a deadline is `critical`.
- Repeat callers (第41条): one warning per caller number (`caller.phone_key`, the keyed fingerprint present for
  anonymous and named callers alike, so nothing is decrypted) with at least `repeat_caller_threshold` orders
  created in the `repeat_caller_window_days` before `now`.
- Repeat matters (第13条(六)): orders of one number with the same category and district, where one created in
  that window stands beside a *different* order of the group that is still open (not terminal, not closed):
  the matter is already being handled.
- Hot spots (第33条, 第34条(二)): at least `hot_spot_min_orders` orders created in the `hot_spot_window_h`
  before `now` at one place (district + street; district alone for orders that name no street) on one topic.
  The topic is the category plus a hotline topic of `HOTLINE_TOPICS` whose words appear in the description: a
  short, explicit list, so a seat can see why orders were grouped. An order may belong to several topics;
  groups made of exactly the same orders are reported once, naming every topic.
- Unusual return rate (第33条): a unit that received at least `unusual_return_min_orders` orders (dispatches
  read from the history, see `assessment.unit_dispatches`) and asked to return more than
  `unusual_return_rate` of them. The orders passed in are the window; `return_rate_since` narrows it.
- Order: most severe first, then the earliest deadline (warnings without one come after those with one), then
  kind and order ids, so the same input always gives the same list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from agent_desktop.core.assessment import effective_due, unit_dispatches
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.work_order import TERMINAL_STATES, Category, OrderState, WorkOrder
from agent_desktop.core.working_days import require_aware


class WarningKind(StrEnum):
    SIGN_DUE_SOON = "sign_due_soon"
    SIGN_OVERDUE = "sign_overdue"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    REPLY_TASK_DUE = "reply_task_due"
    REPLY_TASK_OVERDUE = "reply_task_overdue"
    REVISIT_DUE = "revisit_due"
    REVISIT_OVERDUE = "revisit_overdue"
    RESPONSE_DUE_SOON = "response_due_soon"
    RESPONSE_OVERDUE = "response_overdue"
    REPEAT_CALLER = "repeat_caller"
    HOT_SPOT = "hot_spot"
    UNUSUAL_RETURN_RATE = "unusual_return_rate"

    @property
    def zh(self) -> str:
        return _KIND_ZH[self]


_KIND_ZH = {
    WarningKind.SIGN_DUE_SOON: "签收即将到期",
    WarningKind.SIGN_OVERDUE: "超时未签收",
    WarningKind.DUE_SOON: "办理即将到期",
    WarningKind.OVERDUE: "超期未办结",
    WarningKind.REPLY_TASK_DUE: "答复任务即将到期",
    WarningKind.REPLY_TASK_OVERDUE: "答复任务超时",
    WarningKind.REVISIT_DUE: "人工回访即将到期",
    WarningKind.REVISIT_OVERDUE: "人工回访超时",
    WarningKind.RESPONSE_DUE_SOON: "紧急响应即将到期",
    WarningKind.RESPONSE_OVERDUE: "紧急响应超时",
    WarningKind.REPEAT_CALLER: "重复来电",
    WarningKind.HOT_SPOT: "热点问题",
    WarningKind.UNUSUAL_RETURN_RATE: "退回率异常",
}
_KIND_ORDER = {kind: index for index, kind in enumerate(WarningKind)}


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @property
    def zh(self) -> str:
        return _SEVERITY_ZH[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
_SEVERITY_ZH = {Severity.INFO: "提示", Severity.WARNING: "预警", Severity.CRITICAL: "严重"}


@dataclass(frozen=True, slots=True)
class EarlyWarning:
    """One warning for the seat or supervisor. `message` is the Chinese line the UI shows; `details` holds the
    figures behind it (read-only), never personal data."""

    kind: WarningKind
    severity: Severity
    order_ids: tuple[str, ...]
    message: str
    unit: str | None = None
    deadline: datetime | None = None
    details: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))


# ---- deadlines -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """Which states keep a deadline running, where it is on the order, and how the warnings about it read."""

    states: frozenset[OrderState]
    deadline: Callable[[WorkOrder], datetime | None]
    soon_h: Callable[[RuleParameters], int]
    soon: WarningKind
    overdue: WarningKind
    what: str  # the step, as the seat reads it
    names_unit: bool


DEADLINE_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        states=frozenset({OrderState.DISPATCHED}),
        deadline=lambda o: o.sign_due,
        soon_h=lambda r: r.sign_due_soon_h,
        soon=WarningKind.SIGN_DUE_SOON,
        overdue=WarningKind.SIGN_OVERDUE,
        what="签收",
        names_unit=True,
    ),
    DeadlineRule(
        states=frozenset({OrderState.SIGNED, OrderState.RETURN_REQUESTED, OrderState.EXTENSION_REQUESTED}),
        deadline=effective_due,
        soon_h=lambda r: r.due_soon_h,
        soon=WarningKind.DUE_SOON,
        overdue=WarningKind.OVERDUE,
        what="办理期限",
        names_unit=True,
    ),
    DeadlineRule(
        states=frozenset({OrderState.REPLY_PENDING}),
        deadline=lambda o: o.reply_due,
        soon_h=lambda r: r.sign_due_soon_h,
        soon=WarningKind.REPLY_TASK_DUE,
        overdue=WarningKind.REPLY_TASK_OVERDUE,
        what="答复任务",
        names_unit=False,
    ),
    DeadlineRule(
        states=frozenset({OrderState.MANUAL_REVISIT}),
        deadline=lambda o: o.revisit_due,
        soon_h=lambda r: r.sign_due_soon_h,
        soon=WarningKind.REVISIT_DUE,
        overdue=WarningKind.REVISIT_OVERDUE,
        what="人工回访",
        names_unit=False,
    ),
)


# 第16条: an emergency's unit contacts the caller or is on site within hours, beside the handling limit of 第19条
RESPONSE_RULE = DeadlineRule(
    states=frozenset({OrderState.SIGNED, OrderState.RETURN_REQUESTED, OrderState.EXTENSION_REQUESTED}),
    deadline=lambda o: o.response_due if o.responded_at is None else None,
    soon_h=lambda r: max(1, r.emergency_response_limit_h // 2),
    soon=WarningKind.RESPONSE_DUE_SOON,
    overdue=WarningKind.RESPONSE_OVERDUE,
    what="紧急响应",
    names_unit=True,
)


def _rule_for(order: WorkOrder) -> DeadlineRule | None:
    return next((rule for rule in DEADLINE_RULES if order.state in rule.states), None)


def current_deadline(order: WorkOrder) -> datetime | None:
    """The deadline running in the order's present state (sign, handling, reply or manual revisit), if any."""
    rule = _rule_for(order)
    if rule is None:
        return None
    deadline = rule.deadline(order)
    return None if deadline is None else require_aware(deadline, f"deadline of order {order.order_id}")


def due_within(order: WorkOrder, now: datetime) -> timedelta | None:
    """Time left until the running deadline: negative once it has passed, None when no deadline is running."""
    require_aware(now, "now")
    deadline = current_deadline(order)
    return None if deadline is None else deadline - now


def duration_zh(span: timedelta) -> str:
    """A span as a seat reads it: "1 天 3 小时", "2 小时 15 分钟", "45 分钟", "不足 1 分钟" (sign ignored)."""
    minutes = int(abs(span).total_seconds() // 60)
    if minutes == 0:
        return "不足 1 分钟"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours:
        parts.append(f"{hours} 小时")
    if mins and not days:
        parts.append(f"{mins} 分钟")
    return " ".join(parts)


def _raise_for_emergency(severity: Severity, orders: Iterable[WorkOrder], *, overdue: bool) -> Severity:
    if not any(o.is_emergency for o in orders):
        return severity
    floor = Severity.CRITICAL if overdue else Severity.WARNING
    return floor if floor.rank > severity.rank else severity


def _deadline_warning(order: WorkOrder, now: datetime, rules: RuleParameters,
                      rule: DeadlineRule | None = None) -> EarlyWarning | None:
    rule = rule or _rule_for(order)
    if rule is None or order.state not in rule.states:
        return None
    deadline = rule.deadline(order)
    if deadline is None:
        return None
    require_aware(deadline, f"deadline of order {order.order_id}")
    left = deadline - now
    overdue = left < timedelta(0)
    if not overdue and left > timedelta(hours=rule.soon_h(rules)):
        return None
    kind = rule.overdue if overdue else rule.soon
    severity = _raise_for_emergency(Severity.WARNING if overdue else Severity.INFO, (order,), overdue=overdue)
    unit = order.lead_unit if rule.names_unit else None
    prefix = "【紧急】" if order.is_emergency else ""
    if overdue:
        text = f"{prefix}工单 {order.order_id} {rule.what}已超时 {duration_zh(left)}"
    else:
        text = f"{prefix}工单 {order.order_id} 距{rule.what}截止还有 {duration_zh(left)}"
    if unit:
        text += f"(责任单位:{unit})"
    return EarlyWarning(
        kind=kind,
        severity=severity,
        order_ids=(order.order_id,),
        message=text,
        unit=unit,
        deadline=deadline,
        details={
            "state": order.state.value,
            "minutes_left": int(left.total_seconds() // 60),
            "emergency": order.is_emergency,
        },
    )


# ---- repeat callers and repeat matters ---------------------------------------------------------------------

def _is_open(order: WorkOrder) -> bool:
    return order.state not in TERMINAL_STATES and order.state is not OrderState.CLOSED


def _created_within(order: WorkOrder, now: datetime, window: timedelta) -> bool:
    created = require_aware(order.created_at, f"created_at of order {order.order_id}")
    return now - window <= created <= now


def _ids(orders: Iterable[WorkOrder]) -> tuple[str, ...]:
    return tuple(sorted({o.order_id for o in orders}))


def _repeat_caller_warnings(
    orders: tuple[WorkOrder, ...], now: datetime, rules: RuleParameters
) -> list[EarlyWarning]:
    window = timedelta(days=rules.repeat_caller_window_days)
    by_number: dict[str, list[WorkOrder]] = defaultdict(list)
    for order in orders:
        if order.caller.phone_key:
            by_number[order.caller.phone_key].append(order)
    warnings: list[EarlyWarning] = []
    for key in sorted(by_number):
        mine = by_number[key]
        recent = [o for o in mine if _created_within(o, now, window)]
        if len(recent) >= rules.repeat_caller_threshold:
            ids = _ids(recent)
            warnings.append(
                EarlyWarning(
                    kind=WarningKind.REPEAT_CALLER,
                    severity=_raise_for_emergency(Severity.INFO, recent, overdue=False),
                    order_ids=ids,
                    message=f"同一来电号码近 {rules.repeat_caller_window_days} 天内已有 {len(ids)} 张工单"
                    f"({'、'.join(ids)}),请留意是否无正当理由反复来电(第41条)",
                    details={
                        "reason": "frequent",
                        "phone_key": key,
                        "count": len(ids),
                        "window_days": rules.repeat_caller_window_days,
                    },
                )
            )
        warnings += _repeat_matter_warnings(key, mine, recent)
    return warnings


def _repeat_matter_warnings(key: str, mine: list[WorkOrder], recent: list[WorkOrder]) -> list[EarlyWarning]:
    matters: dict[tuple[Category, str], list[WorkOrder]] = defaultdict(list)
    for order in mine:
        if order.category is not None and order.district:
            matters[(order.category, order.district)].append(order)
    recent_ids = {o.order_id for o in recent}
    warnings: list[EarlyWarning] = []
    for (category, district), group in sorted(matters.items(), key=lambda kv: (kv[0][0].value, kv[0][1])):
        new = [o for o in group if o.order_id in recent_ids]
        open_ = [o for o in group if _is_open(o)]
        # a repeat needs a recent order beside a *different* order still being handled
        if not any(n.order_id != o.order_id for n in new for o in open_):
            continue
        ids = _ids(new + open_)
        open_ids = _ids(open_)
        warnings.append(
            EarlyWarning(
                kind=WarningKind.REPEAT_CALLER,
                severity=_raise_for_emergency(Severity.WARNING, new + open_, overdue=False),
                order_ids=ids,
                message=f"同一来电号码就同类事项({category.zh}·{district})已有在办工单 {'、'.join(open_ids)},"
                f"可能属正在办理中的重复诉求(第13条(六))",
                details={
                    "reason": "repeat_matter",
                    "phone_key": key,
                    "category": category.value,
                    "district": district,
                    "open_order_ids": open_ids,
                },
            )
        )
    return warnings


# ---- hot spots ---------------------------------------------------------------------------------------------

HOTLINE_TOPICS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "停水": ("停水", "断水", "没水", "无水", "水压低"),
        "停电": ("停电", "断电", "没电"),
        "燃气": ("燃气", "煤气", "天然气"),
        "噪音": ("噪音", "噪声"),
        "物业": ("物业",),
        "占道": ("占道", "占用道路", "占用人行道"),
        "拖欠工资": ("拖欠工资", "工资拖欠", "欠薪", "讨薪", "不发工资"),
        "学位": ("学位", "入学", "招生"),
        "违章建筑": ("违建", "违章建筑", "违章搭建"),
        "油烟": ("油烟",),
        "渣土": ("渣土",),
        "积水": ("积水", "内涝"),
        "路灯": ("路灯",),
        "垃圾": ("垃圾",),
        "电梯": ("电梯",),
        "停车": ("停车",),
        "公交": ("公交",),
        "不动产证": ("不动产证", "房产证"),
        "社保医保": ("社保", "医保"),
    }
)


def order_topics(description: str) -> tuple[str, ...]:
    """The hotline topics (keys of `HOTLINE_TOPICS`) whose words appear in a description, in table order."""
    return tuple(topic for topic, words in HOTLINE_TOPICS.items() if any(w in description for w in words))


def _hot_spot_warnings(
    orders: tuple[WorkOrder, ...], now: datetime, rules: RuleParameters
) -> list[EarlyWarning]:
    window = timedelta(hours=rules.hot_spot_window_h)
    groups: dict[tuple[str, str, str, str], list[WorkOrder]] = defaultdict(list)
    for order in orders:
        if not order.district or not _created_within(order, now, window):
            continue
        category = order.category.value if order.category else ""
        for topic in order_topics(order.description):
            groups[(order.district, order.street or "", category, topic)].append(order)
    # the same orders can match two topics (物业 + 停水); report such a group once, naming both topics
    merged: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    members: dict[tuple[str, str, str, tuple[str, ...]], list[WorkOrder]] = {}
    for (district, street, category, topic), group in groups.items():
        if len(group) < rules.hot_spot_min_orders:
            continue
        key = (district, street, category, _ids(group))
        merged.setdefault(key, []).append(topic)
        members[key] = group
    warnings: list[EarlyWarning] = []
    for key in sorted(merged):
        district, street, category, ids = key
        topics = merged[key]
        place = district + street
        category_zh = Category(category).zh if category else ""
        warnings.append(
            EarlyWarning(
                kind=WarningKind.HOT_SPOT,
                severity=_raise_for_emergency(Severity.WARNING, members[key], overdue=False),
                order_ids=ids,
                message=f"{place}近 {rules.hot_spot_window_h} 小时内有 {len(ids)} 张「{'/'.join(topics)}」"
                f"{category_zh}工单,可能为集中反映的热点问题(第34条(二))",
                details={
                    "district": district,
                    "street": street or None,
                    "category": category or None,
                    "topics": tuple(topics),
                    "count": len(ids),
                    "window_h": rules.hot_spot_window_h,
                },
            )
        )
    return warnings


# ---- unusual return rate ----------------------------------------------------------------------------

def _return_rate_warnings(
    orders: tuple[WorkOrder, ...], now: datetime, rules: RuleParameters, since: datetime | None
) -> list[EarlyWarning]:
    def in_window(at: datetime) -> bool:
        return at <= now and (since is None or at >= since)

    received: dict[str, set[str]] = defaultdict(set)
    requested: dict[str, set[str]] = defaultdict(set)
    for order in orders:
        for dispatch in unit_dispatches(order):
            if in_window(dispatch.at):
                received[dispatch.unit].add(order.order_id)
        for request in order.returns:
            if in_window(require_aware(request.requested_at, f"return request time of {order.order_id}")):
                requested[request.unit].add(order.order_id)
    warnings: list[EarlyWarning] = []
    for unit in sorted(received):
        got = received[unit]
        asked = requested[unit] & got
        if len(got) < rules.unusual_return_min_orders or len(asked) / len(got) <= rules.unusual_return_rate:
            continue
        share = 100.0 * len(asked) / len(got)
        warnings.append(
            EarlyWarning(
                kind=WarningKind.UNUSUAL_RETURN_RATE,
                severity=Severity.WARNING,
                order_ids=tuple(sorted(asked)),
                unit=unit,
                message=f"{unit} 收到 {len(got)} 张工单,申请退回 {len(asked)} 张(占 {share:.1f}%),"
                f"超过 {100 * rules.unusual_return_rate:.0f}% 的异常线",
                details={
                    "received": len(got),
                    "return_requests": len(asked),
                    "rate_pct": share,
                    "limit_pct": 100 * rules.unusual_return_rate,
                },
            )
        )
    return warnings


# ---- entry point -----------------------------------------------------------------------------------

def _sort_key(warning: EarlyWarning) -> tuple[Any, ...]:
    has_no_deadline = warning.deadline is None
    deadline = warning.deadline.timestamp() if warning.deadline is not None else 0.0
    return (
        -warning.severity.rank,
        has_no_deadline,
        deadline,
        _KIND_ORDER[warning.kind],
        warning.order_ids,
        warning.unit or "",
        warning.message,
    )


def compute_warnings(
    orders: Iterable[WorkOrder],
    *,
    now: datetime,
    rules: RuleParameters,
    return_rate_since: datetime | None = None,
) -> list[EarlyWarning]:
    """Every warning that holds for `orders` at `now`, most severe and most urgent first (see the module doc).

    `return_rate_since` limits the return-rate judgement to dispatches and return requests from that instant
    on; without it, all the orders given are the window.
    """
    require_aware(now, "now")
    if return_rate_since is not None:
        require_aware(return_rate_since, "return_rate_since")
    if not isinstance(rules, RuleParameters):
        raise InvalidCommand(f"rules must be RuleParameters, got {type(rules).__name__}", code="bad_rules")
    materialised = tuple(orders)
    for order in materialised:
        if not isinstance(order, WorkOrder):
            raise InvalidCommand(f"expected work orders, got {type(order).__name__}", code="not_a_work_order")
    warnings = [w for w in (_deadline_warning(o, now, rules) for o in materialised) if w is not None]
    warnings += [w for w in (_deadline_warning(o, now, rules, RESPONSE_RULE) for o in materialised) if w]
    warnings += _repeat_caller_warnings(materialised, now, rules)
    warnings += _hot_spot_warnings(materialised, now, rules)
    warnings += _return_rate_warnings(materialised, now, rules, return_rate_since)
    return sorted(warnings, key=_sort_key)
