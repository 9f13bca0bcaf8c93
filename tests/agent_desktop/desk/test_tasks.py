"""My tasks around real holidays: orders walked through the real lifecycle and the real working-day calendar
(chinese-calendar: the 2026 National Day holiday is 1–7 October, Saturday 10 October a working day; 25 September,
Mid-Autumn, a holiday)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.privacy import seal_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.work_order import (
    Caller,
    Category,
    Channel,
    CompletionOutcome,
    CompletionReport,
    OrderState,
    Rating,
    ReplyMeans,
    RevisitChannel,
    Urgency,
)
from agent_desktop.core.working_days import WorkingDayCalendar
from agent_desktop.desk.session import OrderNote, Rejection
from agent_desktop.desk.tasks import (
    CentreRejection,
    FailedVisit,
    TaskKind,
    TaskSettings,
    WarningLevel,
    my_tasks,
    working_days_left,
)
from tests.agent_desktop.desk.desk_fixtures import AGENT, CIPHER

CST = ZoneInfo("Asia/Shanghai")
CTX = lc.RuleContext.default()
UNIT = Actor("unit-1", Role.UNIT, unit="岳麓区人民政府")
CENTRE = Actor("sup-1", Role.SUPERVISOR)
DIALER = Actor("dialer", Role.SYSTEM)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def opened(order_id: str, when: datetime, *, anonymous: bool = False, urgency: Urgency = Urgency.NORMAL):
    caller = Caller(phone="13812348000", name="王", is_anonymous=anonymous)
    if anonymous:
        caller = seal_caller(caller, CIPHER, order_id)
    return lc.open_work_order(order_id, channel=Channel.PHONE, actor=AGENT, now=when, caller=caller,
                              category=Category.CONSULTATION, description="公积金提取需要哪些材料", urgency=urgency)


def promised(order_id: str, when: datetime, means: ReplyMeans | None = ReplyMeans.SMS, **kw):
    return lc.apply(opened(order_id, when, **kw), lc.PromiseReply(True, means), AGENT, when, CTX)


def unsatisfied(order_id: str, rated: datetime):
    """Dispatched, signed, completed, then rated 不满意 in the automated visit at `rated`."""
    start = rated - timedelta(days=20)
    order = opened(order_id, start)
    order = lc.apply(order, lc.Dispatch(UNIT.unit), AGENT, start, CTX)
    order = lc.apply(order, lc.Sign(), UNIT, start + timedelta(hours=1), CTX)
    report = CompletionReport("王科长", start + timedelta(days=1), "电话联系", "已说明", CompletionOutcome.EXPLAINED)
    order = lc.apply(order, lc.ReportCompletion(report), UNIT, start + timedelta(days=1, hours=1), CTX)
    return revisiting(order, rated - timedelta(minutes=5), rated)


def revisiting(order, started: datetime, rated: datetime | None = None):
    order = lc.apply(order, lc.StartRevisit(RevisitChannel.AUTOMATED_CALL, "survey-1"), DIALER, started, CTX)
    if rated is not None:
        order = lc.apply(order, lc.RecordRating(Rating.UNSATISFIED, "dtmf:3"), DIALER, rated, CTX)
    return order


def completed(order_id: str, when: datetime):
    start = when - timedelta(days=3)
    order = opened(order_id, start)
    order = lc.apply(order, lc.Dispatch(UNIT.unit), AGENT, start, CTX)
    order = lc.apply(order, lc.Sign(), UNIT, start + timedelta(hours=1), CTX)
    report = CompletionReport("王科长", start + timedelta(days=1), "电话联系", "已说明", CompletionOutcome.EXPLAINED)
    return lc.apply(order, lc.ReportCompletion(report), UNIT, start + timedelta(days=1, hours=1), CTX)


# --- replies promised across National Day ----------------------------------------------------------------------


def test_a_reply_promised_the_day_before_national_day_is_due_on_the_first_working_day_after_it() -> None:
    order = promised("WO-1", at(9, 30, 10))
    assert order.reply_due == at(10, 8, 17, 30)  # 1–7 October are holidays
    (task,) = my_tasks([order], now=at(9, 30, 11), ctx=CTX)
    assert task.kind is TaskKind.REPLY_PROMISED
    assert task.deadline == at(10, 8, 17, 30)
    assert task.working_days_left == 1  # nothing but 8 October counts: the holiday week is not working days
    assert task.level is WarningLevel.OK


@pytest.mark.parametrize(
    ("now", "left", "level"),
    [
        (at(10, 3, 12), 1, WarningLevel.OK),  # mid-holiday: still a whole working day ahead
        (at(10, 7, 20), 1, WarningLevel.OK),  # the last evening of the holiday
        (at(10, 8, 9), 0, WarningLevel.NEAR),  # due today (near_wd 0), 8.5 h left
        (at(10, 8, 14), 0, WarningLevel.NEAR),  # 3.5 h left
        (at(10, 8, 17, 30), 0, WarningLevel.NEAR),  # exactly at the deadline is still on time
        (at(10, 8, 17, 31), 0, WarningLevel.OVERDUE),
        (at(10, 9, 9), -1, WarningLevel.OVERDUE),
        (at(10, 10, 9), -2, WarningLevel.OVERDUE),  # Saturday 10 October is an adjusted working day
        (at(10, 11, 9), -2, WarningLevel.OVERDUE),  # Sunday 11 October is not
    ],
)
def test_the_reply_task_through_the_holiday(now: datetime, left: int, level: WarningLevel) -> None:
    order = promised("WO-1", at(9, 30, 10))
    (task,) = my_tasks([order], now=now, ctx=CTX)
    assert (task.working_days_left, task.level) == (left, level)


def test_near_thresholds_are_configuration() -> None:
    order = promised("WO-1", at(9, 30, 10))
    # 1 working day left on the holiday: near once near_wd is 1
    (task,) = my_tasks([order], now=at(10, 5, 12), ctx=CTX, settings=TaskSettings(near_wd=1))
    assert task.level is WarningLevel.NEAR
    (task,) = my_tasks([order], now=at(10, 5, 12), ctx=CTX, settings=TaskSettings(near_wd=0))
    assert task.level is WarningLevel.OK
    with pytest.raises(InvalidCommand):
        TaskSettings(near_h=-1)
    with pytest.raises(InvalidCommand):
        TaskSettings(rejection_fix_within_wd=0)


def test_hours_alone_make_a_task_near_when_days_do_not() -> None:
    settings = TaskSettings(near_h=20)
    order = promised("WO-1", at(10, 9, 16))  # Friday afternoon → due Saturday 10 October (a working day), 17:30
    assert order.reply_due == at(10, 10, 17, 30)
    (task,) = my_tasks([order], now=at(10, 9, 22), ctx=CTX, settings=settings)
    assert task.working_days_left == 1 and task.level is WarningLevel.NEAR  # 19.5 h left
    (task,) = my_tasks([order], now=at(10, 9, 21), ctx=CTX, settings=settings)
    assert task.level is WarningLevel.OK  # 20.5 h left


def test_a_reply_by_callback_or_three_way_call_is_a_callback_task_the_agent_can_ring() -> None:
    orders = [promised("WO-cb", at(9, 29), ReplyMeans.CALLBACK), promised("WO-3w", at(9, 29), ReplyMeans.THREE_WAY),
              promised("WO-sms", at(9, 29), ReplyMeans.SMS), promised("WO-none", at(9, 29), None)]
    tasks = {t.order_id: t for t in my_tasks(orders, now=at(9, 29, 12), ctx=CTX)}
    assert tasks["WO-cb"].kind is TaskKind.CALLBACK_DUE
    assert tasks["WO-3w"].kind is TaskKind.CALLBACK_DUE
    assert tasks["WO-sms"].kind is TaskKind.REPLY_PROMISED
    assert tasks["WO-none"].kind is TaskKind.REPLY_PROMISED
    assert all(t.can_call_back for t in tasks.values())
    assert all(t.deadline == at(9, 30, 17, 30) for t in tasks.values())


def test_an_anonymous_callers_number_is_shown_masked() -> None:
    (task,) = my_tasks([promised("WO-a", at(9, 29), anonymous=True)], now=at(9, 29, 12), ctx=CTX)
    assert "13812348000" not in task.caller_shown
    assert task.caller_shown.startswith("138") and "*" in task.caller_shown
    (named,) = my_tasks([promised("WO-n", at(9, 29))], now=at(9, 29, 12), ctx=CTX)
    assert named.caller_shown == "13812348000"


# --- manual revisits ---------------------------------------------------------------------------------------------


def test_an_unsatisfied_rating_on_the_eve_of_the_holiday_makes_a_manual_revisit_due_after_it() -> None:
    order = unsatisfied("WO-r", at(9, 30, 16))
    assert order.state is OrderState.MANUAL_REVISIT
    (task,) = my_tasks([order], now=at(10, 6, 10), ctx=CTX)
    assert task.kind is TaskKind.MANUAL_REVISIT
    assert task.deadline == at(10, 8, 17, 30)
    assert task.working_days_left == 1
    assert "不满意" in task.detail


def test_a_failed_automated_visit_makes_a_manual_revisit_due_in_one_working_day_from_the_first_failure() -> None:
    order = revisiting(completed("WO-f", at(9, 24)), at(9, 24, 11))  # Thursday before Mid-Autumn (25 Sept)
    failures = [FailedVisit("WO-f", at(9, 28, 10)), FailedVisit("WO-f", at(9, 24, 11, 1))]
    (task,) = my_tasks([order], now=at(9, 24, 12), ctx=CTX, failed_visits=failures)
    assert task.kind is TaskKind.MANUAL_REVISIT
    assert task.deadline == at(9, 28, 17, 30)  # 25 Sept (Mid-Autumn) and the weekend are skipped
    assert task.detail == "自动回访未接通"


def test_a_failed_visit_of_an_order_rated_since_makes_no_task() -> None:
    order = unsatisfied("WO-r", at(9, 24, 16))  # rated: the state's own revisit task stands, once
    closed = lc.apply(order, lc.ConfirmRating("核实属实"), CENTRE, at(9, 24, 17), CTX)
    fails = [FailedVisit("WO-r", at(9, 24, 15))]
    (task,) = my_tasks([order], now=at(9, 24, 17), ctx=CTX, failed_visits=fails)
    assert task.deadline == order.revisit_due
    assert my_tasks([closed], now=at(9, 24, 18), ctx=CTX, failed_visits=fails) == ()


# --- rejections by the centre ---------------------------------------------------------------------------------


def test_a_step_the_centre_rejected_is_due_within_one_working_day_with_its_article() -> None:
    order = opened("WO-x", at(9, 30, 9))
    rejection = CentreRejection("WO-x", "wrong_state", "工单已由其他坐席派单", "第16条(二)", at(9, 30, 18))
    (task,) = my_tasks([order], now=at(10, 1, 9), ctx=CTX, rejections=[rejection])
    assert task.kind is TaskKind.REJECTED
    assert task.deadline == at(10, 8, 17, 30)
    assert task.article == "第16条(二)" and task.detail == "工单已由其他坐席派单"
    later = CentreRejection("WO-x", "x", "第二次驳回", None, at(10, 8, 9))
    (task,) = my_tasks([order], now=at(10, 8, 10), ctx=CTX, rejections=[later, rejection])
    assert task.detail == "第二次驳回" and task.deadline == at(10, 9, 17, 30)


def test_a_rejection_from_the_desks_notes_without_a_time_takes_the_orders_running_deadline() -> None:
    order = promised("WO-p", at(9, 30, 10))
    note = OrderNote("WO-p", "call-1", OrderState.REPLY_PENDING, rejection=Rejection("c", "驳回", "第13条"))
    rejection = CentreRejection.from_note(note)
    assert rejection is not None and rejection.article == "第13条"
    assert CentreRejection.from_note(OrderNote("WO-q", "call-2", OrderState.INTAKE, acked=True)) is None
    tasks = my_tasks([order], now=at(9, 30, 11), ctx=CTX, rejections=[rejection])
    assert [t.kind for t in tasks] == [TaskKind.REJECTED, TaskKind.REPLY_PROMISED]
    assert all(t.deadline == at(10, 8, 17, 30) for t in tasks)
    (unknown,) = my_tasks([], now=at(9, 30, 11), ctx=CTX, rejections=[CentreRejection("WO-gone", text="驳回")])
    assert unknown.deadline is None and unknown.level is WarningLevel.OK and not unknown.can_call_back


# --- the list -----------------------------------------------------------------------------------------------------


def test_tasks_come_soonest_deadline_first_and_orders_without_tasks_are_left_out() -> None:
    orders = [
        promised("WO-late", at(10, 9, 10)),  # due 10 October
        promised("WO-early", at(9, 28, 10)),  # due 29 September
        opened("WO-intake", at(9, 28, 10)),  # no task
        lc.apply(opened("WO-d", at(9, 28)), lc.Dispatch(UNIT.unit), AGENT, at(9, 28), CTX),  # the unit's job now
        unsatisfied("WO-r", at(9, 29, 10)),  # due 30 September
    ]
    tasks = my_tasks(orders, now=at(9, 29, 12), ctx=CTX,
                     rejections=[CentreRejection("WO-gone", text="驳回")])
    assert [t.order_id for t in tasks] == ["WO-early", "WO-r", "WO-late", "WO-gone"]
    assert [t.level for t in tasks] == [WarningLevel.NEAR, WarningLevel.OK, WarningLevel.OK, WarningLevel.OK]
    assert tasks[0].working_days_left == 0


def test_an_emergency_and_the_summary_are_carried() -> None:
    order = lc.apply(opened("WO-e", at(9, 29)), lc.PromiseReply(True, ReplyMeans.SMS), AGENT, at(9, 29), CTX)
    (task,) = my_tasks([order], now=at(9, 29, 11), ctx=CTX)
    assert task.summary == "咨询·公积金提取需要哪些材料"
    assert not task.is_emergency and task.order_state is OrderState.REPLY_PENDING


def test_the_rule_parameters_set_the_deadlines() -> None:
    rules = RuleParameters(reply_within_wd=2, manual_revisit_within_wd=3)
    ctx = lc.RuleContext(rules, WorkingDayCalendar())
    order = lc.apply(opened("WO-1", at(9, 30)), lc.PromiseReply(True, ReplyMeans.SMS), AGENT, at(9, 30), ctx)
    revisit = revisiting(completed("WO-f", at(9, 29)), at(9, 29, 11))
    tasks = {t.order_id: t for t in my_tasks([order, revisit], now=at(9, 30, 11), ctx=ctx,
                                             failed_visits=[FailedVisit("WO-f", at(9, 30, 10))])}
    assert tasks["WO-1"].deadline == at(10, 9, 17, 30)
    assert tasks["WO-f"].deadline == at(10, 10, 17, 30)  # 8, 9 and Saturday 10 October


def test_working_days_left_counts_only_working_days() -> None:
    deadline = at(10, 12, 17, 30)
    assert working_days_left(deadline, at(9, 30, 8), CTX) == 4  # 8, 9, 10 and 12 October
    assert working_days_left(at(9, 30, 17, 30), at(10, 9, 8), CTX) == -2  # 8 and 9 October


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidCommand):
        my_tasks(["WO-1"], now=at(9, 30), ctx=CTX)  # type: ignore[list-item]
    with pytest.raises(InvalidCommand):
        my_tasks([], now=datetime(2026, 9, 30), ctx=CTX)
    with pytest.raises(InvalidCommand):
        my_tasks([], now=at(9, 30), ctx=CTX, failed_visits=["WO-1"])  # type: ignore[list-item]
