"""The work order (工作流转单, 第14条) and the values it is made of.

Everything here is an immutable value. A work order changes only through `lifecycle.apply`, which returns a new
order with one more entry in its append-only history; nothing is edited in place.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.masks import mask_field
from agent_desktop.core.roles import Role


class Channel(StrEnum):
    """第3条: the channel the matter came in by."""

    PHONE = "phone"
    WEB = "web"
    APP = "app"
    OTHER = "other"


class Category(StrEnum):
    """诉求类型 (第12条). The category decides the handling time limit (第19条)."""

    CONSULTATION = "consultation"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    CRITICISM = "criticism"
    QUERY = "query"

    @property
    def zh(self) -> str:
        return _CATEGORY_ZH[self]

    @classmethod
    def parse(cls, text: str) -> Category:
        """Accept the Chinese label (投诉) or the code (complaint)."""
        key = text.strip()
        for category in cls:
            if key in (category.value, category.zh):
                return category
        known = "、".join(c.zh for c in cls)
        raise InvalidCommand(f"unknown category {text!r}; expected one of {known}", code="unknown_category",
                             details={"field": "category", "value": key, "article": "第12条"})


_CATEGORY_ZH = {
    Category.CONSULTATION: "咨询",
    Category.HELP: "求助",
    Category.COMPLAINT: "投诉",
    Category.REPORT: "举报",
    Category.SUGGESTION: "建议",
    Category.PRAISE: "表扬",
    Category.CRITICISM: "批评",
    Category.QUERY: "查询",
}


class Urgency(StrEnum):
    NORMAL = "normal"
    EMERGENCY = "emergency"  # 紧急 (第16条): dispatched at once, hour-level limits


class NotAcceptedReason(IntEnum):
    """第13条: the eight grounds for not accepting a matter (不予受理)."""

    OUTSIDE_JURISDICTION = 1
    EMERGENCY_SERVICE = 2
    SECRETS_OR_PRIVACY = 3
    UNLAWFUL_OR_NO_REQUEST = 4
    OTHER_LEGAL_CHANNEL = 5
    ALREADY_HANDLED = 6
    OTHER_AUTHORITY = 7
    OTHER_BY_LAW = 8

    @property
    def basis(self) -> str:
        """The regulation's own words, read to the caller as the basis (第14条)."""
        return NOT_ACCEPTED_BASIS[self]


_ART13 = "《长沙市12345政务热线运行管理办法》第十三条"

NOT_ACCEPTED_BASIS: dict[NotAcceptedReason, str] = {
    NotAcceptedReason.OUTSIDE_JURISDICTION: _ART13
    + "第(一)项:不属于长沙市行政职权管辖范围的事项。",
    NotAcceptedReason.EMERGENCY_SERVICE: _ART13
    + "第(二)项:应由110、119、120、122等紧急服务专线处理的事项。",
    NotAcceptedReason.SECRETS_OR_PRIVACY: _ART13
    + "第(三)项:涉及国家机密、商业秘密、个人隐私的事项。",
    NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST: _ART13
    + "第(四)项:违反法律、法规、社会公序良俗以及恶意攻击、骚扰或无实质诉求内容的事项。",
    NotAcceptedReason.OTHER_LEGAL_CHANNEL: _ART13
    + "第(五)项:已经或应当通过诉讼、仲裁、行政复议、信访、信息公开等途径受理或办理的事项。",
    NotAcceptedReason.ALREADY_HANDLED: _ART13
    + "第(六)项:正在办理过程中或已依法办理完毕且诉求人无新情况、新理由向政务热线再次提出的事项。",
    NotAcceptedReason.OTHER_AUTHORITY: _ART13
    + "第(七)项:属于人大、政协、纪检监察、法院、检察院、军队、武警职责范围的事项。",
    NotAcceptedReason.OTHER_BY_LAW: _ART13
    + "第(八)项:其他法律、法规规定不予受理的事项。",
}


