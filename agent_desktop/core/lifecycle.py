"""The work order's lifecycle: an explicit transition table and the one function that moves an order, `apply`.

Theory of operation
-------------------
A work order (工作流转单) is opened by the seat that takes the call (`open_work_order`) in INTAKE. From there it
ends at once — not accepted with one of the eight reasons of 第13条 (NOT_ACCEPTED), answered on line from the
knowledge base (ANSWERED_ON_LINE) — or it waits for a reply promised within 1 WD (REPLY_PENDING → REPLIED), or it
is dispatched (派单) to one lead unit and any co-units (DISPATCHED).

The lead unit signs by the end of the next WD (SIGNED; the handling limit of 第19条 starts then). Within 2 WD of
signing it may ask to return the order (RETURN_REQUESTED); the center approves (TO_DISPATCH: responsibility is
defined again and the order re-dispatched, or sent to the city government's coordination, COORDINATION, whose
decision dispatches it and binds later matters of the same kind, 第23条) or rejects (back to SIGNED, deadlines
unchanged). Before the due time the unit may ask once for an extension (EXTENSION_REQUESTED → SIGNED with the due
moved on, or unchanged when rejected). The unit reports completion (COMPLETED) with body, time, process and result
(第22条); the return visit follows (REVISITING): satisfied or basically satisfied closes the order (CLOSED), no
rating within 72 clock hours of the first automated attempt counts as basically satisfied, and unsatisfied sends it
to a manual revisit within 1 WD (MANUAL_REVISIT), where the visitor confirms the rating, changes it with a reason,
or sends the order back to the unit for redo (发回重办, back to SIGNED with a new limit). A closed unsatisfied order
may be appealed by its lead unit within 5 WD (APPEALED); an upheld appeal takes the rating out of the unit's score.

Beside the states, supervision records (督办, 第34–35条) are opened, escalated and closed on any live order, and
every step may link calls. Emergency orders (紧急, 第16条) use clock-hour sign and response limits.

`apply(order, command, actor, now, ctx)` looks the (state, action) pair up in `TRANSITIONS`, checks the actor's
role (and, for a unit, that it is the order's lead unit), runs the step's own checks of the regulation's time
windows, and returns a new order with one more history entry recording who did what and what changed. Anything
not allowed raises `TransitionRefused` naming the rule and the deadline, and the order is left as it was (values
are immutable: there is nothing to roll back). Malformed commands raise `InvalidCommand`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from agent_desktop.core.errors import InvalidCommand, PrivacyError, TransitionRefused
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.validation import bad_value, field_hints, normalise, normalise_dataclass
from agent_desktop.core.work_order import (
    AUTOMATIC_SUPERVISION_TRIGGERS,
    Appeal,
    AppealReason,
    Caller,
    CallKind,
    CallLink,
    Category,
    Channel,
    CompletionOutcome,
    CompletionReport,
    Coordination,
    CoordinationDecision,
    ExtensionRequest,
    HistoryEntry,
    NotAcceptedReason,
    OrderState,
    Rating,
    ReplyMeans,
    RequestState,
    ReturnRequest,
    RevisitChannel,
    RevisitRecord,
    SupervisionMeans,
    SupervisionRecord,
    SupervisionTrigger,
    Urgency,
    WorkOrder,
    describe,
    describe_caller,
)
from agent_desktop.core.working_days import WorkingDayCalendar, require_aware


class Action(StrEnum):
    OPEN = "open"
    EDIT = "edit"
    LINK_CALL = "link_call"
    NOT_ACCEPT = "not_accept"
    ANSWER_ON_LINE = "answer_on_line"
    PROMISE_REPLY = "promise_reply"
    RECORD_REPLY = "record_reply"
    DISPATCH = "dispatch"
    SIGN = "sign"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"
    REFER_TO_COORDINATION = "refer_to_coordination"
    DECIDE_COORDINATION = "decide_coordination"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    RECORD_RESPONSE = "record_response"
    REPORT_COMPLETION = "report_completion"
    START_REVISIT = "start_revisit"
    RECORD_RATING = "record_rating"
    RATING_TIMEOUT = "rating_timeout"
    FAIL_AUTOMATED_VISIT = "fail_automated_visit"
    CONFIRM_RATING = "confirm_rating"
    CHANGE_RATING = "change_rating"
    SEND_BACK_FOR_REDO = "send_back_for_redo"
    FILE_APPEAL = "file_appeal"
    DECIDE_APPEAL = "decide_appeal"
    OPEN_SUPERVISION = "open_supervision"
    ESCALATE_SUPERVISION = "escalate_supervision"
    CLOSE_SUPERVISION = "close_supervision"


_ACTION_ZH = {
    "open": "受理登记",
    "edit": "修改工单",
    "link_call": "关联通话",
    "not_accept": "不予受理",
    "answer_on_line": "在线答复",
    "promise_reply": "承诺答复",
    "record_reply": "答复诉求人",
    "dispatch": "派单",
    "sign": "签收",
    "request_return": "申请退回",
    "approve_return": "同意退回",
    "reject_return": "驳回退回",
    "refer_to_coordination": "提请协调",
    "decide_coordination": "协调定责",
    "request_extension": "申请延期",
    "approve_extension": "同意延期",
    "reject_extension": "驳回延期",
    "record_response": "紧急响应",
    "report_completion": "办结反馈",
    "start_revisit": "发起回访",
    "record_rating": "回访评价",
    "rating_timeout": "超时视为基本满意",
    "fail_automated_visit": "自动回访失败转人工",
    "confirm_rating": "人工回访确认",
    "change_rating": "人工回访更正",
    "send_back_for_redo": "发回重办",
    "file_appeal": "提出申诉",
    "decide_appeal": "申诉审核",
    "open_supervision": "督办",
    "escalate_supervision": "督办升级",
    "close_supervision": "督办办结",
    "reveal_personal_data": "查看加密信息",
    "reveal_refused": "拒绝查看加密信息",
}


def action_zh(action: str) -> str:
    """The Chinese name of a history entry's action, for screens and reports (unknown names are shown as given)."""
    return _ACTION_ZH.get(action, action)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a step needs besides the order: the parameters in force and the working-day calendar."""

    rules: RuleParameters
    calendar: WorkingDayCalendar

    @classmethod
    def default(cls) -> RuleContext:
        rules = RuleParameters()
        return cls(rules, WorkingDayCalendar(office_close=rules.office_close, timezone=rules.timezone))


# --- commands -------------------------------------------------------------------------------------------------


class Command:
    """A request to take one step. Each command class names its action."""

    action: ClassVar[Action]


@dataclass(frozen=True, slots=True)
class EditFields(Command):
    """Change the matter's fields during intake (or, for the center, before re-dispatch)."""

    action: ClassVar[Action] = Action.EDIT
    changes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LinkCall(Command):
    action: ClassVar[Action] = Action.LINK_CALL
    call: CallLink


@dataclass(frozen=True, slots=True)
class NotAccept(Command):
    action: ClassVar[Action] = Action.NOT_ACCEPT
    reason: NotAcceptedReason | None
    basis: str | None = None  # defaults to the regulation's own words for the reason


@dataclass(frozen=True, slots=True)
class AnswerOnLine(Command):
    action: ClassVar[Action] = Action.ANSWER_ON_LINE
    answer: str
    kb_answer_ref: str | None = None


