"""Domain events of the call tracker: what a seat's screen, the work order and the statistics need to know about
calls, queue membership and callbacks — never AMI field names.

Every event is a frozen dataclass with `call_id`, `caller` and `time`, and `to_json()` gives a JSON-ready dict with
at least `event`, `call_id`, `caller` and `time` (ISO 8601 with offset). The caller's number stays raw here because a
normal caller's number is shown on screen; the UI masks anonymous callers (core.masks) and seals them (core.privacy).
So that a logged event never leaks a number or a name, those fields are left out of `repr()`.

Pure module: stdlib only (no asyncio, sockets, panoramisk).
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


class Party(enum.StrEnum):
    """Who did something on a call (hung up, held, joined a conference)."""

    CALLER = "caller"
    AGENT = "agent"
    UNIT = "unit"  # a responsible unit's number added to a three-way call, or anyone else dialled in
    SYSTEM = "system"  # the PBX or the desktop itself (ring timeout, lost during reconnect, ...)


class OriginateOutcome(enum.StrEnum):
    """How an Originate (callback, survey call) or a callback's customer leg ended up."""

    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    HUNG_UP = "hung_up"  # the far end hung up before answering
    CANCELLED = "cancelled"  # our side gave up (DialStatus CANCEL)
    FAILED = "failed"  # channel unavailable, bad context, unregistered phone, ...


class CallState(enum.StrEnum):
    """Where a followed call is."""

    OFFERED = "offered"  # the queue (or a caller's Dial) rings the seat
    RINGING = "ringing"  # the seat's phone rings, or a callback's citizen
    ANSWERED = "answered"


class CallDirection(enum.StrEnum):
    INBOUND = "inbound"  # a citizen's call (queue, or dialled to the seat)
    OUTBOUND = "outbound"  # the seat's callback
    CONFERENCE = "conference"  # a three-way room none of the followed calls is in (a supervisor's view)


class TransferKind(enum.StrEnum):
    BLIND = "blind"
    ATTENDED = "attended"
    THREEWAY = "threeway"  # an attended transfer that made a three-way call (AttendedTransfer DestType Threeway)


class CallbackStage(enum.StrEnum):
    ORIGINATE = "originate"  # the Originate's first leg, normally the seat's phone
    CUSTOMER = "customer"  # the citizen's leg a callback then dials


class EndReason(enum.StrEnum):
    """Why a call ended for the seat (CallEnded.reason). A callback's citizen not reached ends with the outcome's
    own word (busy, no_answer, ...)."""

    COMPLETED = "completed"
    ABANDONED = "abandoned"  # the caller hung up before an answer
    NOT_ANSWERED = "not_answered"  # the ring stopped (timeout)
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    REJECTED = "rejected"  # the seat's phone declined
    TRANSFERRED = "transferred"
    LEFT_CONFERENCE = "left_conference"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    HUNG_UP = "hung_up"
    CANCELLED = "cancelled"
    FAILED = "failed"
    LOST_DURING_RECONNECT = "lost during reconnect"  # gone from the PBX's channel list at a resync
    STALE = "no longer tracked (too many live calls)"


# OriginateResponse `Reason` = AST_CONTROL_* code (tech brief §1.6): 3 means it rang until the timeout.
ORIGINATE_REASONS: dict[int, OriginateOutcome] = {
    0: OriginateOutcome.FAILED,
    1: OriginateOutcome.HUNG_UP,
    3: OriginateOutcome.NO_ANSWER,
    4: OriginateOutcome.ANSWERED,
    5: OriginateOutcome.BUSY,
    8: OriginateOutcome.CONGESTION,
}

