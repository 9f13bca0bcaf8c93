"""Early warnings (第33条), repeat callers (第41条) and repeat matters (第13条(六)): each kind on both sides of its
threshold, severities, silence of finished orders, and a deterministic order."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.core.early_warning import (
    HOTLINE_TOPICS,
    EarlyWarning,
    Severity,
    WarningKind,
    compute_warnings,
    current_deadline,
    due_within,
    duration_zh,
    order_topics,
)
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.work_order import (
    TERMINAL_STATES,
    Caller,
    Category,
    Channel,
    ExtensionRequest,
    OrderState,
    RequestState,
    ReturnRequest,
    SealedValue,
    Urgency,
    WorkOrder,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 20, 10, 0, tzinfo=TZ)
RULES = RuleParameters()
SECOND = timedelta(seconds=1)
UNIT = "岳麓区人民政府"


def make(order_id: str = "WO-1", **fields: object) -> WorkOrder:
    """An order created long before NOW, with no topic words and no caller number, so that only what a test
    sets up can warn."""
    base = WorkOrder(
        order_id=order_id,
        channel=Channel.PHONE,
        created_at=NOW - timedelta(days=90),
        category=Category.COMPLAINT,
        district="岳麓区",
        street="望月湖街道",
        description="其他事项",
        lead_unit=UNIT,
    )
    return replace(base, **fields)


def kinds(warnings: list[EarlyWarning]) -> list[WarningKind]:
    return [w.kind for w in warnings]


def only(warnings: list[EarlyWarning]) -> EarlyWarning:
    assert len(warnings) == 1, warnings
    return warnings[0]


def warn(*orders: WorkOrder, now: datetime = NOW, rules: RuleParameters = RULES) -> list[EarlyWarning]:
    return compute_warnings(orders, now=now, rules=rules)


# ---- sign deadline (第17条) ------------------------------------------------------------------------


def test_sign_due_soon_fires_at_the_threshold_and_names_the_unit() -> None:
    order = make(state=OrderState.DISPATCHED, sign_due=NOW + timedelta(hours=RULES.sign_due_soon_h))
    w = only(warn(order))
    assert w.kind is WarningKind.SIGN_DUE_SOON
    assert w.severity is Severity.INFO
    assert w.order_ids == ("WO-1",)
    assert w.unit == UNIT
    assert w.deadline == order.sign_due
    assert "工单 WO-1 距签收截止还有 4 小时" in w.message
    assert w.details["minutes_left"] == 240


def test_sign_due_soon_is_silent_just_before_the_threshold() -> None:
    order = make(state=OrderState.DISPATCHED, sign_due=NOW + timedelta(hours=RULES.sign_due_soon_h) + SECOND)
    assert warn(order) == []


def test_sign_exactly_at_the_deadline_is_not_yet_overdue() -> None:
    w = only(warn(make(state=OrderState.DISPATCHED, sign_due=NOW)))
    assert w.kind is WarningKind.SIGN_DUE_SOON
    assert "不足 1 分钟" in w.message


def test_sign_overdue_one_second_after_the_deadline() -> None:
    w = only(warn(make(state=OrderState.DISPATCHED, sign_due=NOW - SECOND)))
    assert w.kind is WarningKind.SIGN_OVERDUE
    assert w.severity is Severity.WARNING
    assert "签收已超时" in w.message


def test_sign_threshold_comes_from_the_rules() -> None:
    order = make(state=OrderState.DISPATCHED, sign_due=NOW + timedelta(hours=6))
    assert warn(order) == []
    assert kinds(warn(order, rules=RuleParameters(sign_due_soon_h=6))) == [WarningKind.SIGN_DUE_SOON]


# ---- handling deadline (第19–21条) -----------------------------------------------------------------

HANDLING = (OrderState.SIGNED, OrderState.RETURN_REQUESTED, OrderState.EXTENSION_REQUESTED)


@pytest.mark.parametrize("state", HANDLING)
def test_due_soon_at_the_threshold(state: OrderState) -> None:
    w = only(warn(make(state=state, due=NOW + timedelta(hours=RULES.due_soon_h))))
    assert w.kind is WarningKind.DUE_SOON
    assert w.unit == UNIT
    assert "距办理期限截止还有 1 天" in w.message


@pytest.mark.parametrize("state", HANDLING)
def test_due_soon_silent_just_before_the_threshold(state: OrderState) -> None:
    assert warn(make(state=state, due=NOW + timedelta(hours=RULES.due_soon_h) + SECOND)) == []


@pytest.mark.parametrize("state", HANDLING)
def test_overdue_just_after_the_due_time(state: OrderState) -> None:
    w = only(warn(make(state=state, due=NOW - timedelta(minutes=90))))
    assert w.kind is WarningKind.OVERDUE
    assert w.severity is Severity.WARNING
    assert "已超时 1 小时 30 分钟" in w.message


def test_an_approved_extension_moves_the_due_time() -> None:
    extension = ExtensionRequest(
        requested_at=NOW - timedelta(days=3),
        unit=UNIT,
        working_days=5,
        reason="需第三方检测",
        state=RequestState.APPROVED,
        new_due=NOW + timedelta(days=5),
    )
    # as the lifecycle leaves them: an approval rewrites `due`, a rejection leaves it
    order = make(state=OrderState.SIGNED, due=extension.new_due, extensions=(extension,))
    assert warn(order) == []
    assert current_deadline(order) == NOW + timedelta(days=5)
    rejected = replace(order, due=NOW - timedelta(hours=1),
                       extensions=(replace(extension, state=RequestState.REJECTED),))
    assert kinds(warn(rejected)) == [WarningKind.OVERDUE]


def test_a_past_sign_deadline_no_longer_warns_once_signed() -> None:
    order = make(state=OrderState.SIGNED, sign_due=NOW - timedelta(days=2), due=NOW + timedelta(days=8))
    assert warn(order) == []


def test_an_order_without_its_deadline_does_not_warn() -> None:
    assert warn(make(state=OrderState.DISPATCHED, sign_due=None)) == []
    assert due_within(make(state=OrderState.DISPATCHED), NOW) is None


# ---- reply task (第16条(一)) and manual revisit (第26条) ----------------------------------------------


def test_reply_task_due_and_overdue_around_the_threshold() -> None:
    soon = make(state=OrderState.REPLY_PENDING, lead_unit=None, reply_due=NOW + timedelta(hours=4))
    w = only(warn(soon))
    assert w.kind is WarningKind.REPLY_TASK_DUE
    assert w.unit is None
    assert "答复任务" in w.message
    assert warn(replace(soon, reply_due=NOW + timedelta(hours=4) + SECOND)) == []
    late = only(warn(replace(soon, reply_due=NOW - SECOND)))
    assert late.kind is WarningKind.REPLY_TASK_OVERDUE
    assert late.severity is Severity.WARNING


def test_revisit_due_and_overdue_around_the_threshold() -> None:
    soon = make(state=OrderState.MANUAL_REVISIT, revisit_due=NOW + timedelta(hours=4))
    w = only(warn(soon))
    assert w.kind is WarningKind.REVISIT_DUE
    assert "人工回访" in w.message
    assert warn(replace(soon, revisit_due=NOW + timedelta(hours=4) + SECOND)) == []
    assert kinds(warn(replace(soon, revisit_due=NOW - SECOND))) == [WarningKind.REVISIT_OVERDUE]


# ---- emergency severity (第16条) -------------------------------------------------------------------


def test_emergency_due_soon_is_at_least_warning_and_flagged() -> None:
    order = make(state=OrderState.DISPATCHED, urgency=Urgency.EMERGENCY, sign_due=NOW + timedelta(hours=1))
    w = only(warn(order))
    assert w.kind is WarningKind.SIGN_DUE_SOON
    assert w.severity is Severity.WARNING
    assert w.message.startswith("【紧急】")
    assert w.details["emergency"] is True


@pytest.mark.parametrize(
    ("state", "deadline_field"),
    [
        (OrderState.DISPATCHED, "sign_due"),
        (OrderState.SIGNED, "due"),
        (OrderState.REPLY_PENDING, "reply_due"),
        (OrderState.MANUAL_REVISIT, "revisit_due"),
    ],
)
def test_emergency_overdue_is_critical_where_a_normal_one_is_a_warning(
    state: OrderState, deadline_field: str
) -> None:
    normal = make(state=state, **{deadline_field: NOW - timedelta(minutes=5)})
    assert only(warn(normal)).severity is Severity.WARNING
    assert only(warn(replace(normal, urgency=Urgency.EMERGENCY))).severity is Severity.CRITICAL


# ---- finished orders are silent ------------------------------------------------------------------

SILENT_STATES = sorted(
    {
        *TERMINAL_STATES,
        OrderState.CLOSED,
        OrderState.COMPLETED,
        OrderState.REVISITING,
        OrderState.APPEALED,
        OrderState.INTAKE,
        OrderState.TO_DISPATCH,
        OrderState.COORDINATION,
    }
)


@pytest.mark.parametrize("state", SILENT_STATES)
def test_states_without_a_running_deadline_never_warn(state: OrderState) -> None:
    past = NOW - timedelta(days=3)
    order = make(
        state=state, sign_due=past, due=past, reply_due=past, revisit_due=past, urgency=Urgency.EMERGENCY
    )
    assert warn(order) == []
    assert due_within(order, NOW) is None


# ---- repeat callers (第41条) and repeat matters (第13条(六)) ------------------------------------------


def caller(key: str | None, *, anonymous: bool = False) -> Caller:
    if anonymous:
        return Caller(phone=SealedValue("gAAAA-ciphertext", "138****8000"), is_anonymous=True, phone_key=key)
    return Caller(name="张三", phone="13800138000", phone_key=key)


def answered(order_id: str, created_at: datetime, key: str | None = "key-1", **fields: object) -> WorkOrder:
    """Finished orders in distinct categories: repeat *calls* without a repeat *matter*."""
    return make(
        order_id, state=OrderState.ANSWERED_ON_LINE, created_at=created_at, caller=caller(key), **fields
    )


WINDOW = timedelta(days=RULES.repeat_caller_window_days)


def test_repeat_caller_fires_at_the_threshold_with_the_window_edge_included() -> None:
    orders = [
        answered("WO-1", NOW - WINDOW, category=Category.CONSULTATION),
        answered("WO-2", NOW - timedelta(days=3), category=Category.QUERY),
        answered("WO-3", NOW, category=Category.HELP),
    ]
    w = only(warn(*orders))
    assert w.kind is WarningKind.REPEAT_CALLER
    assert w.order_ids == ("WO-1", "WO-2", "WO-3")
    assert w.details["reason"] == "frequent"
    assert w.details["count"] == 3
    assert w.severity is Severity.INFO
    assert "30 天内已有 3 张工单" in w.message


def test_repeat_caller_silent_when_the_oldest_falls_just_outside_the_window() -> None:
    orders = [
        answered("WO-1", NOW - WINDOW - SECOND, category=Category.CONSULTATION),
        answered("WO-2", NOW - timedelta(days=3), category=Category.QUERY),
        answered("WO-3", NOW, category=Category.HELP),
    ]
    assert warn(*orders) == []


def test_orders_created_after_now_do_not_count() -> None:
    orders = [
        answered("WO-1", NOW - timedelta(days=1), category=Category.CONSULTATION),
        answered("WO-2", NOW - timedelta(days=2), category=Category.QUERY),
        answered("WO-3", NOW + SECOND, category=Category.HELP),
    ]
    assert warn(*orders) == []


def test_different_numbers_and_orders_without_a_number_are_not_pooled() -> None:
    orders = [
        answered("WO-1", NOW - timedelta(days=1), key="key-1", category=Category.CONSULTATION),
        answered("WO-2", NOW - timedelta(days=2), key="key-2", category=Category.QUERY),
        answered("WO-3", NOW - timedelta(days=3), key=None, category=Category.HELP),
        answered("WO-4", NOW - timedelta(days=4), key=None, category=Category.REPORT),
    ]
    assert warn(*orders) == []


def test_anonymous_and_named_calls_of_one_number_meet_through_the_phone_key() -> None:
    anonymous = [
        make(
            f"WO-{i}",
            state=OrderState.ANSWERED_ON_LINE,
            created_at=NOW - timedelta(days=i),
            category=category,
            caller=caller("key-anon", anonymous=True),
        )
        for i, category in enumerate((Category.CONSULTATION, Category.QUERY), start=1)
    ]
    named = answered("WO-9", NOW - timedelta(hours=1), key="key-anon", category=Category.HELP)
    w = only(warn(*anonymous, named))
    assert w.order_ids == ("WO-1", "WO-2", "WO-9")
    assert w.details["phone_key"] == "key-anon"
    # nothing of the sealed number leaves through the warning
    text = w.message + repr(dict(w.details))
    assert "138" not in text
    assert "ciphertext" not in text


def test_repeat_matter_beside_an_open_order_of_the_same_number() -> None:
    handling = make(
        "WO-OLD",
        state=OrderState.SIGNED,
        created_at=NOW - timedelta(days=60),
        due=NOW + timedelta(days=5),
        caller=caller("key-1"),
    )
    new = make(
        "WO-NEW", state=OrderState.INTAKE, created_at=NOW - timedelta(minutes=5), caller=caller("key-1")
    )
    w = only(warn(handling, new))
    assert w.kind is WarningKind.REPEAT_CALLER
    assert w.details["reason"] == "repeat_matter"
    assert w.details["open_order_ids"] == ("WO-NEW", "WO-OLD")
    assert w.order_ids == ("WO-NEW", "WO-OLD")
    assert w.severity is Severity.WARNING
    assert "第13条(六)" in w.message
    assert "投诉·岳麓区" in w.message


def test_repeat_matter_also_for_an_anonymous_caller() -> None:
    handling = make(
        "WO-OLD",
        state=OrderState.DISPATCHED,
        created_at=NOW - timedelta(days=60),
        sign_due=NOW + timedelta(days=1),
        caller=caller("key-a", anonymous=True),
    )
    new = make("WO-NEW", state=OrderState.INTAKE, created_at=NOW, caller=caller("key-a", anonymous=True))
    assert only(warn(handling, new)).details["reason"] == "repeat_matter"


@pytest.mark.parametrize(
    "change",
    [
        {"state": OrderState.CLOSED},  # the earlier matter is finished
        {"district": "天心区"},  # another place
        {"category": Category.CONSULTATION},  # another kind of matter
        {"caller": Caller(phone_key="key-2")},  # another number
    ],
)
def test_no_repeat_matter_when_the_earlier_order_differs_or_is_closed(change: dict[str, object]) -> None:
    earlier = make(
        "WO-OLD",
        state=OrderState.SIGNED,
        created_at=NOW - timedelta(days=60),
        due=NOW + timedelta(days=5),
        caller=caller("key-1"),
    )
    new = make("WO-NEW", state=OrderState.INTAKE, created_at=NOW, caller=caller("key-1"))
    assert warn(replace(earlier, **change), new) == []


def test_no_repeat_matter_when_nothing_of_the_number_is_recent() -> None:
    a = make(
        "WO-A",
        state=OrderState.SIGNED,
        created_at=NOW - timedelta(days=60),
        due=NOW + timedelta(days=5),
        caller=caller("key-1"),
    )
    b = replace(a, order_id="WO-B", created_at=NOW - WINDOW - SECOND)
    assert warn(a, b) == []
    assert kinds(warn(a, replace(b, created_at=NOW - WINDOW))) == [WarningKind.REPEAT_CALLER]


def test_a_single_open_recent_order_is_no_repeat_of_itself() -> None:
    only_one = make("WO-1", state=OrderState.INTAKE, created_at=NOW, caller=caller("key-1"))
    assert warn(only_one) == []


# ---- hot spots (第33条, 第34条(二)) -------------------------------------------------------------------

HOT_WINDOW = timedelta(hours=RULES.hot_spot_window_h)
WATER = ("小区突然停水", "家里停水两天", "楼栋没水了", "一直停水没人管", "自来水断水")


def water_orders(oldest: datetime, **fields: object) -> list[WorkOrder]:
    created = [oldest, NOW - timedelta(hours=10), NOW - timedelta(hours=5), NOW - timedelta(hours=1), NOW]
    return [
        make(
            f"WO-{i}",
            state=OrderState.DISPATCHED,
            created_at=at,
            description=text,
            sign_due=NOW + timedelta(days=2),
            **fields,
        )
        for i, (at, text) in enumerate(zip(created, WATER, strict=True), start=1)
    ]


def test_hot_spot_fires_at_the_minimum_with_the_window_edge_included() -> None:
    w = only(warn(*water_orders(NOW - HOT_WINDOW)))
    assert w.kind is WarningKind.HOT_SPOT
    assert w.order_ids == ("WO-1", "WO-2", "WO-3", "WO-4", "WO-5")
    assert w.details["topics"] == ("停水",)
    assert w.details["street"] == "望月湖街道"
    assert w.severity is Severity.WARNING
    assert "岳麓区望月湖街道" in w.message
    assert "「停水」" in w.message


def test_hot_spot_silent_when_one_order_is_just_outside_the_window() -> None:
    assert warn(*water_orders(NOW - HOT_WINDOW - SECOND)) == []


def test_hot_spot_needs_the_same_street() -> None:
    orders = water_orders(NOW - timedelta(hours=1))
    orders[0] = replace(orders[0], street="银盆岭街道")
    assert warn(*orders) == []


def test_hot_spot_falls_back_to_the_district_when_no_street_is_named() -> None:
    w = only(warn(*water_orders(NOW - timedelta(hours=1), street=None)))
    assert w.details["street"] is None
    assert w.message.startswith("岳麓区近 48 小时")


def test_hot_spot_needs_the_same_category() -> None:
    orders = water_orders(NOW - timedelta(hours=1))
    orders[2] = replace(orders[2], category=Category.CONSULTATION)
    assert warn(*orders) == []


def test_hot_spot_needs_a_shared_topic() -> None:
    orders = water_orders(NOW - timedelta(hours=1))
    orders[3] = replace(orders[3], description="楼下商铺占道经营")
    assert warn(*orders) == []


def test_orders_matching_two_topics_make_one_hot_spot_naming_both() -> None:
    orders = [
        make(
            f"WO-{i}",
            state=OrderState.ANSWERED_ON_LINE,
            created_at=NOW - timedelta(hours=i),
            description="物业通知停水但没有说明时间",
        )
        for i in range(5)
    ]
    w = only(warn(*orders))
    assert w.details["topics"] == ("停水", "物业")
    assert "「停水/物业」" in w.message


def test_order_topics_reads_the_built_in_list() -> None:
    assert order_topics("公司拖欠工资三个月") == ("拖欠工资",)
    assert order_topics("晚上施工噪声很大") == ("噪音",)
    assert order_topics("咨询一般事项") == ()
    assert all(words for words in HOTLINE_TOPICS.values())


def test_hot_spot_includes_an_emergency_order_at_warning_severity() -> None:
    orders = water_orders(NOW - timedelta(hours=1))
    orders[0] = replace(orders[0], urgency=Urgency.EMERGENCY, sign_due=NOW + timedelta(days=2))
    assert only(warn(*orders)).severity is Severity.WARNING


# ---- unusual return rate (第33条) ------------------------------------------------------------------


def unit_orders(
    received: int, returned: int, *, dispatched_at: datetime = NOW - timedelta(days=5)
) -> list[WorkOrder]:
    orders = []
    for i in range(received):
        returns = ()
        if i < returned:
            returns = (
                ReturnRequest(
                    requested_at=dispatched_at + timedelta(days=1), unit=UNIT, reason="非本单位职责"
                ),
            )
        orders.append(
            make(
                f"WO-{i:02d}",
                state=OrderState.SIGNED,
                dispatched_at=dispatched_at,
                due=NOW + timedelta(days=9),
                returns=returns,
            )
        )
    return orders


def test_unusual_return_rate_above_the_share() -> None:
    w = only(warn(*unit_orders(10, 4)))
    assert w.kind is WarningKind.UNUSUAL_RETURN_RATE
    assert w.unit == UNIT
    assert w.details["received"] == 10
    assert w.details["return_requests"] == 4
    assert w.details["rate_pct"] == pytest.approx(40.0)
    assert len(w.order_ids) == 4
    assert "申请退回 4 张(占 40.0%)" in w.message


def test_return_rate_exactly_at_the_share_is_not_unusual() -> None:
    assert warn(*unit_orders(10, 3)) == []


def test_return_rate_needs_enough_orders() -> None:
    assert warn(*unit_orders(9, 9)) == []


def test_return_rate_window_can_be_narrowed() -> None:
    orders = unit_orders(10, 4)
    assert compute_warnings(orders, now=NOW, rules=RULES, return_rate_since=NOW - timedelta(days=1)) == []
    assert compute_warnings(orders, now=NOW, rules=RULES, return_rate_since=NOW - timedelta(days=5)) != []


# ---- ordering, helpers, bad input ----------------------------------------------------------------


def test_warnings_are_ordered_by_severity_then_deadline_whatever_the_input_order() -> None:
    orders = [
        make("A", state=OrderState.SIGNED, due=NOW + timedelta(hours=20)),  # info, later
        make("B", state=OrderState.SIGNED, due=NOW + timedelta(hours=2)),  # info, sooner
        make("C", state=OrderState.SIGNED, due=NOW - timedelta(hours=1)),  # warning
        make("D", state=OrderState.DISPATCHED, urgency=Urgency.EMERGENCY, sign_due=NOW - SECOND),  # critical
        *answered_trio(),  # info, no deadline: last
    ]
    expected = ["D", "C", "B", "A", "R1"]
    for seed in range(5):
        shuffled = orders[:]
        random.Random(seed).shuffle(shuffled)
        result = warn(*shuffled)
        assert [w.order_ids[0] for w in result] == expected
        assert [w.severity for w in result] == [Severity.CRITICAL, Severity.WARNING] + [Severity.INFO] * 3


def answered_trio() -> list[WorkOrder]:
    return [
        answered(f"R{i}", NOW - timedelta(days=i), key="key-9", category=category)
        for i, category in enumerate((Category.CONSULTATION, Category.QUERY, Category.HELP), start=1)
    ]


def test_due_within_is_negative_once_overdue() -> None:
    order = make(state=OrderState.SIGNED, due=NOW + timedelta(hours=3))
    assert due_within(order, NOW) == timedelta(hours=3)
    assert due_within(order, NOW + timedelta(hours=4)) == -timedelta(hours=1)


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(seconds=59), "不足 1 分钟"),
        (timedelta(minutes=45), "45 分钟"),
        (timedelta(hours=2, minutes=15), "2 小时 15 分钟"),
        (timedelta(hours=3), "3 小时"),
        (timedelta(days=1, hours=3, minutes=20), "1 天 3 小时"),
        (-timedelta(hours=2), "2 小时"),
    ],
)
def test_duration_zh(span: timedelta, text: str) -> None:
    assert duration_zh(span) == text


def test_details_are_read_only() -> None:
    w = only(warn(make(state=OrderState.DISPATCHED, sign_due=NOW)))
    with pytest.raises(TypeError):
        w.details["state"] = "x"  # type: ignore[index]


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(InvalidCommand) as excinfo:
        compute_warnings([], now=datetime(2026, 10, 20, 10, 0), rules=RULES)
    assert excinfo.value.code == "naive_datetime"


def test_a_naive_deadline_on_an_order_is_refused_with_our_error() -> None:
    order = make(state=OrderState.DISPATCHED, sign_due=datetime(2026, 10, 20, 12, 0))
    with pytest.raises(InvalidCommand) as excinfo:
        warn(order)
    assert excinfo.value.code == "naive_datetime"


def test_something_other_than_orders_is_refused() -> None:
    with pytest.raises(InvalidCommand) as excinfo:
        compute_warnings(["WO-1"], now=NOW, rules=RULES)  # type: ignore[list-item]
    assert excinfo.value.code == "not_a_work_order"
    with pytest.raises(InvalidCommand):
        compute_warnings([], now=NOW, rules={"due_soon_h": 24})  # type: ignore[arg-type]


def test_no_orders_no_warnings() -> None:
    assert compute_warnings(iter(()), now=NOW, rules=RULES) == []


def test_every_kind_and_severity_has_a_chinese_label() -> None:
    assert all(kind.zh for kind in WarningKind)
    assert [s.zh for s in Severity] == ["提示", "预警", "严重"]
    assert [s.rank for s in Severity] == [0, 1, 2]