@dataclass(frozen=True, slots=True)
class PromiseReply(Command):
    action: ClassVar[Action] = Action.PROMISE_REPLY
    caller_consents: bool
    means: ReplyMeans | None = None


@dataclass(frozen=True, slots=True)
class RecordReply(Command):
    action: ClassVar[Action] = Action.RECORD_REPLY
    means: ReplyMeans
    text: str


@dataclass(frozen=True, slots=True)
class Dispatch(Command):
    action: ClassVar[Action] = Action.DISPATCH
    lead_unit: str
    co_units: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sign(Command):
    action: ClassVar[Action] = Action.SIGN


@dataclass(frozen=True, slots=True)
class RequestReturn(Command):
    action: ClassVar[Action] = Action.REQUEST_RETURN
    reason: str


@dataclass(frozen=True, slots=True)
class ApproveReturn(Command):
    action: ClassVar[Action] = Action.APPROVE_RETURN
    note: str = ""


@dataclass(frozen=True, slots=True)
class RejectReturn(Command):
    action: ClassVar[Action] = Action.REJECT_RETURN
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReferToCoordination(Command):
    action: ClassVar[Action] = Action.REFER_TO_COORDINATION
    reason: str


@dataclass(frozen=True, slots=True)
class DecideCoordination(Command):
    action: ClassVar[Action] = Action.DECIDE_COORDINATION
    lead_unit: str
    keywords: tuple[str, ...]
    co_units: tuple[str, ...] = ()
    category: Category | None = None
    district: str | None = None
    basis: str = ""


@dataclass(frozen=True, slots=True)
class RequestExtension(Command):
    action: ClassVar[Action] = Action.REQUEST_EXTENSION
    working_days: int
    reason: str


@dataclass(frozen=True, slots=True)
class ApproveExtension(Command):
    action: ClassVar[Action] = Action.APPROVE_EXTENSION
    note: str = ""


@dataclass(frozen=True, slots=True)
class RejectExtension(Command):
    action: ClassVar[Action] = Action.REJECT_EXTENSION
    note: str = ""


@dataclass(frozen=True, slots=True)
class RecordResponse(Command):
    """第16条: the unit contacted the caller or went on site; `how` says which, and what was done."""

    action: ClassVar[Action] = Action.RECORD_RESPONSE
    how: str


@dataclass(frozen=True, slots=True)
class ReportCompletion(Command):
    action: ClassVar[Action] = Action.REPORT_COMPLETION
    report: CompletionReport


@dataclass(frozen=True, slots=True)
class StartRevisit(Command):
    action: ClassVar[Action] = Action.START_REVISIT
    channel: RevisitChannel = RevisitChannel.AUTOMATED_CALL
    evidence: str | None = None  # e.g. the survey call's uniqueid


@dataclass(frozen=True, slots=True)
class RecordRating(Command):
    action: ClassVar[Action] = Action.RECORD_RATING
    rating: Rating
    evidence: str | None = None  # recording name, DTMF log, SMS reply


@dataclass(frozen=True, slots=True)
class RatingTimeout(Command):
    action: ClassVar[Action] = Action.RATING_TIMEOUT


@dataclass(frozen=True, slots=True)
class FailAutomatedVisit(Command):
    """The automated visit cannot reach the caller at all (空号, 停机): a manual revisit within 1 WD instead."""

    action: ClassVar[Action] = Action.FAIL_AUTOMATED_VISIT
    reason: str
    evidence: str | None = None  # the recording of the failed call


@dataclass(frozen=True, slots=True)
class ConfirmRating(Command):
    """The manual visitor confirms the unsatisfied rating. `unit_at_fault` is the visitor's judgement (第34条(三))."""

    action: ClassVar[Action] = Action.CONFIRM_RATING
    note: str = ""
    unit_at_fault: bool = True
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeRating(Command):
    action: ClassVar[Action] = Action.CHANGE_RATING
    rating: Rating
    reason: str
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class SendBackForRedo(Command):
    action: ClassVar[Action] = Action.SEND_BACK_FOR_REDO
    reason: str


@dataclass(frozen=True, slots=True)
class FileAppeal(Command):
    action: ClassVar[Action] = Action.FILE_APPEAL
    reason: AppealReason
    evidence: tuple[str, ...]
    statement: str = ""


@dataclass(frozen=True, slots=True)
class DecideAppeal(Command):
    action: ClassVar[Action] = Action.DECIDE_APPEAL
    upheld: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class OpenSupervision(Command):
    action: ClassVar[Action] = Action.OPEN_SUPERVISION
    trigger: SupervisionTrigger
    means: SupervisionMeans
    note: str = ""
    deadline: datetime | None = None  # default: supervision_limit_wd from now


@dataclass(frozen=True, slots=True)
class EscalateSupervision(Command):
    action: ClassVar[Action] = Action.ESCALATE_SUPERVISION
    record_id: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class CloseSupervision(Command):
    action: ClassVar[Action] = Action.CLOSE_SUPERVISION
    record_id: str
    outcome: str


# --- the transition table ---------------------------------------------------------------------------------------

S = OrderState
SEATS = frozenset({Role.AGENT, Role.LEADER_SEAT})
CENTER = frozenset({Role.SUPERVISOR})
UNIT = frozenset({Role.UNIT})
SEATS_AND_CENTER = SEATS | CENTER
AUTOMATION_AND_CENTER = frozenset({Role.SYSTEM, Role.SUPERVISOR})
# the survey dialer's user: the visit's steps and nothing else (the 72-hour timeout is the centre's clock's)
SURVEY_AND_CENTER = AUTOMATION_AND_CENTER | {Role.SURVEY}
ANYONE_ON_THE_ORDER = SEATS | CENTER | UNIT | {Role.SYSTEM}

# Steps only the lead unit of the order may take (第16条: the lead handles and reports).
LEAD_UNIT_ACTIONS = frozenset(
    {Action.SIGN, Action.REQUEST_RETURN, Action.REQUEST_EXTENSION, Action.RECORD_RESPONSE, Action.REPORT_COMPLETION,
     Action.FILE_APPEAL}
)


@dataclass(frozen=True, slots=True)
class Transition:
    source: OrderState
    action: Action
    roles: frozenset[Role]
    targets: frozenset[OrderState]  # the step's handler chooses among these; a record step keeps the source
    article: str


def _t(source: S, action: Action, roles: frozenset[Role], article: str, *targets: S) -> Transition:
    return Transition(source, action, roles, frozenset(targets or (source,)), article)


_LIVE = (S.DISPATCHED, S.SIGNED, S.RETURN_REQUESTED, S.EXTENSION_REQUESTED, S.TO_DISPATCH, S.COORDINATION,
         S.COMPLETED, S.REVISITING, S.MANUAL_REVISIT, S.CLOSED, S.APPEALED)