# DialEnd `DialStatus` (tech brief §1.4) of a callback's customer leg.
DIAL_STATUSES: dict[str, OriginateOutcome] = {
    "ANSWER": OriginateOutcome.ANSWERED,
    "BUSY": OriginateOutcome.BUSY,
    "NOANSWER": OriginateOutcome.NO_ANSWER,
    "CONGESTION": OriginateOutcome.CONGESTION,
    "CANCEL": OriginateOutcome.CANCELLED,
    "ABORT": OriginateOutcome.CANCELLED,
    "CHANUNAVAIL": OriginateOutcome.FAILED,
}


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """Base of all tracker events. `call_id` is the caller leg's Linkedid ("" for events about a seat, not a call)."""

    EVENT: ClassVar[str] = "event"

    call_id: str
    caller: str = field(repr=False)  # raw number: shown to the seat, never logged
    time: datetime

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: `event`, `call_id`, `caller`, `time` (ISO 8601 with offset) and the event's own fields."""
        out: dict[str, Any] = {"event": self.EVENT}
        for f in dataclasses.fields(self):
            out[f.name] = _json_value(getattr(self, f.name))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOffered(DomainEvent):
    """A queue call is offered to an agent (AgentCalled): the screen pop."""

    EVENT: ClassVar[str] = "call_offered"

    caller_name: str = field(default="", repr=False)
    queue: str = ""
    position: int | None = None  # position in the queue when the caller joined
    wait_s: float | None = None  # time the caller has waited in the queue so far
    interface: str = ""  # queue member interface rung, e.g. PJSIP/1001 or Local/agent1@agents
    member_name: str = ""
    caller_channel: str = ""
    agent_channel: str = ""
    uniqueid: str = ""  # caller channel's Uniqueid
    linkedid: str = ""
    resynced: bool = False  # rebuilt from CoreShowChannels after a reconnect, not seen live


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRinging(DomainEvent):
    """The agent's phone rings (queue call), or a callback's customer leg rings (direction "outbound")."""

    EVENT: ClassVar[str] = "call_ringing"

    channel: str = ""  # the ringing channel
    interface: str = ""
    direction: CallDirection = CallDirection.INBOUND


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(DomainEvent):
    """Caller and agent are connected (AgentConnect, or a callback's customer answered)."""

    EVENT: ClassVar[str] = "call_answered"

    caller_name: str = field(default="", repr=False)
    queue: str = ""
    caller_channel: str = ""
    agent_channel: str = ""
    caller_uniqueid: str = ""
    agent_uniqueid: str = ""
    linkedid: str = ""
    interface: str = ""
    hold_time_s: int | None = None  # time in the queue before the answer
    ring_time_s: int | None = None
    recording: str | None = None  # MixMonitor file of the call, kept for the work order
    direction: CallDirection = CallDirection.INBOUND
    resynced: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStarted(DomainEvent):
    """MixMonitor started on the call after it was answered (otherwise the file is in CallAnswered)."""

    EVENT: ClassVar[str] = "recording_started"

    recording: str = ""
    channel: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallHeld(DomainEvent):
    """One side put the call on hold (Hold)."""

    EVENT: ClassVar[str] = "call_held"

    party: Party = Party.AGENT
    channel: str = ""
    music_class: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallResumed(DomainEvent):
    """The held side took the call off hold (Unhold)."""

    EVENT: ClassVar[str] = "call_resumed"

    party: Party = Party.AGENT
    channel: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred(DomainEvent):
    """The call was transferred (BlindTransfer / AttendedTransfer with Result Success)."""

    EVENT: ClassVar[str] = "call_transferred"

    kind: TransferKind = TransferKind.BLIND
    target: str = ""  # extension (blind) or the transfer target's number (attended)
    context: str = ""
    transferer_channel: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferencePartyJoined(DomainEvent):
    """Someone joined the call's three-way conference (ConfbridgeJoin)."""

    EVENT: ClassVar[str] = "conference_joined"

    conference: str = ""
    party: Party = Party.UNIT
    channel: str = ""
    number: str = field(default="", repr=False)
    name: str = field(default="", repr=False)
    admin: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferencePartyLeft(DomainEvent):
    """Someone left the call's three-way conference (ConfbridgeLeave)."""

    EVENT: ClassVar[str] = "conference_left"

    conference: str = ""
    party: Party = Party.UNIT
    channel: str = ""
    number: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(DomainEvent):
    """The call is over for this seat (a channel's Hangup is the truth; AgentComplete only refines who)."""

    EVENT: ClassVar[str] = "call_ended"

    hangup_by: Party = Party.SYSTEM
    cause: int | None = None  # Q.850 cause of the Hangup (16 normal clearing, 17 busy, 19 no answer, ...)
    cause_text: str = ""
    reason: EndReason = EndReason.COMPLETED
    answered: bool = False
    queue: str = ""
    talk_time_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMembershipChanged(DomainEvent):
    """A seat logged in to (QueueMemberAdded) or out of (QueueMemberRemoved) a queue. call_id and caller are ""."""

    EVENT: ClassVar[str] = "queue_membership"

    logged_in: bool = False
    queue: str = ""
    interface: str = ""
    member_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PauseStateChanged(DomainEvent):
    """A seat paused with a reason, or is ready again (QueueMemberPause). call_id and caller are ""."""

    EVENT: ClassVar[str] = "pause_state"

    paused: bool = False
    reason: str = ""
    queue: str = ""
    interface: str = ""
    member_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AfterCallWorkStarted(DomainEvent):
    """The seat is paused for after-call work (QueueMemberPause with the after-call-work reason); call_id is the
    seat's last call if known."""

    EVENT: ClassVar[str] = "after_call_work_started"

    queue: str = ""
    interface: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AfterCallWorkEnded(DomainEvent):
    """The after-call-work pause ended: the seat is ready (or paused for another reason)."""

    EVENT: ClassVar[str] = "after_call_work_ended"

    queue: str = ""
    interface: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackOutcome(DomainEvent):
    """Outcome of an Originate (stage "originate": the first leg, normally the agent's phone) or of a callback's
    customer leg (stage "customer"). `caller` is the number dialled."""

    EVENT: ClassVar[str] = "callback_outcome"

    outcome: OriginateOutcome = OriginateOutcome.FAILED
    stage: CallbackStage = CallbackStage.ORIGINATE
    reason_code: int | None = None  # OriginateResponse Reason
    dial_status: str = ""  # DialEnd DialStatus of the customer leg
    action_id: str = ""
    channel: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyResult(DomainEvent):
    """The caller's satisfaction survey answer (UserEvent Survey with Result, after the DTMF digit). `caller` and
    `work_order` come from the survey's Originate (its ActionID, then its Uniqueid), never only from the event's
    `Caller:`, which Asterisk leaves empty when the Originate set no caller ID."""

    EVENT: ClassVar[str] = "survey_result"

    result: str = ""
    digits: str = ""  # DTMF digits the caller pressed on that channel
    work_order: str = ""  # the order the survey was placed for ("" if the Originate was not ours)
    action_id: str = ""  # the survey Originate's ActionID, when known


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferencePartyUnreachable(DomainEvent):
    """The unit rung into the call's three-way room did not come (its Originate with Application ConfBridge failed):
    the caller and the agent stay in the room."""

    EVENT: ClassVar[str] = "conference_unreachable"

    conference: str = ""
    party: Party = Party.UNIT
    number: str = field(default="", repr=False)
    outcome: OriginateOutcome = OriginateOutcome.FAILED
    reason_code: int | None = None  # OriginateResponse Reason
    dial_status: str = ""  # DialEnd DialStatus of the unit's number, when the outbound context got to dial it
    action_id: str = ""
    channel: str = ""


