"""What the seat session takes in: the desk's own event types, in four families.

- PBX events about calls and the seat's queue membership (mapped by the runtime from the telephony facade's domain
  events; calls are named by their call id, never by a channel);
- speech: transcript partial and final results, and pre-fill suggestions per field with their evidence;
- the store and the center: the lookup of the calling number's earlier orders, sync acks, rejections (with the rule)
  and changes made elsewhere, drafts found at start-up;
- the agent's intents: what the window's buttons and boxes ask for.

Every event is a frozen dataclass; the time of an event is passed to `feed` beside it. The caller's number and name
are left out of `repr`, so a logged event never shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent_desktop.core.caller_flags import CallerRecord
from agent_desktop.core.work_order import NotAcceptedReason, OrderState, Rating, ReplyMeans, WorkOrder
from agent_desktop.desk.calls import CallAction, ConferenceParty, EndReason, SeatAction
from agent_desktop.desk.form import DraftField
from agent_desktop.desk.records import DraftRecord
from agent_desktop.desk.transcript import TranscriptSource


class DeskEvent:
    """Base of everything `feed` takes."""

    __slots__ = ()


# --- the PBX -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallOffered(DeskEvent):
    call_id: str
    number: str = field(default="", repr=False)
    name: str = field(default="", repr=False)
    queue: str = ""
    order_id: str | None = None  # the draft's order id; None: the seat's prefix + the call id


@dataclass(frozen=True, slots=True)
class CallRinging(DeskEvent):
    call_id: str


@dataclass(frozen=True, slots=True)
class CallAnswered(DeskEvent):
    call_id: str
    number: str = field(default="", repr=False)  # for a call first seen answered (after a resync)
    name: str = field(default="", repr=False)
    recording: str | None = None
    order_id: str | None = None  # for a call first seen answered: its order's number (as CallOffered's)


@dataclass(frozen=True, slots=True)
class RecordingStarted(DeskEvent):
    """MixMonitor started after the answer; the file is linked to the call's order."""

    call_id: str
    recording: str


@dataclass(frozen=True, slots=True)
class CallHeld(DeskEvent):
    call_id: str


@dataclass(frozen=True, slots=True)
class CallResumed(DeskEvent):
    call_id: str


@dataclass(frozen=True, slots=True)
class CallTransferred(DeskEvent):
    call_id: str
    target: str = ""


@dataclass(frozen=True, slots=True)
class ConferencePartyJoined(DeskEvent):
    call_id: str
    party: ConferenceParty
    number: str = ""


@dataclass(frozen=True, slots=True)
class ConferencePartyLeft(DeskEvent):
    call_id: str
    party: ConferenceParty
    number: str = ""


@dataclass(frozen=True, slots=True)
class ConferenceUnitUnreachable(DeskEvent):
    call_id: str
    number: str = ""
    reason: str = ""  # busy, no_answer, ...


@dataclass(frozen=True, slots=True)
class CallEnded(DeskEvent):
    call_id: str
    reason: EndReason = EndReason.COMPLETED


@dataclass(frozen=True, slots=True)
class AfterCallWorkStarted(DeskEvent):
    pass


@dataclass(frozen=True, slots=True)
class AfterCallWorkEnded(DeskEvent):
    pass


@dataclass(frozen=True, slots=True)
class QueueLoggedIn(DeskEvent):
    paused: bool = False


@dataclass(frozen=True, slots=True)
class QueueLoggedOut(DeskEvent):
    pass


@dataclass(frozen=True, slots=True)
class SeatPaused(DeskEvent):
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SeatReady(DeskEvent):
    pass


@dataclass(frozen=True, slots=True)
class AmiConnectionLost(DeskEvent):
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AmiConnectionRestored(DeskEvent):
    pass


# --- speech ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TranscriptPartial(DeskEvent):
    call_id: str
    text: str = field(repr=False)
    source: TranscriptSource = TranscriptSource.RECOGNIZER


@dataclass(frozen=True, slots=True)
class TranscriptFinal(DeskEvent):
    call_id: str
    text: str = field(repr=False)
    source: TranscriptSource = TranscriptSource.RECOGNIZER


@dataclass(frozen=True, slots=True)
class FieldSuggestion:
    """One field of a pre-fill pass. `value` None withdraws an earlier suggestion for the field."""

    field: DraftField
    value: str | None = field(repr=False)
    evidence: str = field(default="", repr=False)  # the words of the transcript it came from