_TABLE: tuple[Transition, ...] = (
    # intake (第13–16条)
    _t(S.INTAKE, Action.EDIT, SEATS, "第14条"),
    _t(S.INTAKE, Action.NOT_ACCEPT, SEATS, "第13–14条", S.NOT_ACCEPTED),
    _t(S.INTAKE, Action.ANSWER_ON_LINE, SEATS, "第16条(一)", S.ANSWERED_ON_LINE),
    _t(S.INTAKE, Action.PROMISE_REPLY, SEATS, "第16条(一)", S.REPLY_PENDING),
    _t(S.INTAKE, Action.DISPATCH, SEATS_AND_CENTER, "第16条(二)", S.DISPATCHED),
    _t(S.REPLY_PENDING, Action.RECORD_REPLY, SEATS, "第16条(一)", S.REPLIED),
    _t(S.REPLY_PENDING, Action.DISPATCH, SEATS_AND_CENTER, "第16条(二)", S.DISPATCHED),
    # sign, return (第17–18条), coordination (第23条)
    _t(S.DISPATCHED, Action.SIGN, UNIT, "第17条", S.SIGNED),
    _t(S.SIGNED, Action.REQUEST_RETURN, UNIT, "第17条", S.RETURN_REQUESTED),
    _t(S.RETURN_REQUESTED, Action.APPROVE_RETURN, CENTER, "第18条", S.TO_DISPATCH),
    _t(S.RETURN_REQUESTED, Action.REJECT_RETURN, CENTER, "第18条", S.SIGNED),
    _t(S.RETURN_REQUESTED, Action.REFER_TO_COORDINATION, CENTER, "第23条", S.COORDINATION),
    _t(S.TO_DISPATCH, Action.EDIT, CENTER, "第18条"),
    _t(S.TO_DISPATCH, Action.DISPATCH, SEATS_AND_CENTER, "第18条", S.DISPATCHED),
    _t(S.TO_DISPATCH, Action.REFER_TO_COORDINATION, CENTER, "第23条", S.COORDINATION),
    _t(S.COORDINATION, Action.DECIDE_COORDINATION, CENTER, "第23条", S.DISPATCHED),
    # extension (第20–21条)
    _t(S.SIGNED, Action.REQUEST_EXTENSION, UNIT, "第20条", S.EXTENSION_REQUESTED),
    _t(S.EXTENSION_REQUESTED, Action.APPROVE_EXTENSION, CENTER, "第21条", S.SIGNED),
    _t(S.EXTENSION_REQUESTED, Action.REJECT_EXTENSION, CENTER, "第21条", S.SIGNED),
    # the first response to an emergency (第16条): contact or on site, within hours of signing
    _t(S.SIGNED, Action.RECORD_RESPONSE, UNIT, "第16条"),
    _t(S.EXTENSION_REQUESTED, Action.RECORD_RESPONSE, UNIT, "第16条"),
    # completion (第22条); a pending extension is withdrawn by finishing early
    _t(S.SIGNED, Action.REPORT_COMPLETION, UNIT, "第22条", S.COMPLETED),
    _t(S.EXTENSION_REQUESTED, Action.REPORT_COMPLETION, UNIT, "第22条", S.COMPLETED),
    # return visits (第25–26条) and redo (第33条)
    _t(S.COMPLETED, Action.START_REVISIT, SURVEY_AND_CENTER, "第25条", S.REVISITING),
    _t(S.COMPLETED, Action.SEND_BACK_FOR_REDO, CENTER, "第33条", S.SIGNED),
    _t(S.REVISITING, Action.START_REVISIT, SURVEY_AND_CENTER, "第25条"),  # a retry of the survey call
    _t(S.REVISITING, Action.RECORD_RATING, SURVEY_AND_CENTER, "第26条", S.CLOSED, S.MANUAL_REVISIT),
    _t(S.REVISITING, Action.FAIL_AUTOMATED_VISIT, SURVEY_AND_CENTER, "第26条", S.MANUAL_REVISIT),
    _t(S.REVISITING, Action.RATING_TIMEOUT, AUTOMATION_AND_CENTER, "第26条", S.CLOSED),
    # the manual visit is a call from the centre's seats (the seat's "my tasks" lists it); sending the order back for
    # redo stays the centre's decision (第33条)
    _t(S.MANUAL_REVISIT, Action.CONFIRM_RATING, SEATS_AND_CENTER, "第26条", S.CLOSED),
    _t(S.MANUAL_REVISIT, Action.CHANGE_RATING, SEATS_AND_CENTER, "第26条", S.CLOSED),
    _t(S.MANUAL_REVISIT, Action.SEND_BACK_FOR_REDO, CENTER, "第33条", S.SIGNED),
    # appeal (第27条)
    _t(S.CLOSED, Action.FILE_APPEAL, UNIT, "第27条", S.APPEALED),
    _t(S.APPEALED, Action.DECIDE_APPEAL, CENTER, "第27条", S.CLOSED),
    # records on every live order: calls, supervision (第34–35条)
    *(_t(s, Action.LINK_CALL, ANYONE_ON_THE_ORDER, "第3条") for s in (S.INTAKE, S.REPLY_PENDING, *_LIVE)),
    *(_t(s, Action.OPEN_SUPERVISION, AUTOMATION_AND_CENTER, "第34条") for s in _LIVE),
    *(_t(s, Action.ESCALATE_SUPERVISION, CENTER, "第35条") for s in _LIVE),
    *(_t(s, Action.CLOSE_SUPERVISION, CENTER, "第34条") for s in _LIVE),
)

TRANSITIONS: Mapping[tuple[OrderState, Action], Transition] = {(t.source, t.action): t for t in _TABLE}
assert len(TRANSITIONS) == len(_TABLE), "duplicate (state, action) in the transition table"


def allowed_actions(order: WorkOrder, actor: Actor) -> tuple[Action, ...]:
    """Actions this actor may try on this order now, by state and role (time windows are checked by `apply`).
    The UI enables its buttons from this; it holds no rule of its own."""
    return tuple(
        t.action
        for (state, _), t in TRANSITIONS.items()
        if state is order.state and actor.role in t.roles and _is_lead_or_not_needed(order, actor, t.action)
    )


# --- opening an order ------------------------------------------------------------------------------------------


def open_work_order(
    order_id: str,
    *,
    channel: Channel,
    actor: Actor,
    now: datetime,
    caller: Caller | None = None,
    category: Category | None = None,
    description: str = "",
    urgency: Urgency = Urgency.NORMAL,
    call: CallLink | None = None,
) -> WorkOrder:
    """Open a work order in INTAKE. A leader seat's orders carry its unit (第30条)."""
    require_aware(now)
    if not isinstance(order_id, str) or not order_id.strip():
        raise InvalidCommand("a work order needs an id (text)", code="bad_value")
    if not isinstance(actor, Actor):
        raise bad_value("actor", "an Actor", actor)
    channel = normalise(channel, Channel, "channel")
    category = _category(category) if category is not None else None
    urgency = normalise(urgency, Urgency, "urgency")
    description = normalise(description, str, "description")
    if call is not None:
        call = _call(call, now)
    if caller is not None and not isinstance(caller, Caller):
        raise bad_value("caller", "a Caller", caller)
    if actor.role not in SEATS_AND_CENTER:
        raise TransitionRefused(
            f"a {actor.role.value} cannot open a work order; seats and the center take matters (第14条)",
            code="role_not_allowed",
            article="第14条",
        )
    caller = caller or Caller()
    _require_sealed(caller)
    caller = normalise_dataclass(caller, Caller, "caller")
    order = WorkOrder(
        order_id=order_id,
        channel=channel,
        created_at=now,
        caller=caller,
        category=category,
        description=description,
        urgency=urgency,
        calls=(call,) if call else (),
        taken_by_unit=actor.unit if actor.role is Role.LEADER_SEAT else None,
    )
    entry = HistoryEntry(
        at=now, actor_id=actor.user_id, role=actor.role, action=Action.OPEN.value, seat=actor.seat,
        unit=actor.unit, changes=_diff(WorkOrder(order_id, order.channel, now), order),
    )
    return replace(order, history=(entry,))


