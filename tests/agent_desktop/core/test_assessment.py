"""The monthly unit assessment (第36–37条): who received what by the local month of dispatch, on-time
judgements, rates, satisfaction without upheld appeals, and the CSV and text exports."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.core.assessment import (
    CSV_COLUMNS,
    UnitAssessment,
    assess_unit,
    assess_units,
    assessment_csv,
    assessment_report_text,
    effective_due,
    satisfaction_bar,
    unit_dispatches,
)
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.roles import Role
from agent_desktop.core.work_order import (
    Appeal,
    AppealReason,
    Caller,
    Category,
    Channel,
    ExtensionRequest,
    HistoryEntry,
    OrderState,
    Rating,
    RequestState,
    ReturnRequest,
    WorkOrder,
)

TZ = ZoneInfo("Asia/Shanghai")
A = "岳麓区人民政府"
B = "长沙水业集团"
OCT = {"year": 2026, "month": 10, "zone": TZ}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def entry(
    action: str, when: datetime, *changes: tuple[str, str, str], unit: str | None = None
) -> HistoryEntry:
    role = Role.UNIT if unit else Role.AGENT
    return HistoryEntry(at=when, actor_id="u-1", role=role, action=action, changes=changes, unit=unit)


def dispatched(order_id: str, unit: str, when: datetime, **fields: object) -> WorkOrder:
    """An order dispatched to `unit` at `when`, told by its fields only (no history): the fallback path."""
    base = WorkOrder(
        order_id=order_id,
        channel=Channel.PHONE,
        created_at=when - timedelta(minutes=10),
        state=OrderState.DISPATCHED,
        category=Category.COMPLAINT,
        description="小区停水",
        lead_unit=unit,
        dispatched_at=when,
        sign_due=when + timedelta(days=1),
    )
    return replace(base, **fields)


def returned_order() -> WorkOrder:
    """Dispatched to A, signed by A, returned by A (approved), dispatched to B, signed by B, with the
    history entries `lifecycle.apply` writes for those steps."""
    d1, s1, r1, ok, d2, s2 = (
        at("2026-10-09T10:00"),
        at("2026-10-09T15:00"),
        at("2026-10-10T09:00"),
        at("2026-10-10T11:00"),
        at("2026-10-10T14:00"),
        at("2026-10-12T09:00"),
    )
    a_sign_due, b_sign_due = at("2026-10-10T17:30"), at("2026-10-12T17:30")
    history = (
        entry("open", d1 - timedelta(minutes=10)),
        entry(
            "dispatch",
            d1,
            ("state", "intake", "dispatched"),
            ("lead_unit", "", A),
            ("dispatched_at", "", d1.isoformat()),
            ("sign_due", "", a_sign_due.isoformat()),
        ),
        entry("sign", s1, ("state", "dispatched", "signed"), ("signed_at", "", s1.isoformat()), unit=A),
        entry("request_return", r1, ("state", "signed", "return_requested"), unit=A),
        entry(
            "approve_return",
            ok,
            ("state", "return_requested", "to_dispatch"),
            ("lead_unit", A, ""),
            ("sign_due", a_sign_due.isoformat(), ""),
            ("signed_at", s1.isoformat(), ""),
        ),
        entry(
            "dispatch",
            d2,
            ("state", "to_dispatch", "dispatched"),
            ("lead_unit", "", B),
            ("dispatched_at", "", d2.isoformat()),
            ("sign_due", "", b_sign_due.isoformat()),
        ),
        entry("sign", s2, ("state", "dispatched", "signed"), ("signed_at", "", s2.isoformat()), unit=B),
    )
    return WorkOrder(
        order_id="WO-R",
        channel=Channel.PHONE,
        created_at=d1 - timedelta(minutes=10),
        state=OrderState.SIGNED,
        category=Category.COMPLAINT,
        description="小区停水",
        lead_unit=B,
        dispatched_at=d2,
        sign_due=b_sign_due,
        signed_at=s2,
        due=at("2026-10-26T17:30"),
        returns=(
            ReturnRequest(
                requested_at=r1, unit=A, reason="属于供水企业职责", state=RequestState.APPROVED, decided_at=ok
            ),
        ),
        history=history,
    )


# ---- who received what ---------------------------------------------------------------------------


def test_a_returned_order_counts_for_the_returning_unit_and_the_next_one() -> None:
    order = returned_order()
    a = assess_unit([order], unit=A, **OCT)
    assert (a.received, a.signed, a.signed_on_time) == (1, 1, 1)
    assert (a.return_requests, a.returns_approved, a.return_rate) == (1, 1, 100.0)
    # only the unit holding the order reports and is rated
    assert a.completed == 0
    b = assess_unit([order], unit=B, **OCT)
    assert (b.received, b.signed, b.signed_on_time, b.return_requests) == (1, 1, 1, 0)
    assert b.return_rate == 0.0


def test_unit_dispatches_reads_each_units_own_sign_deadline_from_the_history() -> None:
    first, second = unit_dispatches(returned_order())
    assert (first.unit, first.sign_due, first.signed_at, first.is_current) == (
        A,
        at("2026-10-10T17:30"),
        at("2026-10-09T15:00"),
        False,
    )
    assert (second.unit, second.signed_at, second.is_current) == (B, at("2026-10-12T09:00"), True)


def test_a_coordination_decision_is_a_dispatch() -> None:
    decided = at("2026-10-15T10:00")
    order = dispatched(
        "WO-C",
        B,
        decided,
        history=(
            entry(
                "refer_to_coordination", decided - timedelta(days=2), ("state", "to_dispatch", "coordination")
            ),
            entry(
                "decide_coordination", decided, ("state", "coordination", "dispatched"), ("lead_unit", "", B)
            ),
        ),
    )
    assert assess_unit([order], unit=B, **OCT).received == 1


def test_dispatch_without_history_falls_back_to_the_order_fields() -> None:
    order = dispatched("WO-1", A, at("2026-10-05T09:00"))
    assert [(d.unit, d.at) for d in unit_dispatches(order)] == [(A, at("2026-10-05T09:00"))]
    assert unit_dispatches(replace(order, lead_unit=None, dispatched_at=None)) == ()


def test_an_order_dispatched_twice_to_one_unit_in_a_month_counts_once() -> None:
    d1, d2 = at("2026-10-05T09:00"), at("2026-10-07T09:00")
    order = dispatched(
        "WO-2",
        A,
        d2,
        history=(
            entry("dispatch", d1, ("lead_unit", "", A)),
            entry("approve_return", d1 + timedelta(days=1), ("lead_unit", A, "")),
            entry("dispatch", d2, ("lead_unit", "", A)),
        ),
    )
    assert assess_unit([order], unit=A, **OCT).received == 1


# ---- the month boundary at local midnight --------------------------------------------------------


def test_late_evening_of_the_last_day_counts_in_that_local_month() -> None:
    order = dispatched("WO-M", A, datetime.fromisoformat("2026-10-31T23:30+08:00"))
    assert order.dispatched_at is not None
    assert order.dispatched_at.astimezone(UTC).hour == 15  # 15:30 UTC, same day either way
    assert assess_unit([order], unit=A, **OCT).received == 1
    assert assess_unit([order], unit=A, year=2026, month=11, zone=TZ).received == 0


def test_a_utc_instant_on_the_31st_is_already_november_in_changsha() -> None:
    order = dispatched("WO-N", A, datetime(2026, 10, 31, 16, 0, tzinfo=UTC))  # 2026-11-01 00:00 local
    assert assess_unit([order], unit=A, **OCT).received == 0
    assert assess_unit([order], unit=A, year=2026, month=11, zone=TZ).received == 1


def test_history_dispatch_times_are_judged_in_the_zone_as_well() -> None:
    order = returned_order()
    moved = replace(
        order,
        history=tuple(
            replace(e, at=datetime(2026, 9, 30, 16, 30, tzinfo=UTC))
            if e.action == "dispatch" and A in e.changes[1]
            else e
            for e in order.history
        ),
    )
    assert assess_unit([moved], unit=A, **OCT).received == 1  # 10-01 00:30 local
    assert assess_unit([moved], unit=A, year=2026, month=9, zone=TZ).received == 0


# ---- signing -------------------------------------------------------------------------------------


def test_signing_exactly_at_the_deadline_is_on_time_and_a_second_later_is_not() -> None:
    when = at("2026-10-05T09:00")
    due = when + timedelta(days=1)
    on_time = dispatched("WO-1", A, when, state=OrderState.SIGNED, sign_due=due, signed_at=due)
    late = dispatched(
        "WO-2", A, when, state=OrderState.SIGNED, sign_due=due, signed_at=due + timedelta(seconds=1)
    )
    a = assess_unit([on_time, late], unit=A, **OCT)
    assert (a.signed, a.signed_on_time, a.signed_on_time_pct) == (2, 1, 50.0)


def test_as_of_counts_an_order_left_unsigned_past_its_deadline_as_late() -> None:
    when = at("2026-10-05T09:00")
    signed = dispatched("WO-1", A, when, state=OrderState.SIGNED, signed_at=when + timedelta(hours=1))
    unsigned = dispatched("WO-2", A, when)
    without = assess_unit([signed, unsigned], unit=A, **OCT)
    assert (without.unsigned_overdue, without.signed_on_time_pct) == (0, 100.0)
    judged = assess_unit([signed, unsigned], unit=A, as_of=at("2026-11-02T09:00"), **OCT)
    assert (judged.unsigned_overdue, judged.signed_on_time_pct) == (1, 50.0)
    not_yet = assess_unit([signed, unsigned], unit=A, as_of=when + timedelta(hours=2), **OCT)
    assert not_yet.unsigned_overdue == 0


# ---- completion and extensions (第19–21条) ---------------------------------------------------------


def completed(order_id: str, *, due: datetime, done: datetime, **fields: object) -> WorkOrder:
    when = at("2026-10-05T09:00")
    values: dict[str, object] = {"state": OrderState.COMPLETED, **fields}
    return dispatched(
        order_id, A, when, signed_at=when + timedelta(hours=1), due=due, completed_at=done, **values
    )


def test_an_approved_extension_moves_the_on_time_judgement() -> None:
    due, done = at("2026-10-19T17:30"), at("2026-10-21T10:00")
    extension = ExtensionRequest(
        requested_at=at("2026-10-15T10:00"),
        unit=A,
        working_days=5,
        reason="需检测",
        state=RequestState.APPROVED,
        new_due=at("2026-10-26T17:30"),
    )
    late = completed("WO-1", due=due, done=done)
    # as the lifecycle leaves it: the approval rewrote `due`
    extended = completed("WO-2", due=extension.new_due, done=done, extensions=(extension,))
    refused = completed(
        "WO-3", due=due, done=done, extensions=(replace(extension, state=RequestState.REJECTED),)
    )
    a = assess_unit([late, extended, refused], unit=A, **OCT)
    assert (a.completed, a.completed_on_time) == (3, 1)
    assert a.extension_requests == 2
    assert a.extension_rate == pytest.approx(200 / 3)
    assert effective_due(extended) == at("2026-10-26T17:30")
    assert effective_due(refused) == due


def test_effective_due_when_the_approval_already_rewrote_due() -> None:
    new_due = at("2026-10-26T17:30")
    extension = ExtensionRequest(
        requested_at=at("2026-10-15T10:00"),
        unit=A,
        working_days=5,
        reason="需检测",
        state=RequestState.APPROVED,
        new_due=new_due,
    )
    order = completed("WO-1", due=new_due, done=at("2026-10-26T17:30"), extensions=(extension,))
    assert effective_due(order) == new_due
    assert assess_unit([order], unit=A, **OCT).completed_on_time == 1


def test_as_of_counts_an_order_still_being_handled_past_its_due_as_late() -> None:
    when = at("2026-10-05T09:00")
    overdue = dispatched("WO-1", A, when, state=OrderState.SIGNED, signed_at=when, due=at("2026-10-19T17:30"))
    done = completed("WO-2", due=at("2026-10-19T17:30"), done=at("2026-10-18T10:00"))
    a = assess_unit([overdue, done], unit=A, as_of=at("2026-11-01T09:00"), **OCT)
    assert (a.completed, a.completed_on_time, a.uncompleted_overdue, a.completed_on_time_pct) == (
        1,
        1,
        1,
        50.0,
    )
    assert assess_unit([overdue, done], unit=A, **OCT).completed_on_time_pct == 100.0


# ---- satisfaction and appeals (第26–27条) ----------------------------------------------------------


def test_an_upheld_appeal_takes_the_rating_out_of_satisfaction() -> None:
    done = at("2026-10-10T10:00")
    due = at("2026-10-19T17:30")
    satisfied = completed("WO-1", due=due, done=done, state=OrderState.CLOSED, rating=Rating.SATISFIED)
    basically = completed(
        "WO-2", due=due, done=done, state=OrderState.CLOSED, rating=Rating.BASICALLY_SATISFIED
    )
    unsatisfied = completed("WO-3", due=due, done=done, state=OrderState.CLOSED, rating=Rating.UNSATISFIED)
    upheld = completed(
        "WO-4",
        due=due,
        done=done,
        state=OrderState.CLOSED,
        rating=Rating.UNSATISFIED,
        rating_excluded=True,
        appeals=(
            Appeal(
                filed_at=done,
                unit=A,
                reason=AppealReason.NEW_DEMANDS_AT_VISIT,
                evidence=("rec.wav",),
                state=RequestState.APPROVED,
            ),
        ),
    )
    a = assess_unit([satisfied, basically, unsatisfied, upheld], unit=A, **OCT)
    assert (a.rated, a.satisfied, a.basically_satisfied, a.unsatisfied) == (3, 1, 1, 1)
    assert a.satisfaction_pct == pytest.approx(200 / 3)
    assert a.appeals_upheld == 1
    rejected = replace(
        upheld, rating_excluded=False, appeals=(replace(upheld.appeals[0], state=RequestState.REJECTED),)
    )
    b = assess_unit([satisfied, basically, unsatisfied, rejected], unit=A, **OCT)
    assert (b.rated, b.unsatisfied, b.appeals_upheld, b.satisfaction_pct) == (4, 2, 0, 50.0)


# ---- leader seats (第30条), knowledge base (第36条), zeros -------------------------------------------


def test_leader_seat_calls_count_by_the_month_the_call_was_taken() -> None:
    october = WorkOrder(
        order_id="WO-L1",
        channel=Channel.PHONE,
        created_at=at("2026-10-08T10:00"),
        state=OrderState.ANSWERED_ON_LINE,
        taken_by_unit=A,
    )
    september = replace(october, order_id="WO-L2", created_at=at("2026-09-30T23:59"))
    a = assess_unit([october, september], unit=A, **OCT)
    assert (a.leader_seat_calls, a.received) == (1, 0)


def test_knowledge_entries_come_from_the_mapping_and_default_to_zero() -> None:
    order = dispatched("WO-1", A, at("2026-10-05T09:00"))
    assert assess_unit([order], unit=A, knowledge_updates={A: 7}, **OCT).knowledge_entries_updated == 7
    assert assess_unit([order], unit=A, **OCT).knowledge_entries_updated == 0


def test_nothing_to_judge_gives_none_never_a_division_by_zero() -> None:
    a = assess_unit([], unit=A, **OCT)
    assert a == UnitAssessment(
        unit=A,
        period="2026-10",
        received=0,
        signed=0,
        signed_on_time=0,
        unsigned_overdue=0,
        signed_on_time_pct=None,
        completed=0,
        completed_on_time=0,
        uncompleted_overdue=0,
        completed_on_time_pct=None,
        return_requests=0,
        returns_approved=0,
        return_rate=None,
        extension_requests=0,
        extension_rate=None,
        rated=0,
        satisfied=0,
        basically_satisfied=0,
        unsatisfied=0,
        satisfaction_pct=None,
        appeals_upheld=0,
        leader_seat_calls=0,
        knowledge_entries_updated=0,
    )


def test_assess_units_lists_every_unit_seen_sorted_with_idle_ones_at_zero() -> None:
    september = dispatched("WO-S", "市住建局", at("2026-09-10T09:00"), co_units=("市城管执法局",))
    rows = assess_units([returned_order(), september], knowledge_updates={"市教育局": 2}, **OCT)
    assert [r.unit for r in rows] == sorted([A, B, "市住建局", "市城管执法局", "市教育局"])
    by_unit = {r.unit: r for r in rows}
    assert by_unit["市住建局"].received == 0
    assert by_unit["市教育局"].knowledge_entries_updated == 2
    assert by_unit[A].received == by_unit[B].received == 1
    assert all(r.period == "2026-10" for r in rows)


def test_assess_units_agrees_with_assess_unit() -> None:
    orders = [returned_order(), dispatched("WO-1", A, at("2026-10-05T09:00"))]
    for row in assess_units(orders, **OCT):
        assert row == assess_unit(orders, unit=row.unit, **OCT)


# ---- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"year": 2026, "month": 13, "zone": TZ}, "bad_period"),
        ({"year": 2026, "month": 0, "zone": TZ}, "bad_period"),
        ({"year": "2026", "month": 10, "zone": TZ}, "bad_period"),
        ({"year": 2026, "month": 10, "zone": "Asia/Shanghai"}, "bad_zone"),
        ({**OCT, "knowledge_updates": {A: -1}}, "bad_knowledge"),
        ({**OCT, "knowledge_updates": {A: 1.5}}, "bad_knowledge"),
        ({**OCT, "knowledge_updates": {"": 1}}, "bad_knowledge"),
        ({**OCT, "as_of": datetime(2026, 11, 1)}, "naive_datetime"),
    ],
)
def test_bad_arguments_are_refused_with_a_code(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidCommand) as excinfo:
        assess_units([], **kwargs)  # type: ignore[arg-type]
    assert excinfo.value.code == code


def test_bad_unit_and_bad_orders_are_refused() -> None:
    with pytest.raises(InvalidCommand) as excinfo:
        assess_unit([], unit=" ", **OCT)
    assert excinfo.value.code == "bad_unit"
    with pytest.raises(InvalidCommand) as excinfo:
        assess_unit([{"order_id": "x"}], unit=A, **OCT)  # type: ignore[list-item]
    assert excinfo.value.code == "not_a_work_order"


def test_a_naive_time_in_an_order_is_refused_with_our_error() -> None:
    order = dispatched("WO-1", A, datetime(2026, 10, 5, 9, 0))
    with pytest.raises(InvalidCommand) as excinfo:
        assess_units([order], **OCT)
    assert excinfo.value.code == "naive_datetime"


# ---- exports -------------------------------------------------------------------------------------


def sample_rows() -> list[UnitAssessment]:
    due, done = at("2026-10-19T17:30"), at("2026-10-10T10:00")
    person = Caller(name="张三", phone="13800138000", address="岳麓区某小区 3 栋")
    orders = [
        returned_order(),
        *(
            completed(f"WO-{i}", due=due, done=done, state=OrderState.CLOSED, rating=rating, caller=person)
            for i, rating in enumerate(
                (Rating.SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED)
            )
        ),
    ]
    return assess_units(orders, knowledge_updates={A: 3}, **OCT)


def test_csv_parses_back_with_chinese_headers_and_the_figures() -> None:
    text = assessment_csv(sample_rows())
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert header == [name for name, _ in CSV_COLUMNS]
    assert header[:3] == ["单位", "月份", "受理派单数"]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in reader}
    assert set(rows) == {A, B}
    a = rows[A]
    assert a["月份"] == "2026-10"
    assert a["受理派单数"] == "5"
    assert a["退回申请数"] == "1"
    assert a["退回率(%)"] == "20.0"
    assert a["满意率(%)"] == "75.0"
    assert a["知识库更新条数"] == "3"
    assert rows[B]["满意率(%)"] == ""  # nothing rated: empty, not 0
    assert rows[B]["按时办结率(%)"] == ""


def test_csv_carries_no_personal_data() -> None:
    text = assessment_csv(sample_rows())
    for secret in ("张三", "13800138000", "某小区"):
        assert secret not in text


def test_csv_neutralises_a_formula_in_a_unit_name() -> None:
    rows = assess_units([dispatched("WO-1", "=HYPERLINK(1)", at("2026-10-05T09:00"))], **OCT)
    parsed = list(csv.reader(io.StringIO(assessment_csv(rows))))
    assert parsed[1][0] == "'=HYPERLINK(1)"


def test_csv_of_nothing_is_the_header_alone() -> None:
    assert list(csv.reader(io.StringIO(assessment_csv([])))) == [[name for name, _ in CSV_COLUMNS]]


def test_report_text_has_each_unit_and_a_satisfaction_bar() -> None:
    text = assessment_report_text(sample_rows())
    assert "月度考核(2026-10)" in text
    assert f"【{A}】2026-10" in text
    assert "满意率 75.0%" in text
    bar_line = next(line for line in text.splitlines() if line.strip().startswith(A) and "█" in line)
    assert bar_line.count("█") == 15
    assert bar_line.count("░") == 5
    assert "(无参评)" in text
    assert "张三" not in text


def test_report_text_without_rows_says_so() -> None:
    assert "无考核数据" in assessment_report_text([])


@pytest.mark.parametrize(("pct", "full"), [(0.0, 0), (2.4, 0), (2.6, 1), (50.0, 10), (100.0, 20)])
def test_satisfaction_bar_rounds_to_whole_blocks(pct: float, full: int) -> None:
    bar = satisfaction_bar(pct)
    assert (bar.count("█"), len(bar)) == (full, 20)


def test_an_unreadable_sign_deadline_in_the_history_falls_back_to_the_order() -> None:
    when = at("2026-10-05T09:00")
    order = dispatched("WO-1", A, when, history=(entry("dispatch", when, ("lead_unit", "", A), ("sign_due", "", "?")),))
    assert unit_dispatches(order)[0].sign_due == order.sign_due


def test_the_orders_own_signing_completes_the_last_dispatch_only_when_it_is_newer() -> None:
    d1, s1, d2 = at("2026-10-05T09:00"), at("2026-10-05T11:00"), at("2026-10-06T09:00")
    history = (
        entry("dispatch", d1, ("lead_unit", "", A)),
        entry("sign", s1, unit=A),
        entry("approve_return", d1 + timedelta(hours=5), ("lead_unit", A, "")),
        entry("dispatch", d2, ("lead_unit", "", B)),
    )
    stale = dispatched("WO-1", B, d2, signed_at=s1, history=history)  # A's signing left on the order
    assert unit_dispatches(stale)[-1].signed_at is None
    fresh = replace(stale, signed_at=d2 + timedelta(hours=2), state=OrderState.SIGNED)
    assert unit_dispatches(fresh)[-1].signed_at == d2 + timedelta(hours=2)
    assert assess_unit([fresh], unit=B, **OCT).signed == 1


def test_completion_and_rating_count_only_for_the_unit_holding_the_order() -> None:
    order = replace(
        returned_order(), state=OrderState.CLOSED, completed_at=at("2026-10-20T10:00"), rating=Rating.SATISFIED
    )
    a = assess_unit([order], unit=A, **OCT)
    b = assess_unit([order], unit=B, **OCT)
    assert (a.completed, a.rated, a.satisfaction_pct) == (0, 0, None)
    assert (b.completed, b.completed_on_time, b.rated, b.satisfaction_pct) == (1, 1, 1, 100.0)