class OrderState(StrEnum):
    """The states of the lifecycle; the transitions between them are the table in `lifecycle.py`."""

    INTAKE = "intake"  # 受理中: being taken down during the call
    NOT_ACCEPTED = "not_accepted"  # 不予受理 (terminal)
    ANSWERED_ON_LINE = "answered_on_line"  # 在线办结 (terminal)
    REPLY_PENDING = "reply_pending"  # 待答复: to be answered within 1 WD by callback, three-way call or SMS
    REPLIED = "replied"  # 已答复 (terminal)
    TO_DISPATCH = "to_dispatch"  # 待派单: a return was approved, responsibility to be defined again
    COORDINATION = "coordination"  # 协调中: disputed responsibility before the city government (第23条)
    DISPATCHED = "dispatched"  # 已派单: waiting for the lead unit to sign
    SIGNED = "signed"  # 办理中: signed, the unit is handling it
    RETURN_REQUESTED = "return_requested"  # 退回审核中
    EXTENSION_REQUESTED = "extension_requested"  # 延期审核中
    COMPLETED = "completed"  # 已办结: completion reported, waiting for the return visit
    REVISITING = "revisiting"  # 回访中: automated survey or SMS sent, waiting for a rating
    MANUAL_REVISIT = "manual_revisit"  # 待人工回访: unsatisfied in the automated visit (第26条)
    CLOSED = "closed"  # 已归档
    APPEALED = "appealed"  # 申诉审核中 (第27条)

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]


_STATE_ZH = {
    OrderState.INTAKE: "受理中",
    OrderState.NOT_ACCEPTED: "不予受理",
    OrderState.ANSWERED_ON_LINE: "在线办结",
    OrderState.REPLY_PENDING: "待答复",
    OrderState.REPLIED: "已答复",
    OrderState.TO_DISPATCH: "待派单",
    OrderState.COORDINATION: "协调中",
    OrderState.DISPATCHED: "已派单",
    OrderState.SIGNED: "办理中",
    OrderState.RETURN_REQUESTED: "退回审核中",
    OrderState.EXTENSION_REQUESTED: "延期审核中",
    OrderState.COMPLETED: "已办结",
    OrderState.REVISITING: "回访中",
    OrderState.MANUAL_REVISIT: "待人工回访",
    OrderState.CLOSED: "已归档",
    OrderState.APPEALED: "申诉审核中",
}

TERMINAL_STATES = frozenset({OrderState.NOT_ACCEPTED, OrderState.ANSWERED_ON_LINE, OrderState.REPLIED})


class ReplyMeans(StrEnum):
    """第16条(一): how a promised reply reaches the caller."""

    CALLBACK = "callback"
    THREE_WAY = "three_way"
    SMS = "sms"


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class CompletionOutcome(StrEnum):
    """第22条: what the unit reports."""

    SOLVED = "solved"  # 已解决
    EXPLAINED = "explained"  # 解释说明: not possible by law or policy, explained to the caller
    IN_PROGRESS = "in_progress"  # 暂时无法解决: concrete measures and a date


class RevisitChannel(StrEnum):
    """第25条: return visits by automated outbound call, SMS, or a person."""

    AUTOMATED_CALL = "automated_call"
    SMS = "sms"
    MANUAL = "manual"


class Rating(StrEnum):
    """第26条: the three levels of satisfaction."""

    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意

    @property
    def zh(self) -> str:
        return {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}[self.value]


class AppealReason(IntEnum):
    """第27条: the five grounds on which a unit may appeal an unsatisfied rating."""

    DIFFERS_FROM_RECORDING = 1
    VISITOR_LED_CALLER = 2
    NORMAL_TIME_LIMIT = 3
    NEW_DEMANDS_AT_VISIT = 4
    FALSE_OR_POLICY_OR_MALICIOUS = 5


class SupervisionTrigger(IntEnum):
    """第34条: the seven grounds for supervision (督办)."""

    OVERDUE = 1
    HOT_OR_DIFFICULT = 2
    UNSATISFIED_AFTER_REDO = 3
    ASSIGNED_BY_GOVERNMENT = 4
    MEDIA_EXPOSURE = 5
    SEVERE_SOCIAL_IMPACT = 6
    OTHER_BY_LAW = 7


AUTOMATIC_SUPERVISION_TRIGGERS = frozenset({SupervisionTrigger.OVERDUE, SupervisionTrigger.UNSATISFIED_AFTER_REDO})


class SupervisionMeans(StrEnum):
    """第34条: means of supervision ("including but not limited to")."""

    PHONE_CHASE = "phone_chase"  # 电话催办
    UNANNOUNCED_VISIT = "unannounced_visit"  # 现场暗访
    LETTER = "letter"  # 发函督办
    MEETING = "meeting"  # 召开督办会议
    OTHER = "other"