# --- applying a step ---------------------------------------------------------------------------------------------

Handler = Callable[[WorkOrder, Any, Actor, datetime, RuleContext], tuple[OrderState | None, dict[str, Any], str]]


def apply(order: WorkOrder, command: Command, actor: Actor, now: datetime, ctx: RuleContext) -> WorkOrder:
    """Take one step. Returns the new order (with one more history entry) or raises; the given order never changes."""
    require_aware(now)
    if not isinstance(command, Command):
        raise InvalidCommand(f"not a lifecycle command: {type(command).__name__}")
    if not isinstance(order, WorkOrder):
        raise bad_value("order", "a WorkOrder", order)
    if not isinstance(actor, Actor):
        raise bad_value("actor", "an Actor", actor)
    if now < order.created_at or (order.history and now < order.history[-1].at):
        raise InvalidCommand(
            f"step time {now.isoformat()} is before the order's last step; history is append-only in time order"
        )
    action = command.action
    transition = TRANSITIONS.get((order.state, action))
    if transition is None:
        raise TransitionRefused(
            f"cannot {action.value} a work order in state {order.state.value}",
            code="wrong_state",
            details={"state": order.state.value, "action": action.value, "order_id": order.order_id},
        )
    if actor.role not in transition.roles:
        allowed = ", ".join(sorted(r.value for r in transition.roles))
        raise TransitionRefused(
            f"{action.value} is for {allowed}, not {actor.role.value} ({transition.article})",
            code="role_not_allowed",
            article=transition.article,
            details={"action": action.value, "role": actor.role.value},
        )
    if not _is_lead_or_not_needed(order, actor, action):
        raise TransitionRefused(
            f"only the lead unit {order.lead_unit or '(none)'} may {action.value} this order, "
            f"not {actor.unit} (第16条)",
            code="not_lead_unit",
            article="第16条",
            details={"action": action.value, "unit": actor.unit or "", "lead_unit": order.lead_unit or ""},
        )
    command = normalise_dataclass(command, type(command), action.value)
    target, changes, note = _HANDLERS[action](order, command, actor, now, ctx)
    target = target or order.state
    if target not in transition.targets:  # a handler bug, never the user's fault
        raise AssertionError(f"{action} chose {target} outside {sorted(transition.targets)}")
    updated = replace(order, state=target, **changes)
    _require_sealed(updated.caller)
    entry = HistoryEntry(
        at=now,
        actor_id=actor.user_id,
        role=actor.role,
        action=action.value,
        changes=_diff(order, updated),
        note=note,
        seat=actor.seat,
        unit=actor.unit,
    )
    return replace(updated, history=(*order.history, entry))


def _is_lead_or_not_needed(order: WorkOrder, actor: Actor, action: Action) -> bool:
    if action not in LEAD_UNIT_ACTIONS or actor.role is not Role.UNIT:
        return True
    return actor.unit is not None and actor.unit == order.lead_unit


def _require_sealed(caller: Caller) -> None:
    if caller.is_anonymous and not caller.is_sealed():
        raise PrivacyError(
            "an anonymous caller's personal data must be sealed before it is stored (第15条): use privacy.seal_caller",
            code="unsealed_personal_data",
        )


def _diff(old: WorkOrder, new: WorkOrder) -> tuple[tuple[str, str, str], ...]:
    out = []
    for f in dataclasses.fields(WorkOrder):
        if f.name == "history":
            continue
        before, after = getattr(old, f.name), getattr(new, f.name)
        if before == after:
            continue
        if f.name == "caller":
            out.append(("caller", describe_caller(before), describe_caller(after)))
        elif isinstance(before, tuple) and isinstance(after, tuple) and after[: len(before)] == before:
            out.append((f.name, "", "+ " + describe(after[len(before):])))
        elif isinstance(before, tuple) and isinstance(after, tuple) and len(before) == len(after):
            changed = [describe(b) + " → " + describe(a) for b, a in zip(before, after, strict=True) if a != b]
            out.append((f.name, "", "; ".join(changed)))
        else:
            out.append((f.name, describe(before), describe(after)))
    return tuple(out)


def _text(value: str | None) -> str:
    return (value or "").strip()  # commands are type-checked before handlers run: value is text or None


MAX_LEGAL_LIMIT_WD = 250  # about a year of working days: longer than any legal limit a hotline matter carries


def _category(value: object) -> Category:
    if isinstance(value, Category):
        return value
    if isinstance(value, str):
        return Category.parse(value)  # the Chinese label (投诉) or the code
    raise bad_value("category", "a category", value)


def _call(call: object, now: datetime) -> CallLink:
    call = normalise_dataclass(call, CallLink, "call")
    if not call.uniqueid.strip():
        raise InvalidCommand("a linked call needs its uniqueid", code="bad_value")
    return replace(call, kind=CallKind(call.kind), at=call.at or now)


def _refuse(message: str, *, code: str, article: str, deadline: datetime | None = None,
            details: dict[str, Any] | None = None) -> TransitionRefused:
    return TransitionRefused(
        message, code=code, article=article, deadline=deadline.isoformat() if deadline else None, details=details
    )


# --- handlers: each checks its own rule and returns (target, field changes, history note) ------------------------

_EDITABLE = frozenset(
    {"caller", "category", "district", "street", "address", "description", "urgency", "kb_answer_ref",
     "legal_limit_wd"}
)


def _edit(order: WorkOrder, cmd: EditFields, actor: Actor, now: datetime, ctx: RuleContext):
    unknown = sorted(set(cmd.changes) - _EDITABLE)
    if unknown:
        raise InvalidCommand(f"cannot edit {', '.join(unknown)}; editable: {', '.join(sorted(_EDITABLE))}")
    changes = dict(cmd.changes)
    caller = changes.get("caller")
    if isinstance(caller, Caller) and caller.is_anonymous is True:
        _require_sealed(caller)  # before anything describes it
    if isinstance(changes.get("category"), str):
        changes["category"] = _category(changes["category"])
    hints = field_hints(WorkOrder)
    changes = {name: normalise(value, hints[name], f"changes.{name}") for name, value in changes.items()}
    limit = changes.get("legal_limit_wd")
    if limit is not None and not 1 <= limit <= MAX_LEGAL_LIMIT_WD:
        raise InvalidCommand(f"legal_limit_wd must be between 1 and {MAX_LEGAL_LIMIT_WD} working days",
                             code="bad_value")
    return None, changes, ""


def _link_call(order: WorkOrder, cmd: LinkCall, actor: Actor, now: datetime, ctx: RuleContext):
    call = _call(cmd.call, now)
    calls = list(order.calls)
    for i, existing in enumerate(calls):
        if existing.uniqueid == call.uniqueid:
            if call.recording in (None, existing.recording):
                raise InvalidCommand(f"call {call.uniqueid} is already linked to this order", code="duplicate")
            calls[i] = replace(existing, recording=call.recording)
            return None, {"calls": tuple(calls)}, "recording added"
    return None, {"calls": (*calls, call)}, ""


def _not_accept(order: WorkOrder, cmd: NotAccept, actor: Actor, now: datetime, ctx: RuleContext):
    if cmd.reason is None:
        raise _refuse(
            "not accepting a matter needs one of the eight reasons of 第13条, "
            "and its basis is read to the caller (第14条)",
            code="not_accept_reason_required",
            article="第13–14条",
            details={"action": Action.NOT_ACCEPT.value, "field": "not_accepted_reason"},
        )
    reason = NotAcceptedReason(cmd.reason)
    basis = _text(cmd.basis) or reason.basis
    return S.NOT_ACCEPTED, {"not_accepted_reason": reason, "not_accepted_basis": basis}, ""


