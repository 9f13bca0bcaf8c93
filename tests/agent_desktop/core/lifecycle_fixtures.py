"""Builders shared by the lifecycle tests: actors, a rule context, and orders walked into any state through the
real `apply` (never constructed by hand), each with a valid command for every action of the table."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import (
    AppealReason,
    CallLink,
    Category,
    Channel,
    CompletionOutcome,
    CompletionReport,
    NotAcceptedReason,
    OrderState,
    Rating,
    ReplyMeans,
    RevisitChannel,
    SupervisionMeans,
    SupervisionTrigger,
    Urgency,
    WorkOrder,
)

TZ = ZoneInfo("Asia/Shanghai")
CTX = lc.RuleContext.default()
LEAD = "岳麓区人民政府"
OTHER_UNIT = "长沙水业集团"

AGENT = Actor("agent-007", Role.AGENT, seat="A07")
LEADER = Actor("leader-1", Role.LEADER_SEAT, unit="市住建局", seat="L01")
SUPERVISOR = Actor("sup-1", Role.SUPERVISOR)
SYSTEM = Actor("survey-dialer", Role.SYSTEM)
UNIT_LEAD = Actor("unit-yl", Role.UNIT, unit=LEAD)
UNIT_OTHER = Actor("unit-water", Role.UNIT, unit=OTHER_UNIT)
ALL_ACTORS = (AGENT, LEADER, SUPERVISOR, SYSTEM, UNIT_LEAD)

# Monday 2026-09-28 10:00 in Changsha: the Mid-Autumn holiday (09-25) is behind, National Day (10-01..07) ahead.
T0 = datetime(2026, 9, 28, 10, 0, tzinfo=TZ)


def at(day: str, clock: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ)


def opened(*, urgency: Urgency = Urgency.NORMAL, category: Category = Category.COMPLAINT,
           now: datetime = T0) -> WorkOrder:
    order = lc.open_work_order("WO-1", channel=Channel.PHONE, actor=AGENT, now=now,
                               call=CallLink("1727488800.11", linkedid="1727488800.11"))
    return lc.apply(order, lc.EditFields({"category": category, "district": "岳麓区", "street": "望月湖街道",
                                           "description": "小区夜间施工噪音扰民", "urgency": urgency}),
                    AGENT, now, CTX)


def step(order: WorkOrder, command: lc.Command, actor: Actor, now: datetime) -> WorkOrder:
    return lc.apply(order, command, actor, now, CTX)


def report(now: datetime, outcome: CompletionOutcome = CompletionOutcome.SOLVED) -> CompletionReport:
    return CompletionReport(handled_by="岳麓区望月湖街道办事处", handled_at=now,
                            process="现场核查并约谈施工单位", result="已责令夜间停止施工", outcome=outcome)


def walk(state: OrderState) -> tuple[WorkOrder, datetime]:
    """An order in `state` and a time at which the next step is within every window."""
    order = opened()
    now = T0
    if state is OrderState.INTAKE:
        return order, now
    if state is OrderState.NOT_ACCEPTED:
        return step(order, lc.NotAccept(NotAcceptedReason.OUTSIDE_JURISDICTION), AGENT, now), now
    if state is OrderState.ANSWERED_ON_LINE:
        return step(order, lc.AnswerOnLine("按信息库答复", "KB-1"), AGENT, now), now
    if state in (OrderState.REPLY_PENDING, OrderState.REPLIED):
        order = step(order, lc.PromiseReply(caller_consents=True, means=ReplyMeans.CALLBACK), AGENT, now)
        if state is OrderState.REPLY_PENDING:
            return order, now
        now = at("2026-09-28", "15:00")
        return step(order, lc.RecordReply(ReplyMeans.CALLBACK, "已回电答复"), AGENT, now), now
    order = step(order, lc.Dispatch(LEAD, ("市城管执法局",)), AGENT, now)
    if state is OrderState.DISPATCHED:
        return order, now
    now = at("2026-09-29", "09:00")
    order = step(order, lc.Sign(), UNIT_LEAD, now)
    if state is OrderState.SIGNED:
        return order, now
    if state in (OrderState.RETURN_REQUESTED, OrderState.TO_DISPATCH, OrderState.COORDINATION):
        order = step(order, lc.RequestReturn("不属于本单位职责"), UNIT_LEAD, now)
        if state is OrderState.RETURN_REQUESTED:
            return order, now
        if state is OrderState.TO_DISPATCH:
            return step(order, lc.ApproveReturn("同意退回"), SUPERVISOR, now), now
        return step(order, lc.ReferToCoordination("职责不清"), SUPERVISOR, now), now
    if state is OrderState.EXTENSION_REQUESTED:
        return step(order, lc.RequestExtension(5, "需协调施工单位"), UNIT_LEAD, now), now
    now = at("2026-10-12")
    order = step(order, lc.ReportCompletion(report(now)), UNIT_LEAD, now)
    if state is OrderState.COMPLETED:
        return order, now
    order = step(order, lc.StartRevisit(RevisitChannel.AUTOMATED_CALL), SYSTEM, now)
    if state is OrderState.REVISITING:
        return order, now
    now = now + timedelta(hours=2)
    order = step(order, lc.RecordRating(Rating.UNSATISFIED, "dtmf:3"), SYSTEM, now)
    if state is OrderState.MANUAL_REVISIT:
        return order, now
    order = step(order, lc.ConfirmRating("回访核实不满意"), SUPERVISOR, now)
    if state is OrderState.CLOSED:
        return order, now
    order = step(order, lc.FileAppeal(AppealReason.NEW_DEMANDS_AT_VISIT, ("recording-0931.wav",)), UNIT_LEAD, now)
    assert state is OrderState.APPEALED
    return order, now


def valid_command(action: lc.Action, order: WorkOrder, now: datetime) -> tuple[lc.Command, datetime]:
    """A command for `action` that the rules allow on `order` at the returned time."""
    if action is lc.Action.RATING_TIMEOUT:
        assert order.rating_deadline is not None
        return lc.RatingTimeout(), order.rating_deadline
    if action is lc.Action.OPEN_SUPERVISION:
        return lc.OpenSupervision(SupervisionTrigger.MEDIA_EXPOSURE, SupervisionMeans.LETTER, "媒体曝光"), now
    if action is lc.Action.ESCALATE_SUPERVISION:
        raise LookupError("needs an open supervision: see test_escalation")
    if action is lc.Action.CLOSE_SUPERVISION:
        raise LookupError("needs an open supervision: see test_supervision_records")
    commands: dict[lc.Action, lc.Command] = {
        lc.Action.EDIT: lc.EditFields({"address": "银盆岭街道某小区"}),
        lc.Action.LINK_CALL: lc.LinkCall(CallLink("1727490000.99", recording="rec-99.wav")),
        lc.Action.NOT_ACCEPT: lc.NotAccept(NotAcceptedReason.OTHER_LEGAL_CHANNEL),
        lc.Action.ANSWER_ON_LINE: lc.AnswerOnLine("按信息库答复", "KB-12"),
        lc.Action.PROMISE_REPLY: lc.PromiseReply(caller_consents=True),
        lc.Action.RECORD_REPLY: lc.RecordReply(ReplyMeans.SMS, "短信答复办理指南"),
        lc.Action.DISPATCH: lc.Dispatch(LEAD),
        lc.Action.SIGN: lc.Sign(),
        lc.Action.REQUEST_RETURN: lc.RequestReturn("属于市住建局职责"),
        lc.Action.APPROVE_RETURN: lc.ApproveReturn(),
        lc.Action.REJECT_RETURN: lc.RejectReturn("属于属地职责"),
        lc.Action.REFER_TO_COORDINATION: lc.ReferToCoordination("区与部门职责争议"),
        lc.Action.DECIDE_COORDINATION: lc.DecideCoordination(LEAD, ("夜间施工",), basis="市政府协调会议纪要"),
        lc.Action.REQUEST_EXTENSION: lc.RequestExtension(3, "需第三方检测"),
        lc.Action.APPROVE_EXTENSION: lc.ApproveExtension(),
        lc.Action.REJECT_EXTENSION: lc.RejectExtension(),
        lc.Action.RECORD_RESPONSE: lc.RecordResponse("已电话联系诉求人并约定上门时间"),
        lc.Action.REPORT_COMPLETION: lc.ReportCompletion(report(now)),
        lc.Action.START_REVISIT: lc.StartRevisit(),
        lc.Action.RECORD_RATING: lc.RecordRating(Rating.SATISFIED, "dtmf:1"),
        lc.Action.FAIL_AUTOMATED_VISIT: lc.FailAutomatedVisit("空号", "survey-13800138000-1.wav"),
        lc.Action.CONFIRM_RATING: lc.ConfirmRating(),
        lc.Action.CHANGE_RATING: lc.ChangeRating(Rating.BASICALLY_SATISFIED, "回访核实已解决"),
        lc.Action.SEND_BACK_FOR_REDO: lc.SendBackForRedo("办理结果与实际不符"),
        lc.Action.FILE_APPEAL: lc.FileAppeal(AppealReason.DIFFERS_FROM_RECORDING, ("rec.wav",)),
        lc.Action.DECIDE_APPEAL: lc.DecideAppeal(upheld=True),
    }
    return commands[action], now


def allowed_actor(transition: lc.Transition, order: WorkOrder) -> Actor:
    for actor in (AGENT, SUPERVISOR, SYSTEM, UNIT_LEAD, LEADER):
        if actor.role in transition.roles:
            return actor
    raise AssertionError(transition)