class CallKind(StrEnum):
    INBOUND = "inbound"
    CALLBACK = "callback"
    THREE_WAY = "three_way"
    SURVEY = "survey"


@dataclass(frozen=True, slots=True)
class SealedValue:
    """A personal field of an anonymous caller, encrypted (第15条). `masked` is what screens may show."""

    ciphertext: str
    masked: str


PersonalField = str | SealedValue | None


@dataclass(frozen=True, slots=True)
class Caller:
    """诉求人. For an anonymous caller every present personal field is a `SealedValue` (see `privacy.seal_caller`);
    `phone_key` is a keyed fingerprint of the phone number so repeat callers are found without decrypting."""

    name: PersonalField = None
    phone: PersonalField = None
    id_number: PersonalField = None
    address: PersonalField = None
    is_anonymous: bool = False
    phone_key: str | None = None
    form_of_address: str | None = None  # 先生 / 女士

    PERSONAL_FIELDS = ("name", "phone", "id_number", "address")

    def is_sealed(self) -> bool:
        """True when every present personal field is sealed (anything else, text or not, is plain)."""
        return all(getattr(self, f) is None or isinstance(getattr(self, f), SealedValue) for f in self.PERSONAL_FIELDS)


@dataclass(frozen=True, slots=True)
class CallLink:
    """A call that belongs to the order (第3条): AMI identifiers and the MixMonitor recording's name."""

    uniqueid: str
    kind: CallKind = CallKind.INBOUND
    linkedid: str | None = None
    recording: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    """退回申请 (第17–18条)."""

    requested_at: datetime
    unit: str
    reason: str
    state: RequestState = RequestState.PENDING
    decided_at: datetime | None = None
    decision_note: str | None = None


@dataclass(frozen=True, slots=True)
class ExtensionRequest:
    """延期申请 (第20–21条)."""

    requested_at: datetime
    unit: str
    working_days: int
    reason: str
    state: RequestState = RequestState.PENDING
    decided_at: datetime | None = None
    decision_note: str | None = None
    new_due: datetime | None = None


@dataclass(frozen=True, slots=True)
class CompletionReport:
    """办理情况 (第22条): body, time, process and result; for work still in progress, measures and a date."""

    handled_by: str
    handled_at: datetime
    process: str
    result: str
    outcome: CompletionOutcome
    plan: str | None = None
    planned_date: date | None = None
    reported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RevisitRecord:
    """回访 (第25–26条): one visit and its outcome, with the evidence (recording name, DTMF log, SMS reply)."""

    channel: RevisitChannel
    started_at: datetime
    rating: Rating | None = None
    rated_at: datetime | None = None
    deemed: bool = False  # True when the 72-hour rule set the rating
    evidence: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Appeal:
    """满意度申诉 (第27条)."""

    filed_at: datetime
    unit: str
    reason: AppealReason
    evidence: tuple[str, ...]
    statement: str = ""
    state: RequestState = RequestState.PENDING
    decided_at: datetime | None = None
    decision_note: str | None = None


@dataclass(frozen=True, slots=True)
class SupervisionRecord:
    """督办 (第34–35条): trigger, means, deadline and outcome; escalation to the inspection office."""

    record_id: str
    trigger: SupervisionTrigger
    means: SupervisionMeans
    opened_at: datetime
    deadline: datetime | None = None
    note: str = ""
    escalated_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class CoordinationDecision:
    """第23条: responsibility decided by the city government; it binds later matters of the same kind."""

    lead_unit: str
    decided_at: datetime
    keywords: tuple[str, ...]
    category: Category | None = None
    district: str | None = None
    basis: str = ""