def _answer_on_line(order: WorkOrder, cmd: AnswerOnLine, actor: Actor, now: datetime, ctx: RuleContext):
    if not _text(cmd.answer):
        raise InvalidCommand("an on-line answer needs the answer given to the caller", code="answer_required",
                             details={"action": Action.ANSWER_ON_LINE.value, "field": "answer_text",
                                      "article": "第16条(一)"})
    _require_category(order, "answer on line", Action.ANSWER_ON_LINE)
    return S.ANSWERED_ON_LINE, {"answer_text": cmd.answer.strip(), "kb_answer_ref": cmd.kb_answer_ref}, ""


def _promise_reply(order: WorkOrder, cmd: PromiseReply, actor: Actor, now: datetime, ctx: RuleContext):
    if not cmd.caller_consents:
        raise _refuse(
            "a later reply needs the caller's consent (第16条(一)); otherwise dispatch the matter",
            code="consent_required",
            article="第16条(一)",
            details={"action": Action.PROMISE_REPLY.value},
        )
    _require_category(order, "promise a reply", Action.PROMISE_REPLY)
    if order.is_emergency:
        raise _refuse("an emergency is dispatched at once, not answered later (第16条)",
                      code="emergency_dispatch_required", article="第16条",
                      details={"action": Action.PROMISE_REPLY.value, "urgency": order.urgency.value})
    due = ctx.calendar.due(now, ctx.rules.reply_within_wd)
    return S.REPLY_PENDING, {"reply_due": due, "reply_means": cmd.means}, ""


def _record_reply(order: WorkOrder, cmd: RecordReply, actor: Actor, now: datetime, ctx: RuleContext):
    if not _text(cmd.text):
        raise InvalidCommand("record what was replied to the caller")
    late = order.reply_due is not None and now > order.reply_due
    changes = {"replied_at": now, "reply_means": ReplyMeans(cmd.means), "answer_text": cmd.text.strip()}
    return S.REPLIED, changes, _late_note(late, order.reply_due)


def _dispatch(order: WorkOrder, cmd: Dispatch, actor: Actor, now: datetime, ctx: RuleContext):
    _require_category(order, "dispatch", Action.DISPATCH)
    if not _text(order.description):
        raise InvalidCommand("describe the matter before dispatching it (第14条)", code="description_required",
                             details={"action": Action.DISPATCH.value, "field": "description", "article": "第14条"})
    changes = _assignment(order, cmd.lead_unit, cmd.co_units, now, ctx)
    if order.state is S.REPLY_PENDING:  # the promised reply is replaced by the unit's handling
        changes |= {"reply_due": None, "reply_means": None}
    return S.DISPATCHED, changes, ""


def _assignment(order: WorkOrder, lead: str, co_units: tuple[str, ...], now: datetime, ctx: RuleContext):
    lead = _text(lead)
    if not lead:
        raise InvalidCommand("dispatch needs a lead unit (第16条)", code="missing_lead_unit",
                             details={"action": Action.DISPATCH.value, "field": "lead_unit", "article": "第16条"})
    co = tuple(dict.fromkeys(u.strip() for u in co_units if u.strip()))
    if lead in co:
        raise InvalidCommand(f"{lead} cannot be both lead unit and co-unit (第16条)", code="lead_unit_also_co_unit",
                             details={"unit": lead, "field": "co_units", "article": "第16条"})
    if order.is_emergency:
        sign_due = now + timedelta(hours=ctx.rules.emergency_sign_limit_h)
    else:
        sign_due = ctx.calendar.due(now, ctx.rules.sign_limit_wd)
    return {"lead_unit": lead, "co_units": co, "dispatched_at": now, "sign_due": sign_due, "signed_at": None,
            "due": None, "return_due": None, "response_due": None, "responded_at": None}


def _sign(order: WorkOrder, cmd: Sign, actor: Actor, now: datetime, ctx: RuleContext):
    due = _handling_due(order, now, ctx)
    return_due = ctx.calendar.due(now, ctx.rules.return_window_wd)
    late = order.sign_due is not None and now > order.sign_due
    changes = {"signed_at": now, "due": due, "return_due": return_due}
    if order.is_emergency:
        changes["response_due"] = now + timedelta(hours=ctx.rules.emergency_response_limit_h)
    return S.SIGNED, changes, _late_note(late, order.sign_due)


def _handling_due(order: WorkOrder, start: datetime, ctx: RuleContext) -> datetime:
    """第19条: from signing, by category or the law's own limit; an emergency's hour-level limit is its first
    response (`response_due`), not the completion of the matter."""
    assert order.category is not None  # dispatch requires it
    limit = order.legal_limit_wd or ctx.rules.handling_limit_wd(order.category)
    return ctx.calendar.due(start, limit)


def _request_return(order: WorkOrder, cmd: RequestReturn, actor: Actor, now: datetime, ctx: RuleContext):
    if not _text(cmd.reason):
        raise _refuse("a return request must give its reason (第17条(二))", code="reason_required", article="第17条")
    if order.return_due is None:
        raise _refuse(
            "this order cannot be returned: it was sent back for redo, so the unit must handle it (第33条)",
            code="return_not_open",
            article="第17条",
        )
    if any(r.state is RequestState.REJECTED and r.requested_at >= (order.signed_at or now) for r in order.returns):
        raise _refuse(
            "the return was already rejected; the unit keeps handling the order (第18条)",
            code="return_already_rejected",
            article="第18条",
        )
    if now > order.return_due:
        raise _refuse(
            f"a return must be requested within {ctx.rules.return_window_wd} WD after signing; "
            f"the window closed at {order.return_due.isoformat()} (第17条(二))",
            code="return_window_closed",
            article="第17条",
            deadline=order.return_due,
        )
    request = ReturnRequest(requested_at=now, unit=actor.unit or "", reason=cmd.reason.strip())
    return S.RETURN_REQUESTED, {"returns": (*order.returns, request)}, ""


def _decide_return(order: WorkOrder, state: RequestState, note: str, now: datetime) -> tuple[ReturnRequest, ...]:
    pending = order.pending_return()
    if pending is None:  # the state says there is one; a corrupt order must not be decided blindly
        raise InvalidCommand("no pending return request on this order")
    decided = replace(pending, state=state, decided_at=now, decision_note=note or None)
    return (*order.returns[:-1], decided)


_UNASSIGNED = {"lead_unit": None, "co_units": (), "dispatched_at": None, "sign_due": None, "signed_at": None,
               "due": None, "return_due": None, "response_due": None, "responded_at": None}


def _approve_return(order: WorkOrder, cmd: ApproveReturn, actor: Actor, now: datetime, ctx: RuleContext):
    returns = _decide_return(order, RequestState.APPROVED, cmd.note, now)
    return S.TO_DISPATCH, {"returns": returns, **_UNASSIGNED}, cmd.note


def _reject_return(order: WorkOrder, cmd: RejectReturn, actor: Actor, now: datetime, ctx: RuleContext):
    return S.SIGNED, {"returns": _decide_return(order, RequestState.REJECTED, cmd.note, now)}, cmd.note