@dataclass(frozen=True, slots=True)
class SuggestionsArrived(DeskEvent):
    call_id: str
    suggestions: tuple[FieldSuggestion, ...] = ()
    caller_asked_anonymity: bool = False  # the pre-fill heard a request for confidentiality (第15条)
    anonymity_evidence: str = field(default="", repr=False)


# --- the store and the center ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallerHistoryFound(DeskEvent):
    """The local store's answer to `LookUpCaller`: the number's orders and earlier calls, and its record."""

    call_id: str
    orders: Sequence[WorkOrder] = ()
    call_times: Sequence[datetime] = ()
    record: CallerRecord | None = None


@dataclass(frozen=True, slots=True)
class OrderAcked(DeskEvent):
    order_id: str
    version: int = 0


@dataclass(frozen=True, slots=True)
class OrderRejected(DeskEvent):
    order_id: str
    code: str = ""
    text: str = ""
    article: str | None = None  # the rule the center applied, e.g. 第13条
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)  # the error's, when the seat refused


@dataclass(frozen=True, slots=True)
class OrderChangedRemotely(DeskEvent):
    order_id: str
    state: OrderState


@dataclass(frozen=True, slots=True)
class StoredDraftsLoaded(DeskEvent):
    """Drafts the store held at start-up: a previous run ended with them unsaved (a crash, a power cut)."""

    drafts: tuple[DraftRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Tick(DeskEvent):
    """The runtime's timer: lets the session autosave every few seconds."""


# --- the agent ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestCallAction(DeskEvent):
    call_id: str
    action: CallAction
    number: str = ""  # the transfer target or the unit's number for a three-way call
    label: str = ""  # the unit's name as the agent picked it (its leg's caller ID is the hotline's own number)


@dataclass(frozen=True, slots=True)
class RequestSeatAction(DeskEvent):
    action: SeatAction
    reason: str = ""  # the pause reason
    order_id: str | None = None  # the order whose caller a callback rings


@dataclass(frozen=True, slots=True)
class EditField(DeskEvent):
    call_id: str
    field: DraftField
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class AcceptSuggestion(DeskEvent):
    call_id: str
    field: DraftField


@dataclass(frozen=True, slots=True)
class AcceptAllSuggestions(DeskEvent):
    call_id: str


@dataclass(frozen=True, slots=True)
class FlagUrgent(DeskEvent):
    call_id: str
    urgent: bool = True


@dataclass(frozen=True, slots=True)
class MarkAnonymous(DeskEvent):
    """The caller asked for confidentiality (第15条)."""

    call_id: str


@dataclass(frozen=True, slots=True)
class SaveDraft(DeskEvent):
    """Save the order as taken so far (受理中), to finish it later."""

    call_id: str


@dataclass(frozen=True, slots=True)
class DispatchOrder(DeskEvent):
    call_id: str
    lead_unit: str | None = None  # None: the form's lead unit
    co_units: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NotAcceptOrder(DeskEvent):
    call_id: str
    reason: NotAcceptedReason | None = None  # None: the form's reason


@dataclass(frozen=True, slots=True)
class ReplyDirectly(DeskEvent):
    """Answer on line from a knowledge-base entry (第16条(一))."""

    call_id: str
    answer: str
    kb_entry_id: str | None = None


@dataclass(frozen=True, slots=True)
class PromiseReply(DeskEvent):
    """Reply within 1 WD, with the caller's consent (第16条(一))."""

    call_id: str
    means: ReplyMeans = ReplyMeans.CALLBACK


@dataclass(frozen=True, slots=True)
class RecordRevisit(DeskEvent):
    """The manual return visit (人工回访, 第26条) of an order of "my tasks": the rating the caller gave the agent on
    the phone and the agent's note of what the caller said (the reason, when the rating changes)."""

    order_id: str
    rating: Rating
    note: str = ""


@dataclass(frozen=True, slots=True)
class DiscardDraft(DeskEvent):
    call_id: str


@dataclass(frozen=True, slots=True)
class RestoreDraft(DeskEvent):
    draft_id: str


@dataclass(frozen=True, slots=True)
class DeclineRestore(DeskEvent):
    draft_id: str