@dataclass(frozen=True, slots=True)
class Coordination:
    """疑难事项协调 (第23条)."""

    opened_at: datetime
    reason: str
    decision: CoordinationDecision | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One step of the order's life (第14条, 第39条): who, in which role, from which seat, when, and what changed.
    `changes` holds (field, old, new) in display form; personal data of anonymous callers appears only masked."""

    at: datetime
    actor_id: str
    role: Role
    action: str
    changes: tuple[tuple[str, str, str], ...] = ()
    note: str = ""
    seat: str | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """工作流转单 (第14条). Built by `lifecycle.open_work_order`, changed only by `lifecycle.apply`."""

    order_id: str
    channel: Channel
    created_at: datetime
    state: OrderState = OrderState.INTAKE
    caller: Caller = field(default_factory=Caller)
    category: Category | None = None
    district: str | None = None
    street: str | None = None
    address: str | None = None
    description: str = ""
    urgency: Urgency = Urgency.NORMAL
    lead_unit: str | None = None
    co_units: tuple[str, ...] = ()
    kb_answer_ref: str | None = None
    answer_text: str | None = None
    not_accepted_reason: NotAcceptedReason | None = None
    not_accepted_basis: str | None = None
    legal_limit_wd: int | None = None  # 第19条(三): a law's own limit overrides the category's
    calls: tuple[CallLink, ...] = ()
    taken_by_unit: str | None = None  # leader-seat calls count for that unit (第30条)
    reply_means: ReplyMeans | None = None
    reply_due: datetime | None = None
    replied_at: datetime | None = None
    dispatched_at: datetime | None = None
    sign_due: datetime | None = None
    signed_at: datetime | None = None
    return_due: datetime | None = None
    due: datetime | None = None
    response_due: datetime | None = None  # emergencies: contact the caller or be on site within hours (第16条)
    responded_at: datetime | None = None
    returns: tuple[ReturnRequest, ...] = ()
    extensions: tuple[ExtensionRequest, ...] = ()
    completion: CompletionReport | None = None
    completed_at: datetime | None = None
    revisits: tuple[RevisitRecord, ...] = ()
    rating_deadline: datetime | None = None  # first automated attempt + 72 h (第26条)
    revisit_due: datetime | None = None  # manual revisit within 1 WD of an unsatisfied automated result
    rating: Rating | None = None
    rated_at: datetime | None = None
    appeal_due: datetime | None = None
    appeals: tuple[Appeal, ...] = ()
    rating_excluded: bool = False  # an upheld appeal takes the rating out of the unit's score
    redo_count: int = 0  # 发回重办 (第33条)
    supervisions: tuple[SupervisionRecord, ...] = ()
    coordination: Coordination | None = None
    history: tuple[HistoryEntry, ...] = ()

    @property
    def is_emergency(self) -> bool:
        return self.urgency is Urgency.EMERGENCY

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def pending_extension(self) -> ExtensionRequest | None:
        last = self.extensions[-1] if self.extensions else None
        return last if last is not None and last.state is RequestState.PENDING else None

    def pending_return(self) -> ReturnRequest | None:
        last = self.returns[-1] if self.returns else None
        return last if last is not None and last.state is RequestState.PENDING else None

    def pending_appeal(self) -> Appeal | None:
        last = self.appeals[-1] if self.appeals else None
        return last if last is not None and last.state is RequestState.PENDING else None

    def open_supervisions(self) -> tuple[SupervisionRecord, ...]:
        return tuple(s for s in self.supervisions if s.closed_at is None)

    def units(self) -> tuple[str, ...]:
        """Lead unit first, then co-units."""
        return ((self.lead_unit,) if self.lead_unit else ()) + self.co_units


def describe_caller(caller: Caller) -> str:
    """The caller as history and logs show it: personal fields masked for every caller, because a caller who asks
    for confidentiality later in the call (第15条) must not find the number already written in plain."""
    parts = []
    for name in Caller.PERSONAL_FIELDS:
        value = getattr(caller, name)
        if isinstance(value, SealedValue):
            parts.append(f"{name}={value.masked}")
        elif isinstance(value, str) and value:
            parts.append(f"{name}={mask_field(name, value)}")
    if caller.form_of_address:
        parts.append(f"form_of_address={caller.form_of_address}")
    if caller.is_anonymous:
        parts.append("anonymous")
    return ", ".join(parts)


def describe(value: Any) -> str:
    """Display form of a field value for history entries: sealed values only ever show their mask."""
    if value is None:
        return ""
    if isinstance(value, SealedValue):
        return value.masked
    if isinstance(value, Caller):
        return describe_caller(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, IntEnum):
        return str(int(value))
    if isinstance(value, tuple):
        return "; ".join(describe(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = (f"{f.name}={describe(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__name__}(" + ", ".join(p for p in parts if not p.endswith("=")) + ")"
    return str(value)