def _refer_to_coordination(order: WorkOrder, cmd: ReferToCoordination, actor: Actor, now: datetime, ctx):
    if not _text(cmd.reason):
        raise InvalidCommand("say why the responsibility is disputed (第23条)")
    changes: dict[str, Any] = {"coordination": Coordination(opened_at=now, reason=cmd.reason.strip())}
    if order.state is S.RETURN_REQUESTED:
        changes["returns"] = _decide_return(order, RequestState.APPROVED, "referred to coordination", now)
        changes.update(_UNASSIGNED)
    return S.COORDINATION, changes, ""


def _decide_coordination(order: WorkOrder, cmd: DecideCoordination, actor: Actor, now: datetime, ctx):
    keywords = tuple(k.strip() for k in cmd.keywords if k.strip())
    if not keywords:
        raise InvalidCommand("a coordination decision names the kind of matter it binds (keywords, 第23条)")
    assert order.coordination is not None  # the COORDINATION state is only entered with one
    decision = CoordinationDecision(
        lead_unit=cmd.lead_unit.strip(), decided_at=now, keywords=keywords,
        category=Category(cmd.category) if cmd.category else None, district=cmd.district, basis=cmd.basis,
    )
    changes = _assignment(order, cmd.lead_unit, cmd.co_units, now, ctx)
    changes["coordination"] = replace(order.coordination, decision=decision)
    return S.DISPATCHED, changes, cmd.basis


def _request_extension(order: WorkOrder, cmd: RequestExtension, actor: Actor, now: datetime, ctx: RuleContext):
    if not _text(cmd.reason):
        raise _refuse("an extension request gives its objective reason (第20条)", code="reason_required",
                      article="第20条")
    if isinstance(cmd.working_days, bool) or not isinstance(cmd.working_days, int) or cmd.working_days < 1:
        raise InvalidCommand("an extension asks for a whole number of working days, at least 1")
    if cmd.working_days > ctx.rules.max_extension_wd:
        raise _refuse(
            f"an extension may ask for at most {ctx.rules.max_extension_wd} WD (第20条)",
            code="extension_too_long",
            article="第20条",
        )
    # 第20条 counts per unit's handling: a unit dispatched after an approved return has its own extension
    mine = [e for e in order.extensions
            if e.unit == actor.unit and (order.dispatched_at is None or e.requested_at >= order.dispatched_at)]
    if len(mine) >= ctx.rules.max_extensions:
        raise _refuse(
            f"only {ctx.rules.max_extensions} extension request(s) per order are allowed (第20条)",
            code="extension_limit_reached",
            article="第20条",
        )
    assert order.due is not None  # SIGNED always has a due time
    if now >= order.due:
        raise _refuse(
            f"an extension must be requested before the due time {order.due.isoformat()} (第20条)",
            code="extension_after_due",
            article="第20条",
            deadline=order.due,
        )
    request = ExtensionRequest(requested_at=now, unit=actor.unit or "", working_days=cmd.working_days,
                               reason=cmd.reason.strip())
    return S.EXTENSION_REQUESTED, {"extensions": (*order.extensions, request)}, ""


def _decide_extension(order: WorkOrder, state: RequestState, note: str, now: datetime,
                      new_due: datetime | None = None) -> tuple[ExtensionRequest, ...]:
    pending = order.pending_extension()
    if pending is None:
        raise InvalidCommand("no pending extension request on this order")
    decided = replace(pending, state=state, decided_at=now, decision_note=note or None, new_due=new_due)
    return (*order.extensions[:-1], decided)


def _approve_extension(order: WorkOrder, cmd: ApproveExtension, actor: Actor, now: datetime, ctx: RuleContext):
    pending = order.pending_extension()
    if pending is None or order.due is None:
        raise InvalidCommand("no pending extension request on this order")
    new_due = ctx.calendar.extend(order.due, pending.working_days)
    extensions = _decide_extension(order, RequestState.APPROVED, cmd.note, now, new_due)
    return S.SIGNED, {"extensions": extensions, "due": new_due}, cmd.note


def _reject_extension(order: WorkOrder, cmd: RejectExtension, actor: Actor, now: datetime, ctx: RuleContext):
    return S.SIGNED, {"extensions": _decide_extension(order, RequestState.REJECTED, cmd.note, now)}, cmd.note


def _record_response(order: WorkOrder, cmd: RecordResponse, actor: Actor, now: datetime, ctx: RuleContext):
    if not _text(cmd.how):
        raise InvalidCommand("say how the caller was contacted or what was done on site (第16条)")
    if order.responded_at is not None:
        raise _refuse("the first response is already recorded", code="already_responded", article="第16条")
    late = order.response_due is not None and now > order.response_due
    return None, {"responded_at": now}, _join(cmd.how.strip(), _late_note(late, order.response_due))


def _report_completion(order: WorkOrder, cmd: ReportCompletion, actor: Actor, now: datetime, ctx: RuleContext):
    report = cmd.report
    missing = [name for name in ("handled_by", "process", "result") if not _text(getattr(report, name))]
    if missing:
        raise _refuse(
            f"the completion report lacks {', '.join(missing)}: body, time, process and result are required (第22条)",
            code="incomplete_report",
            article="第22条(一)",
        )
    if report.handled_at > now:
        raise InvalidCommand("the handling time of a report cannot be in the future", code="bad_time")
    if order.signed_at is not None and report.handled_at < order.signed_at:
        raise InvalidCommand("the handling time of a report cannot lie before the order was signed", code="bad_time")
    outcome = report.outcome
    if outcome is CompletionOutcome.IN_PROGRESS:
        if not _text(report.plan) or report.planned_date is None:
            raise _refuse(
                "a matter not yet solvable needs concrete measures and a date (第22条(二))",
                code="plan_required",
                article="第22条(二)",
            )
        if report.planned_date < ctx.calendar.local_date(now):
            raise _refuse("the date by which the matter will be solved has already passed (第22条(二))",
                          code="plan_date_past", article="第22条(二)")
    changes: dict[str, Any] = {"completion": replace(report, outcome=outcome, reported_at=now), "completed_at": now}
    if order.state is S.EXTENSION_REQUESTED:
        changes["extensions"] = _decide_extension(order, RequestState.WITHDRAWN, "completed before review", now)
    late = order.due is not None and now > order.due
    return S.COMPLETED, changes, _late_note(late, order.due)


def _start_revisit(order: WorkOrder, cmd: StartRevisit, actor: Actor, now: datetime, ctx: RuleContext):
    channel = RevisitChannel(cmd.channel)
    record = RevisitRecord(channel=channel, started_at=now, evidence=cmd.evidence)
    changes: dict[str, Any] = {"revisits": (*order.revisits, record)}
    # 第26条: the 72 hours run from the first automated attempt; retries do not restart them
    if channel is not RevisitChannel.MANUAL and order.rating_deadline is None:
        changes["rating_deadline"] = now + timedelta(hours=ctx.rules.no_rating_timeout_h)
    return S.REVISITING, changes, ""


def _record_rating(order: WorkOrder, cmd: RecordRating, actor: Actor, now: datetime, ctx: RuleContext):
    rating = Rating(cmd.rating)
    if order.rating_deadline is not None and now > order.rating_deadline:
        raise _refuse(
            f"the 72-hour window closed at {order.rating_deadline.isoformat()}; no rating within it counts as "
            "基本满意 (第26条): apply the timeout",
            code="rating_window_closed",
            article="第26条",
            deadline=order.rating_deadline,
        )
    revisits = _rate_last_visit(order, rating, now, cmd.evidence)
    changes: dict[str, Any] = {"revisits": revisits, "rating": rating, "rated_at": now}
    if rating is Rating.UNSATISFIED:
        changes["revisit_due"] = ctx.calendar.due(now, ctx.rules.manual_revisit_within_wd)
        return S.MANUAL_REVISIT, changes, ""
    return S.CLOSED, changes, ""