class StrandedReason(enum.StrEnum):
    """Why the seat's leg is left with nobody to talk to."""

    HELD_CALLER_HUNG_UP = "held_caller_hung_up"  # the caller hung up on hold; the agent's leg waits in hold-agent
    ALONE_IN_CONFERENCE = "alone_in_conference"  # everyone else left the three-way room


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatLegStranded(DomainEvent):
    """The seat's leg is parked in the dialplan (hold-agent's Wait, a ConfBridge room) and nobody else is left: Asterisk
    will not end it by itself, the phone stays up and the queue member stays "In use". The telephony service hangs it
    up when it is its own seat's."""

    EVENT: ClassVar[str] = "seat_leg_stranded"

    channel: str = ""
    uniqueid: str = ""
    reason: StrandedReason = StrandedReason.HELD_CALLER_HUNG_UP


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCall:
    """A call the tracker currently follows (snapshot())."""

    call_id: str
    caller: str = field(repr=False)
    caller_name: str = field(default="", repr=False)
    state: CallState = CallState.OFFERED
    direction: CallDirection = CallDirection.INBOUND
    queue: str = ""
    interface: str = ""
    caller_channel: str = ""
    agent_channel: str = ""
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    on_hold: bool = False
    conference: str = ""
    recording: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: _json_value(getattr(self, f.name)) for f in dataclasses.fields(self)}


EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    CallOffered,
    CallRinging,
    CallAnswered,
    RecordingStarted,
    CallHeld,
    CallResumed,
    CallTransferred,
    ConferencePartyJoined,
    ConferencePartyLeft,
    CallEnded,
    QueueMembershipChanged,
    PauseStateChanged,
    AfterCallWorkStarted,
    AfterCallWorkEnded,
    CallbackOutcome,
    SurveyResult,
    ConferencePartyUnreachable,
    SeatLegStranded,
)