def _rate_last_visit(order: WorkOrder, rating: Rating, now: datetime, evidence: str | None,
                     *, deemed: bool = False) -> tuple[RevisitRecord, ...]:
    if not order.revisits:
        raise InvalidCommand("no return visit was started on this order")
    last = order.revisits[-1]
    rated = replace(last, rating=rating, rated_at=now, deemed=deemed, evidence=evidence or last.evidence)
    return (*order.revisits[:-1], rated)


def _rating_timeout(order: WorkOrder, cmd: RatingTimeout, actor: Actor, now: datetime, ctx: RuleContext):
    if order.rating_deadline is None:
        raise _refuse("only an automated visit starts the 72-hour rule (第26条)", code="no_automated_visit",
                      article="第26条")
    if now < order.rating_deadline:
        raise _refuse(
            f"the caller has until {order.rating_deadline.isoformat()} to rate (72 hours, 第26条)",
            code="rating_window_open",
            article="第26条",
            deadline=order.rating_deadline,
        )
    revisits = _rate_last_visit(order, Rating.BASICALLY_SATISFIED, now, None, deemed=True)
    changes = {"revisits": revisits, "rating": Rating.BASICALLY_SATISFIED, "rated_at": now}
    return S.CLOSED, changes, "no rating within 72 hours: deemed 基本满意"


def _fail_automated_visit(order: WorkOrder, cmd: FailAutomatedVisit, actor: Actor, now: datetime,
                          ctx: RuleContext):
    reason = _text(cmd.reason)
    if not reason:
        raise InvalidCommand("a failed automated visit needs its reason (空号, 停机, …)", code="bad_value")
    if not order.revisits:
        raise InvalidCommand("no return visit was started on this order")
    last = order.revisits[-1]
    revisits = (*order.revisits[:-1], replace(last, evidence=cmd.evidence or last.evidence, note=reason))
    changes: dict[str, Any] = {"revisits": revisits,
                               "revisit_due": ctx.calendar.due(now, ctx.rules.manual_revisit_within_wd)}
    return S.MANUAL_REVISIT, changes, f"自动回访失败: {reason}"


def _confirm_rating(order: WorkOrder, cmd: ConfirmRating, actor: Actor, now: datetime, ctx: RuleContext):
    visit = RevisitRecord(channel=RevisitChannel.MANUAL, started_at=now, rating=Rating.UNSATISFIED, rated_at=now,
                          evidence=cmd.evidence, note=cmd.note or None)
    changes: dict[str, Any] = {
        "revisits": (*order.revisits, visit),
        "rating": Rating.UNSATISFIED,
        "rated_at": now,
        "appeal_due": ctx.calendar.due(now, ctx.rules.appeal_window_wd),
    }
    already = any(s.trigger is SupervisionTrigger.UNSATISFIED_AFTER_REDO for s in order.open_supervisions())
    if order.redo_count > 0 and cmd.unit_at_fault and not already:
        record = _supervision_record(order, SupervisionTrigger.UNSATISFIED_AFTER_REDO, SupervisionMeans.PHONE_CHASE,
                                     now, ctx, note="发回重办后诉求人仍不满意")
        changes["supervisions"] = (*order.supervisions, record)
    late = order.revisit_due is not None and now > order.revisit_due
    return S.CLOSED, changes, _join(cmd.note, _late_note(late, order.revisit_due))


def _change_rating(order: WorkOrder, cmd: ChangeRating, actor: Actor, now: datetime, ctx: RuleContext):
    rating = Rating(cmd.rating)
    if rating is Rating.UNSATISFIED:
        raise InvalidCommand("to keep the rating unsatisfied, confirm it instead")
    if not _text(cmd.reason):
        raise _refuse("changing a rating requires the reason found in the manual visit (第26条)",
                      code="reason_required", article="第26条")
    visit = RevisitRecord(channel=RevisitChannel.MANUAL, started_at=now, rating=rating, rated_at=now,
                          evidence=cmd.evidence, note=cmd.reason.strip())
    changes = {"revisits": (*order.revisits, visit), "rating": rating, "rated_at": now, "appeal_due": None}
    return S.CLOSED, changes, cmd.reason.strip()


def _send_back_for_redo(order: WorkOrder, cmd: SendBackForRedo, actor: Actor, now: datetime, ctx: RuleContext):
    if not _text(cmd.reason):
        raise InvalidCommand("say why the order goes back for redo (第33条)")
    changes = {
        "redo_count": order.redo_count + 1,
        "due": _handling_due(order, now, ctx),
        "return_due": None,  # a redo is handled by the same unit; the return window of 第17条 is long past
        "completion": None,
        "completed_at": None,
        "rating": None,
        "rated_at": None,
        "rating_deadline": None,
        "revisit_due": None,
        "appeal_due": None,
    }
    return S.SIGNED, changes, cmd.reason.strip()


def _file_appeal(order: WorkOrder, cmd: FileAppeal, actor: Actor, now: datetime, ctx: RuleContext):
    if order.rating is not Rating.UNSATISFIED or order.appeal_due is None:
        raise _refuse("only an unsatisfied rating can be appealed (第27条)", code="not_appealable", article="第27条")
    if order.appeals:
        raise _refuse("this rating was already appealed (第27条)", code="already_appealed", article="第27条")
    if now > order.appeal_due:
        raise _refuse(
            f"an appeal must be filed within {ctx.rules.appeal_window_wd} WD of the result; the window closed at "
            f"{order.appeal_due.isoformat()} (第27条)",
            code="appeal_window_closed",
            article="第27条",
            deadline=order.appeal_due,
        )
    evidence = tuple(e.strip() for e in cmd.evidence if e.strip())
    if not evidence:
        raise _refuse("an appeal needs supporting evidence (佐证材料, 第27条)", code="evidence_required",
                      article="第27条")
    appeal = Appeal(filed_at=now, unit=actor.unit or "", reason=AppealReason(cmd.reason), evidence=evidence,
                    statement=cmd.statement.strip())
    return S.APPEALED, {"appeals": (*order.appeals, appeal)}, ""


def _decide_appeal(order: WorkOrder, cmd: DecideAppeal, actor: Actor, now: datetime, ctx: RuleContext):
    pending = order.pending_appeal()
    if pending is None:
        raise InvalidCommand("no pending appeal on this order")
    state = RequestState.APPROVED if cmd.upheld else RequestState.REJECTED
    decided = replace(pending, state=state, decided_at=now, decision_note=cmd.note or None)
    changes = {"appeals": (*order.appeals[:-1], decided), "rating_excluded": bool(cmd.upheld)}
    return S.CLOSED, changes, cmd.note


def _open_supervision(order: WorkOrder, cmd: OpenSupervision, actor: Actor, now: datetime, ctx: RuleContext):
    trigger = SupervisionTrigger(cmd.trigger)
    if actor.role is Role.SYSTEM and trigger not in AUTOMATIC_SUPERVISION_TRIGGERS:
        raise _refuse(
            f"supervision for trigger {int(trigger)} is opened by a supervisor; automation opens only overdue and "
            "unsatisfied-after-redo (第34条)",
            code="role_not_allowed",
            article="第34条",
        )
    if trigger is SupervisionTrigger.OVERDUE and not is_overdue(order, now):
        raise _refuse("the order is not overdue (第34条(一))", code="not_overdue", article="第34条(一)",
                      deadline=order.due)
    if any(s.trigger is trigger for s in order.open_supervisions()):
        raise _refuse(f"a supervision for trigger {int(trigger)} is already open on this order",
                      code="duplicate_supervision", article="第34条")
    if cmd.deadline is not None and require_aware(cmd.deadline) <= now:
        raise InvalidCommand("a supervision deadline must lie in the future")
    record = _supervision_record(order, trigger, SupervisionMeans(cmd.means), now, ctx, note=cmd.note,
                                 deadline=cmd.deadline)
    return None, {"supervisions": (*order.supervisions, record)}, cmd.note


def _supervision_record(order: WorkOrder, trigger: SupervisionTrigger, means: SupervisionMeans, now: datetime,
                        ctx: RuleContext, *, note: str = "", deadline: datetime | None = None) -> SupervisionRecord:
    return SupervisionRecord(
        record_id=f"{order.order_id}-S{len(order.supervisions) + 1}",
        trigger=trigger,
        means=means,
        opened_at=now,
        deadline=deadline or ctx.calendar.due(now, ctx.rules.supervision_limit_wd),
        note=note,
    )


def _find_open_supervision(order: WorkOrder, record_id: str) -> int:
    for i, record in enumerate(order.supervisions):
        if record.record_id == record_id:
            if record.closed_at is not None:
                raise _refuse(f"supervision {record_id} is already closed", code="supervision_closed",
                              article="第34条")
            return i
    raise InvalidCommand(f"no supervision {record_id!r} on this order")


def _escalate_supervision(order: WorkOrder, cmd: EscalateSupervision, actor: Actor, now: datetime, ctx):
    i = _find_open_supervision(order, cmd.record_id)
    record = order.supervisions[i]
    if record.escalated_at is not None:
        raise _refuse(f"supervision {cmd.record_id} was already escalated", code="already_escalated",
                      article="第35条")
    if record.deadline is not None and now <= record.deadline:
        raise _refuse(
            f"escalation to the city government's inspection office follows a supervision that did not solve the "
            f"matter; this one runs until {record.deadline.isoformat()} (第35条)",
            code="supervision_still_running",
            article="第35条",
            deadline=record.deadline,
        )
    records = list(order.supervisions)
    records[i] = replace(record, escalated_at=now)
    return None, {"supervisions": tuple(records)}, cmd.note


def _close_supervision(order: WorkOrder, cmd: CloseSupervision, actor: Actor, now: datetime, ctx: RuleContext):
    if not _text(cmd.outcome):
        raise InvalidCommand("closing a supervision records its outcome (第34条)")
    i = _find_open_supervision(order, cmd.record_id)
    records = list(order.supervisions)
    records[i] = replace(records[i], closed_at=now, outcome=cmd.outcome.strip())
    return None, {"supervisions": tuple(records)}, ""


def _require_category(order: WorkOrder, what: str, action: Action) -> None:
    if order.category is None:
        raise InvalidCommand(f"set the category (诉求类型, 第12条) before you {what}", code="category_required",
                             details={"action": action.value, "field": "category", "article": "第12条"})


def _late_note(late: bool, deadline: datetime | None) -> str:
    return f"late: deadline was {deadline.isoformat()}" if late and deadline else ""


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


_HANDLERS: Mapping[Action, Handler] = {
    Action.EDIT: _edit,
    Action.LINK_CALL: _link_call,
    Action.NOT_ACCEPT: _not_accept,
    Action.ANSWER_ON_LINE: _answer_on_line,
    Action.PROMISE_REPLY: _promise_reply,
    Action.RECORD_REPLY: _record_reply,
    Action.DISPATCH: _dispatch,
    Action.SIGN: _sign,
    Action.REQUEST_RETURN: _request_return,
    Action.APPROVE_RETURN: _approve_return,
    Action.REJECT_RETURN: _reject_return,
    Action.REFER_TO_COORDINATION: _refer_to_coordination,
    Action.DECIDE_COORDINATION: _decide_coordination,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.REJECT_EXTENSION: _reject_extension,
    Action.RECORD_RESPONSE: _record_response,
    Action.REPORT_COMPLETION: _report_completion,
    Action.START_REVISIT: _start_revisit,
    Action.RECORD_RATING: _record_rating,
    Action.RATING_TIMEOUT: _rating_timeout,
    Action.FAIL_AUTOMATED_VISIT: _fail_automated_visit,
    Action.CONFIRM_RATING: _confirm_rating,
    Action.CHANGE_RATING: _change_rating,
    Action.SEND_BACK_FOR_REDO: _send_back_for_redo,
    Action.FILE_APPEAL: _file_appeal,
    Action.DECIDE_APPEAL: _decide_appeal,
    Action.OPEN_SUPERVISION: _open_supervision,
    Action.ESCALATE_SUPERVISION: _escalate_supervision,
    Action.CLOSE_SUPERVISION: _close_supervision,
}


# --- questions the warnings, the supervision automation and the survey dialer ask ------------------------------

HANDLING_STATES = frozenset({S.SIGNED, S.RETURN_REQUESTED, S.EXTENSION_REQUESTED})


def is_overdue(order: WorkOrder, now: datetime) -> bool:
    """第34条(一) 逾期未办结: being handled and past its due time."""
    return order.state in HANDLING_STATES and order.due is not None and now > order.due


def automatic_supervisions(order: WorkOrder, now: datetime) -> tuple[OpenSupervision, ...]:
    """Supervision the automation should open now (overdue orders without an open overdue supervision)."""
    if is_overdue(order, now) and not any(
        s.trigger is SupervisionTrigger.OVERDUE for s in order.open_supervisions()
    ):
        return (OpenSupervision(SupervisionTrigger.OVERDUE, SupervisionMeans.PHONE_CHASE, note="逾期未办结"),)
    return ()


def rating_timeout_due(order: WorkOrder, now: datetime) -> bool:
    """True when the 72-hour rule should be applied to this order now (第26条)."""
    return order.state is S.REVISITING and order.rating_deadline is not None and now >= order.rating_deadline


def command_fields(command: Command) -> dict[str, Any]:
    """The command's payload as a plain mapping (for logs and the sync wire; no personal data is in commands
    except `EditFields(caller=...)`, whose caller must already be sealed when anonymous)."""
    assert dataclasses.is_dataclass(command)
    return {f.name: getattr(command, f.name) for f in dataclasses.fields(command)}


COMMAND_TYPES: Mapping[Action, type[Command]] = {
    cls.action: cls
    for cls in (EditFields, LinkCall, NotAccept, AnswerOnLine, PromiseReply, RecordReply, Dispatch, Sign,
                RequestReturn, ApproveReturn, RejectReturn, ReferToCoordination, DecideCoordination, RequestExtension,
                ApproveExtension, RejectExtension, RecordResponse, ReportCompletion, StartRevisit, RecordRating,
                RatingTimeout, FailAutomatedVisit, ConfirmRating, ChangeRating, SendBackForRedo, FileAppeal,
                DecideAppeal, OpenSupervision, EscalateSupervision, CloseSupervision)
}
