"""The seat session: the state of one seat's working day as an immutable value, and `feed`, the one way it changes.

Theory of operation
-------------------
``state, intents = feed(state, event, now)`` takes one event (a PBX event about a call or the seat, a transcript
result, pre-fill suggestions, an answer from the local store or the center, a tick of the timer, or the agent's own
intent) and returns the new state and what the runtime must now carry out (`intents`). Nothing else changes the
state, and `feed` does no I/O, reads no clock and never blocks; the state is frozen, so a window renders a snapshot
that nobody changes under it.

Per call the state holds the caller pop (number, name, the number's earlier orders and flags of 第13条(六) and
第41条), the transcript, the work-order form (the agent's values and the pre-fill's suggestions, see `form`), and
what may be done now: `DeskState.call_actions` from the call's state (table in `calls`) and
`DeskState.order_actions` from the order's lifecycle (`core.lifecycle.allowed_actions`).

The rules the session owns:
- the agent's value always wins (see `form`);
- anonymity (第15条) takes effect at once: the caller's number and name in the pop, the personal fields of the form
  and their suggestions become `SealedValue`s (the plain text is gone from the state), the words of the transcript
  where they were said are starred, and a fresh autosave replaces the previous copy;
- an ended call that was answered stays as after-call work, with its draft, until the draft is saved as an order or
  discarded, or until `MAX_AFTER_CALL_WORK` newer ones wait (its draft then stays autosaved for the next start);
  a call never answered here and never typed into is dropped when it ends;
- the draft is autosaved (`AutosaveDraft`) on every change of the call's state and, while it changes, at most every
  `DeskSettings.autosave_interval_s` (the runtime sends `Tick`s); on the next start the runtime feeds the drafts it
  finds (`StoredDraftsLoaded`) and the session offers them (`OfferRestore`);
- saving checks the whole step with the core first (open the order, then dispatch / not accept / answer / promise):
  a step the core refuses raises its `TransitionRefused` / `InvalidCommand` and nothing is emitted; a step the core
  accepts becomes `OpenOrder` + `ApplyOrderCommand` intents in order, and the draft's autosaved copy is deleted.

Two error kinds, as in h11: the local side asking for something its state does not allow raises (`ActionNotAllowed`,
`InvalidCommand`) and leaves the state as it was; the PBX reporting something the tables do not expect is recorded
as a `CallAnomaly` and never raised.

Imports the core only; no asyncio, no Qt, no adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from agent_desktop.core import lifecycle
from agent_desktop.core.caller_flags import ScreenPopFlags, screen_pop_flags
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.lifecycle import (
    Action,
    AnswerOnLine,
    ChangeRating,
    Command,
    ConfirmRating,
    Dispatch,
    EditFields,
    NotAccept,
    RuleContext,
)
from agent_desktop.core.lifecycle import PromiseReply as PromiseReplyCommand
from agent_desktop.core.masks import normalise_phone
from agent_desktop.core.privacy import FieldCipher, seal_caller
from agent_desktop.core.roles import Actor
from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.core.work_order import (
    Caller,
    CallKind,
    CallLink,
    Category,
    Channel,
    NotAcceptedReason,
    OrderState,
    Rating,
    SealedValue,
    Urgency,
    WorkOrder,
)
from agent_desktop.core.working_days import require_aware
from agent_desktop.desk import events as ev
from agent_desktop.desk import form as fm
from agent_desktop.desk.calls import (
    CALL_TRANSITIONS,
    ActionNotAllowed,
    CallAction,
    CallAnomaly,
    CallEventKind,
    CallState,
    ConferenceParty,
    EndReason,
    QueueState,
    SeatAction,
    call_actions,
    seat_actions,
)
from agent_desktop.desk.feedback import build_feedback
from agent_desktop.desk.form import DraftField, FieldValue, Form, Sealing
from agent_desktop.desk.intents import (
    ApplyOrderCommand,
    AutosaveDraft,
    DeleteDraft,
    DeskIntent,
    DoCallAction,
    DoSeatAction,
    LookUpCaller,
    OfferRestore,
    OpenOrder,
)
from agent_desktop.desk.records import DraftRecord
from agent_desktop.desk.transcript import Transcript, add_final, add_partial, mask_words

MAX_EARLIER_ORDERS = 20
MAX_ORDER_NOTES = 50
MAX_ANOMALIES = 100
# unfinished after-call work kept in memory; older drafts stay autosaved on disk and are offered at the next start
MAX_AFTER_CALL_WORK = 20


@dataclass(frozen=True, slots=True)
class DeskSettings:
    actor: Actor
    cipher: FieldCipher = field(repr=False, compare=False)
    ctx: RuleContext = field(default_factory=RuleContext.default, compare=False)
    autosave_interval_s: float = 5.0
    order_id_prefix: str = "WO-"
    channel: Channel = Channel.PHONE


class OrderAction(StrEnum):
    """What the agent may do with a call's order (the form's buttons)."""

    SAVE = "save"  # keep it as taken so far (受理中)
    DISPATCH = "dispatch"
    NOT_ACCEPT = "not_accept"
    REPLY_DIRECTLY = "reply_directly"
    PROMISE_REPLY = "promise_reply"
    DISCARD = "discard"

    @property
    def zh(self) -> str:
        return {"save": "保存", "dispatch": "派单", "not_accept": "不予受理", "reply_directly": "直接答复",
                "promise_reply": "承诺答复", "discard": "放弃"}[self.value]


_FROM_LIFECYCLE = {
    Action.EDIT: OrderAction.SAVE,
    Action.DISPATCH: OrderAction.DISPATCH,
    Action.NOT_ACCEPT: OrderAction.NOT_ACCEPT,
    Action.ANSWER_ON_LINE: OrderAction.REPLY_DIRECTLY,
    Action.PROMISE_REPLY: OrderAction.PROMISE_REPLY,
}


@dataclass(frozen=True, slots=True)
class EarlierOrder:
    order_id: str
    state: OrderState
    created_at: datetime
    category: Category | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True)
class CallerPop:
    """The screen pop. `number` and `name` are plain for a known caller, `SealedValue`s for an anonymous one."""

    number: FieldValue | None = field(default=None, repr=False)
    name: FieldValue | None = field(default=None, repr=False)
    phone_key: str | None = None
    anonymous: bool = False
    flags: ScreenPopFlags | None = None  # None until the store answered
    earlier_orders: tuple[EarlierOrder, ...] = ()

    @property
    def shown_number(self) -> str:
        return _shown(self.number)

    @property
    def shown_name(self) -> str:
        return _shown(self.name)

    @property
    def is_repeat_caller(self) -> bool:
        """第13条(六): the number has a matter being handled."""
        return self.flags is not None and bool(self.flags.open_order_ids)

    @property
    def is_frequent_caller(self) -> bool:
        """第41条: more calls than the threshold in the window."""
        return self.flags is not None and self.flags.is_frequent_caller

    @property
    def is_marked_harassing(self) -> bool:
        return self.flags is not None and self.flags.is_marked_harassing


def _shown(value: FieldValue | None) -> str:
    if value is None:
        return ""
    return value.masked if isinstance(value, SealedValue) else value


@dataclass(frozen=True, slots=True)
class Rejection:
    code: str
    text: str
    article: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)  # the error's: the window words it


@dataclass(frozen=True, slots=True)
class OrderNote:
    """An order this seat saved today, as the center answered about it."""

    order_id: str
    call_id: str
    state: OrderState
    acked: bool = False
    rejection: Rejection | None = None


@dataclass(frozen=True, slots=True)
class Call:
    call_id: str
    order_id: str
    state: CallState
    offered_at: datetime
    pop: CallerPop = field(default_factory=CallerPop)
    transcript: Transcript = field(default_factory=Transcript)
    form: Form = fm.EMPTY_FORM
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    recording: str | None = None
    units_in_conference: tuple[str, ...] = ()
    three_way_target: str = ""  # the unit the agent asked for ("name number"): shown once its leg joins
    saved_order: WorkOrder | None = None  # as the session computed it when it was saved
    order_state: OrderState | None = None  # None: not saved yet
    unsaved: bool = False  # changes since the order was saved (or since the call began)
    autosave_due: bool = False
    last_autosave_at: datetime | None = None
    restored: bool = False

    @property
    def anonymous(self) -> bool:
        return self.pop.anonymous

    @property
    def is_after_call_work(self) -> bool:
        return self.state is CallState.ENDED

    def field(self, name: DraftField) -> fm.FieldEntry:
        return fm.entry(self.form, name)

    @property
    def pending_suggestions(self) -> tuple[fm.FieldEntry, ...]:
        return tuple(e for e in self.form if e.suggestion is not None)


@dataclass(frozen=True, slots=True)
class DeskState:
    settings: DeskSettings
    queue: QueueState = QueueState.LOGGED_OUT
    pause_reason: str = ""
    ami_connected: bool = False
    calls: tuple[Call, ...] = ()
    restore_offers: tuple[DraftRecord, ...] = ()
    orders: tuple[OrderNote, ...] = ()
    anomalies: tuple[CallAnomaly, ...] = ()

    def call(self, call_id: str) -> Call:
        for c in self.calls:
            if c.call_id == call_id:
                return c
        raise InvalidCommand(f"no call {call_id} on this seat", code="unknown_call", details={"call_id": call_id})

    def find(self, call_id: str) -> Call | None:
        return next((c for c in self.calls if c.call_id == call_id), None)

    @property
    def active_call(self) -> Call | None:
        """The call the call bar shows: the newest live call, else the newest after-call work."""
        live = [c for c in self.calls if c.state.is_live]
        if live:
            return live[-1]
        return self.calls[-1] if self.calls else None

    @property
    def on_a_call(self) -> bool:
        return any(c.state.is_live for c in self.calls)

    def call_actions(self, call_id: str) -> frozenset[CallAction]:
        return call_actions(self.call(call_id).state, ami_connected=self.ami_connected)

    def seat_actions(self) -> frozenset[SeatAction]:
        return seat_actions(self.queue, ami_connected=self.ami_connected, on_a_call=self.on_a_call)

    def order_actions(self, call_id: str) -> frozenset[OrderAction]:
        return _order_actions(self.call(call_id), self.settings)


def start(settings: DeskSettings) -> DeskState:
    """The seat's state at start-up: logged out, no AMI connection yet, no call."""
    if not isinstance(settings.cipher, FieldCipher):
        raise InvalidCommand("the desk needs the field cipher to seal anonymous callers", code="bad_value")
    return DeskState(settings=settings)


Result = tuple[DeskState, list[DeskIntent]]


def feed(state: DeskState, event: ev.DeskEvent, now: datetime) -> Result:
    """Take one event at `now`; return the new state and the intents to carry out, in order."""
    require_aware(now, "the time of a desk event")
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise InvalidCommand(f"not a desk event: {type(event).__name__}", code="bad_value")
    new, intents = handler(state, event, now)
    return _forget_oldest_after_call_work(*_autosave(state, new, intents, now), now)


def _forget_oldest_after_call_work(state: DeskState, intents: list[DeskIntent], now: datetime) -> Result:
    """A seat that takes call after call without finishing the drafts must not hold every one of them all day:
    beyond `MAX_AFTER_CALL_WORK` the oldest leave the state, each with a fresh autosave of its draft (nothing is
    lost: the runtime offers stored drafts again at the next start)."""
    ended = [c for c in state.calls if c.state is CallState.ENDED]
    excess = len(ended) - MAX_AFTER_CALL_WORK
    if excess <= 0:
        return state, intents
    gone = {c.call_id for c in ended[:excess]}
    for call in ended[:excess]:
        if call.unsaved or call.restored:
            intents.append(AutosaveDraft(_record(call, now)))
    return replace(state, calls=tuple(c for c in state.calls if c.call_id not in gone)), intents


# --- autosave ------------------------------------------------------------------------------------------------


def _autosave(old: DeskState, new: DeskState, intents: list[DeskIntent], now: datetime) -> Result:
    interval = timedelta(seconds=new.settings.autosave_interval_s)
    calls = []
    for current in new.calls:
        call, before = current, old.find(current.call_id)
        worth = call.unsaved and (call.answered_at is not None or any(e.is_agents for e in call.form)
                                  or call.restored)
        state_changed = before is None or before.state is not call.state
        timer = call.autosave_due and (call.last_autosave_at is None or now - call.last_autosave_at >= interval)
        if worth and (state_changed or timer or (before is not None and before.anonymous != call.anonymous)):
            call = replace(call, autosave_due=False, last_autosave_at=now)
            intents.append(AutosaveDraft(_record(call, now)))
        calls.append(call)
    return replace(new, calls=tuple(calls)), intents


def _record(call: Call, now: datetime) -> DraftRecord:
    return DraftRecord(
        draft_id=call.order_id, call_id=call.call_id, saved_at=now, call_state=call.state, form=call.form,
        anonymous=call.anonymous, number=call.pop.number, name=call.pop.name, phone_key=call.pop.phone_key,
        end_reason=call.end_reason, finals=call.transcript.finals, transcript_source=call.transcript.source,
        order_state=call.order_state, offered_at=call.offered_at, answered_at=call.answered_at,
        recording=call.recording,
    )


# --- helpers -------------------------------------------------------------------------------------------------


def _put(state: DeskState, call: Call) -> DeskState:
    calls = tuple(call if c.call_id == call.call_id else c for c in state.calls)
    if call.call_id not in {c.call_id for c in state.calls}:
        calls = (*calls, call)
    return replace(state, calls=calls)


def _drop(state: DeskState, call: Call, intents: list[DeskIntent]) -> DeskState:
    if call.last_autosave_at is not None or call.restored:
        intents.append(DeleteDraft(call.order_id))
    return replace(state, calls=tuple(c for c in state.calls if c.call_id != call.call_id))


def _anomaly(state: DeskState, call_id: str, call_state: CallState, event: object, now: datetime) -> DeskState:
    note = CallAnomaly(call_id, call_state, type(event).__name__, now.isoformat())
    return replace(state, anomalies=(*state.anomalies, note)[-MAX_ANOMALIES:])


def _sealing(call: Call, settings: DeskSettings) -> Sealing:
    return Sealing(settings.cipher, call.order_id, call.anonymous)


def _order_id(settings: DeskSettings, call_id: str, given: str | None) -> str:
    if given:
        return given
    safe = "".join(c if c.isalnum() or c in "._:-" else "-" for c in call_id)
    return f"{settings.order_id_prefix}{safe}"[:64]


def _phone_key(cipher: FieldCipher, number: str) -> str | None:
    return cipher.phone_key(number) if normalise_phone(number) else None


def _changed(call: Call, **changes: Any) -> Call:
    return replace(call, unsaved=True, autosave_due=True, **changes)


# --- the PBX -------------------------------------------------------------------------------------------------


def _offered(state: DeskState, e: ev.CallOffered, now: datetime) -> Result:
    if state.find(e.call_id) is not None:
        return _anomaly(state, e.call_id, state.call(e.call_id).state, e, now), []
    return _new_call(state, e.call_id, e.order_id, (e.number, e.name), now, call_state=CallState.OFFERED)


def _new_call(state: DeskState, call_id: str, order_id: str | None, caller: tuple[str, str], now: datetime, *,
              call_state: CallState, **extra: Any) -> Result:
    number, name = caller
    if not call_id:
        raise InvalidCommand("a call needs its call id", code="bad_value")
    settings = state.settings
    key = _phone_key(settings.cipher, number)
    pop = CallerPop(number=number.strip() or None, name=name.strip() or None, phone_key=key)
    call = Call(call_id, _order_id(settings, call_id, order_id), call_state, now, pop=pop, **extra)
    intents: list[DeskIntent] = [LookUpCaller(call_id, key)] if key else []
    return _put(state, call), intents


def _move(state: DeskState, call_id: str, kind: CallEventKind, event: object, now: datetime,
          **changes: Any) -> tuple[DeskState, Call | None]:
    call = state.find(call_id)
    if call is None:
        return _anomaly(state, call_id, CallState.ENDED, event, now), None
    target = CALL_TRANSITIONS.get((call.state, kind))
    if target is None:
        return _anomaly(state, call_id, call.state, event, now), None
    call = replace(call, state=target, **changes)
    return _put(state, call), call


def _ringing(state: DeskState, e: ev.CallRinging, now: datetime) -> Result:
    return _move(state, e.call_id, CallEventKind.RINGING, e, now)[0], []


def _answered(state: DeskState, e: ev.CallAnswered, now: datetime) -> Result:
    call = state.find(e.call_id)
    if call is None:  # first seen answered: a resync after a reconnect, or a callback's customer leg
        return _new_call(state, e.call_id, e.order_id, (e.number, e.name), now, call_state=CallState.TALKING,
                         answered_at=now,
                         recording=e.recording)
    return _move(state, e.call_id, CallEventKind.ANSWERED, e, now, answered_at=now,
                 recording=e.recording or call.recording, unsaved=True)[0], []


def _recording(state: DeskState, e: ev.RecordingStarted, now: datetime) -> Result:
    call = state.find(e.call_id)
    if call is None or not call.state.is_live:
        return _anomaly(state, e.call_id, call.state if call else CallState.ENDED, e, now), []
    return _put(state, _changed(call, recording=e.recording)), []


def _held(state: DeskState, e: ev.CallHeld, now: datetime) -> Result:
    return _move(state, e.call_id, CallEventKind.HELD, e, now)[0], []


def _resumed(state: DeskState, e: ev.CallResumed, now: datetime) -> Result:
    return _move(state, e.call_id, CallEventKind.RESUMED, e, now)[0], []


def _transferred(state: DeskState, e: ev.CallTransferred, now: datetime) -> Result:
    new, moved = _move(state, e.call_id, CallEventKind.TRANSFERRED, e, now, ended_at=now,
                       end_reason=EndReason.TRANSFERRED)
    return _after_end(new, moved)


def _joined(state: DeskState, e: ev.ConferencePartyJoined, now: datetime) -> Result:
    if e.party is ConferenceParty.UNIT:
        call = state.find(e.call_id)
        # The unit's leg shows the hotline's caller ID (12345), not the unit: name it as the agent picked it.
        shown = (call.three_way_target if call is not None and call.three_way_target else e.number)
        units = (*call.units_in_conference, shown) if call is not None else ()
        return _move(state, e.call_id, CallEventKind.UNIT_JOINED, e, now, units_in_conference=units)[0], []
    return _move(state, e.call_id, CallEventKind.MOVED_TO_CONFERENCE, e, now)[0], []


def _left(state: DeskState, e: ev.ConferencePartyLeft, now: datetime) -> Result:
    call = state.find(e.call_id)
    if e.party is not ConferenceParty.UNIT or call is None:
        # the caller or the agent leaving ends the call for this seat; CallEnded says so
        return state, []
    units = list(call.units_in_conference)
    named = next((u for u in units if e.number and (u == e.number or u.endswith(" " + e.number))), None)
    if named is not None:
        units.remove(named)
    elif units:
        units.pop(0)
    if units and call.state is CallState.CONFERENCE_WITH_UNIT:
        return _put(state, replace(call, units_in_conference=tuple(units))), []
    return _move(state, e.call_id, CallEventKind.UNIT_LEFT, e, now, units_in_conference=tuple(units))[0], []


def _unreachable(state: DeskState, e: ev.ConferenceUnitUnreachable, now: datetime) -> Result:
    return _move(state, e.call_id, CallEventKind.UNIT_UNREACHABLE, e, now)[0], []


def _ended(state: DeskState, e: ev.CallEnded, now: datetime) -> Result:
    call = state.find(e.call_id)
    if call is not None and call.state is CallState.ENDED:
        return state, []  # the tracker's CallEnded after our own transfer: already done
    new, moved = _move(state, e.call_id, CallEventKind.ENDED, e, now, ended_at=now, end_reason=e.reason)
    return _after_end(new, moved)


def _after_end(state: DeskState, ended: Call | None) -> Result:
    """An ended call stays as after-call work unless there is nothing to finish: never answered here and never
    typed into, or its order saved with no change since."""
    if ended is None:
        return state, []
    intents: list[DeskIntent] = []
    nothing_to_keep = ended.answered_at is None and not any(x.is_agents for x in ended.form)
    saved_and_clean = ended.order_state is not None and not ended.unsaved
    if nothing_to_keep or saved_and_clean:
        state = _drop(state, ended, intents)
    return state, intents


def _queue(queue: QueueState, reason: str = "") -> Callable[[DeskState, Any, datetime], Result]:
    def handle(state: DeskState, e: Any, now: datetime) -> Result:
        return replace(state, queue=queue, pause_reason=reason or getattr(e, "reason", "")), []

    return handle


def _logged_in(state: DeskState, e: ev.QueueLoggedIn, now: datetime) -> Result:
    return replace(state, queue=QueueState.PAUSED if e.paused else QueueState.READY, pause_reason=""), []


def _acw_ended(state: DeskState, e: ev.AfterCallWorkEnded, now: datetime) -> Result:
    if state.queue is not QueueState.AFTER_CALL_WORK:
        return state, []
    return replace(state, queue=QueueState.READY), []


def _ami_lost(state: DeskState, e: ev.AmiConnectionLost, now: datetime) -> Result:
    return replace(state, ami_connected=False), []


def _ami_restored(state: DeskState, e: ev.AmiConnectionRestored, now: datetime) -> Result:
    return replace(state, ami_connected=True), []


# --- speech --------------------------------------------------------------------------------------------------


def _partial(state: DeskState, e: ev.TranscriptPartial, now: datetime) -> Result:
    call = state.find(e.call_id)
    if call is None:
        return state, []  # results of a call already gone
    return _put(state, replace(call, transcript=add_partial(call.transcript, e.text, e.source))), []


def _final(state: DeskState, e: ev.TranscriptFinal, now: datetime) -> Result:
    call = state.find(e.call_id)
    if call is None:
        return state, []
    return _put(state, _changed(call, transcript=add_final(call.transcript, e.text, e.source))), []


def _suggestions(state: DeskState, e: ev.SuggestionsArrived, now: datetime) -> Result:
    call = state.find(e.call_id)
    if call is None:
        return state, []
    if e.caller_asked_anonymity and not call.anonymous:
        state, _ = _mark_anonymous(state, ev.MarkAnonymous(e.call_id), now)
        call = state.call(e.call_id)
        if e.anonymity_evidence:
            call = replace(call, transcript=mask_words(call.transcript, [e.anonymity_evidence]))
    sealing = _sealing(call, state.settings)
    form = call.form
    said: list[str] = []
    for s in e.suggestions:
        form = fm.suggest(form, s.field, s.value, s.evidence, sealing)
        if call.anonymous and s.field.personal_field is not None and s.evidence:
            said.append(s.evidence)
    transcript = mask_words(call.transcript, said) if said else call.transcript
    if form == call.form and transcript == call.transcript:
        return state, []
    return _put(state, _changed(call, form=form, transcript=transcript)), []


# --- the store and the center --------------------------------------------------------------------------------


def _history(state: DeskState, e: ev.CallerHistoryFound, now: datetime) -> Result:
    call = state.find(e.call_id)
    if call is None or call.pop.phone_key is None:
        return state, []
    flags = screen_pop_flags(call.pop.phone_key, orders=e.orders, call_times=e.call_times, record=e.record, now=now,
                             rules=state.settings.ctx.rules)
    mine = sorted((o for o in e.orders if o.caller.phone_key == call.pop.phone_key and o.order_id != call.order_id),
                  key=lambda o: o.created_at, reverse=True)
    earlier = tuple(EarlierOrder(o.order_id, o.state, o.created_at, o.category, o.description[:80])
                    for o in mine[:MAX_EARLIER_ORDERS])
    return _put(state, replace(call, pop=replace(call.pop, flags=flags, earlier_orders=earlier))), []


def _note(desk: DeskState, order_id: str, **changes: Any) -> DeskState:
    notes = tuple(replace(n, **changes) if n.order_id == order_id else n for n in desk.orders)
    return replace(desk, orders=notes)


def _acked(state: DeskState, e: ev.OrderAcked, now: datetime) -> Result:
    return _note(state, e.order_id, acked=True, rejection=None), []


def _rejected(state: DeskState, e: ev.OrderRejected, now: datetime) -> Result:
    return _note(state, e.order_id, acked=False, rejection=Rejection(e.code, e.text, e.article, e.details)), []


def _remote(state: DeskState, e: ev.OrderChangedRemotely, now: datetime) -> Result:
    state = _note(state, e.order_id, state=e.state)
    for call in state.calls:
        if call.order_id == e.order_id and call.order_state is not None:
            state = _put(state, replace(call, order_state=e.state))
    return state, []


def _drafts_loaded(state: DeskState, e: ev.StoredDraftsLoaded, now: datetime) -> Result:
    # a call of the same id may be live again (the tracker's resync): its draft is still offered, and joins it
    known = {c.order_id for c in state.calls if c.restored} | {d.draft_id for d in state.restore_offers}
    offers = tuple(d for d in e.drafts if d.draft_id not in known)
    if not offers:
        return state, []
    state = replace(state, restore_offers=(*state.restore_offers, *offers))
    return state, [OfferRestore(offers)]


def _tick(state: DeskState, e: ev.Tick, now: datetime) -> Result:
    return state, []  # the autosave after every event does the work


# --- the agent: calls and the seat ---------------------------------------------------------------------------


def _call_action(state: DeskState, e: ev.RequestCallAction, now: datetime) -> Result:
    call = state.call(e.call_id)
    allowed = state.call_actions(e.call_id)
    if e.action not in allowed:
        why = "the AMI connection is down" if not state.ami_connected else f"the call is {call.state.value}"
        raise ActionNotAllowed(f"cannot {e.action.value} now: {why}",
                               code="call_action_not_allowed" if state.ami_connected else "ami_down",
                               details={"call_id": e.call_id, "action": e.action.value, "state": call.state.value})
    number = e.number.strip()
    if e.action.needs_number and not number:
        raise InvalidCommand(f"{e.action.value} needs the number to ring", code="missing_number",
                             details={"action": e.action.value, "field": "number"})
    if e.action is CallAction.THREE_WAY:
        label = e.label.strip()
        target = f"{label} {number}" if label and number not in label else (label or number)
        state = _put(state, replace(call, three_way_target=target))
    return state, [DoCallAction(e.call_id, e.action, number)]


def _seat_action(state: DeskState, e: ev.RequestSeatAction, now: datetime) -> Result:
    if e.action not in state.seat_actions():
        why = "the AMI connection is down" if not state.ami_connected else f"the seat is {state.queue.value}"
        code = "ami_down" if not state.ami_connected else "seat_action_not_allowed"
        if state.ami_connected and state.on_a_call and e.action is SeatAction.CALLBACK:
            why, code = "the seat is on a call", "callback_on_a_call"
        elif state.ami_connected and state.on_a_call and e.action is SeatAction.PLAY_RECORDING:
            why, code = "the seat is on a call", "playback_on_a_call"
        raise ActionNotAllowed(f"cannot {e.action.value} now: {why}", code=code,
                               details={"action": e.action.value, "queue": state.queue.value})
    if e.action is SeatAction.PAUSE and not e.reason.strip():
        raise InvalidCommand("a pause needs its reason", code="missing_pause_reason",
                             details={"action": e.action.value, "field": "reason"})
    if e.action in (SeatAction.CALLBACK, SeatAction.PLAY_RECORDING) and not e.order_id:
        raise InvalidCommand(f"{e.action.value} names the order it is about", code="missing_order",
                             details={"action": e.action.value})
    return state, [DoSeatAction(e.action, e.reason.strip(), e.order_id)]


# --- the agent: the form -------------------------------------------------------------------------------------


def _editable(call: Call) -> None:
    if call.order_state not in (None, OrderState.INTAKE):
        raise ActionNotAllowed(f"the order {call.order_id} is already {call.order_state.value}; its form is closed",
                               code="form_closed", details={"order_id": call.order_id,
                                                            "state": call.order_state.value})


def _edit(state: DeskState, e: ev.EditField, now: datetime) -> Result:
    call = state.call(e.call_id)
    _editable(call)
    form = fm.edit(call.form, e.field, e.text, _sealing(call, state.settings))
    return _put(state, _changed(call, form=form)), []


def _accept(state: DeskState, e: ev.AcceptSuggestion, now: datetime) -> Result:
    call = state.call(e.call_id)
    _editable(call)
    return _put(state, _changed(call, form=fm.accept(call.form, e.field))), []


def _accept_all(state: DeskState, e: ev.AcceptAllSuggestions, now: datetime) -> Result:
    call = state.call(e.call_id)
    _editable(call)
    form = fm.accept_all(call.form)
    return (_put(state, _changed(call, form=form)) if form != call.form else state), []


def _urgent(state: DeskState, e: ev.FlagUrgent, now: datetime) -> Result:
    value = Urgency.EMERGENCY.value if e.urgent else Urgency.NORMAL.value
    return _edit(state, ev.EditField(e.call_id, DraftField.URGENCY, value), now)


def _mark_anonymous(state: DeskState, e: ev.MarkAnonymous, now: datetime) -> Result:
    call = state.call(e.call_id)
    if call.anonymous:
        return state, []
    settings = state.settings
    sealing = Sealing(settings.cipher, call.order_id, True)
    # the words where the name and number were said, while they can still be read: starred in the transcript
    said = list(fm.personal_evidence(call.form, sealing))
    said += [v for v in (call.pop.name, call.pop.number) if isinstance(v, str) and v]
    said += [v.value for v in call.form if v.field.personal_field and isinstance(v.value, str) and v.value]
    number = call.pop.number
    pop = replace(
        call.pop,
        anonymous=True,
        number=sealing.protect(DraftField.CALLER_PHONE, number) if number is not None else None,
        name=sealing.protect(DraftField.CALLER_NAME, call.pop.name) if call.pop.name is not None else None,
    )
    call = _changed(call, pop=pop, form=fm.seal_personal(call.form, sealing),
                    transcript=mask_words(call.transcript, said))
    return _put(state, call), []


# --- the agent: saving the order -----------------------------------------------------------------------------


def _order_actions(call: Call, settings: DeskSettings) -> frozenset[OrderAction]:
    order_state = call.order_state or OrderState.INTAKE
    probe = WorkOrder(call.order_id, settings.channel, call.offered_at, state=order_state)
    allowed = {_FROM_LIFECYCLE[a] for a in lifecycle.allowed_actions(probe, settings.actor) if a in _FROM_LIFECYCLE}
    if call.order_state in (None, OrderState.INTAKE):
        allowed.add(OrderAction.DISCARD)
    return frozenset(allowed)


def _require_order_action(state: DeskState, call: Call, action: OrderAction) -> None:
    if action not in _order_actions(call, state.settings):
        where = call.order_state.value if call.order_state else "draft"
        raise ActionNotAllowed(f"cannot {action.value} an order that is {where}", code="order_action_not_allowed",
                               details={"order_id": call.order_id, "action": action.value, "state": where})


def _text(values: dict[DraftField, FieldValue], name: DraftField) -> str:
    value = values.get(name)
    assert not isinstance(value, SealedValue), "only personal fields are sealed"
    return (value or "").strip()


def _urgency(text: str) -> Urgency:
    if text in ("", Urgency.NORMAL.value, "一般", "普通"):
        return Urgency.NORMAL
    if text in (Urgency.EMERGENCY.value, "紧急"):
        return Urgency.EMERGENCY
    raise InvalidCommand(f"unknown urgency {text!r}; expected normal/一般 or emergency/紧急", code="unknown_urgency",
                         details={"field": "urgency", "value": text})


def _caller(call: Call, values: dict[DraftField, FieldValue], settings: DeskSettings) -> Caller:
    def personal(name: DraftField, fallback: FieldValue | None) -> FieldValue | None:
        value = values.get(name, fallback)
        return None if isinstance(value, str) and not value.strip() else value

    caller = Caller(
        name=personal(DraftField.CALLER_NAME, None),
        phone=personal(DraftField.CALLER_PHONE, call.pop.number),
        is_anonymous=call.anonymous,
        form_of_address=_text(values, DraftField.FORM_OF_ADDRESS) or None,
    )
    return seal_caller(caller, settings.cipher, call.order_id)


_LOCATION = (DraftField.DISTRICT, DraftField.STREET, DraftField.ADDRESS)


def _matter(call: Call, values: dict[DraftField, FieldValue], settings: DeskSettings) -> dict[str, Any]:
    """The order's fields from the agent's values, typed as the core wants them."""
    category = _text(values, DraftField.CATEGORY)
    return {
        "caller": _caller(call, values, settings),
        "category": Category.parse(category) if category else None,
        "description": _text(values, DraftField.DESCRIPTION),
        "urgency": _urgency(_text(values, DraftField.URGENCY)),
        **{f.value: _text(values, f) or None for f in _LOCATION},
    }


def _save(state: DeskState, call: Call, step: Command | None, now: datetime,
          finals: dict[DraftField, str] | None = None) -> Result:
    """Open the order (or edit the saved one), then take `step`, all checked by the core before anything is
    emitted. The last step carries the order's pre-fill feedback (`finals`: values the step takes from elsewhere
    than the form)."""
    settings = state.settings
    actor, ctx = settings.actor, settings.ctx
    values = fm.agents_values(call.form)
    matter = _matter(call, values, settings)
    commands: list[Command] = []
    intents: list[DeskIntent] = []
    if call.order_state is None:
        link = CallLink(uniqueid=call.call_id, kind=CallKind.INBOUND, linkedid=call.call_id,
                        recording=call.recording, at=call.answered_at or call.offered_at)
        opening = OpenWorkOrder(channel=settings.channel, caller=matter["caller"], category=matter["category"],
                                description=matter["description"], urgency=matter["urgency"], call=link)
        order = opening.open(call.order_id, actor, now)
        intents.append(OpenOrder(call.order_id, opening, actor, now))
        location = {f.value: matter[f.value] for f in _LOCATION if matter[f.value] is not None}
        if location:
            commands.append(EditFields(location))
    else:
        order = call.saved_order or _probe(call, matter, settings, now)
        changes = {k: v for k, v in matter.items() if getattr(order, k) != v and not _same_caller(order, k, v)}
        if changes:
            commands.append(EditFields(changes))
    if step is not None:
        commands.append(step)
    for command in commands:
        order = lifecycle.apply(order, command, actor, now, ctx)
        intents.append(ApplyOrderCommand(call.order_id, command, actor, now))
    feedback = build_feedback(call.form, _sealing(call, settings), finals=call.transcript.finals, overrides=finals)
    if feedback is not None and intents:
        intents[-1] = replace(intents[-1], feedback=feedback)
    call = replace(call, saved_order=order, order_state=order.state, unsaved=False, autosave_due=False)
    note = OrderNote(call.order_id, call.call_id, order.state)
    notes = (*tuple(n for n in state.orders if n.order_id != call.order_id), note)[-MAX_ORDER_NOTES:]
    if call.last_autosave_at is not None or call.restored:
        # the autosaved copy is of a draft that is now an order: a restore would open it twice
        intents.append(DeleteDraft(call.order_id))
        call = replace(call, last_autosave_at=None, restored=False)
    state = replace(_put(state, call), orders=notes)
    if call.state is CallState.ENDED:
        state = replace(state, calls=tuple(c for c in state.calls if c.call_id != call.call_id))
    return state, intents


def _same_caller(order: WorkOrder, key: str, value: Any) -> bool:
    """Sealing draws a fresh nonce, so a re-sealed caller differs in ciphertext only: compare what it shows."""
    if key != "caller":
        return False
    old: Caller = order.caller
    return (old.is_anonymous, old.phone_key, old.form_of_address, *(_shown(getattr(old, f)) for f in
            Caller.PERSONAL_FIELDS)) == (value.is_anonymous, value.phone_key, value.form_of_address,
                                         *(_shown(getattr(value, f)) for f in Caller.PERSONAL_FIELDS))


def _probe(call: Call, matter: dict[str, Any], settings: DeskSettings, now: datetime) -> WorkOrder:
    """A restored draft of an order saved before the crash: the session no longer has the order it saved, so the
    step is checked on an order of the same state made from the draft."""
    order = lifecycle.open_work_order(call.order_id, channel=settings.channel, actor=settings.actor,
                                      now=min(now, call.offered_at), caller=matter["caller"])
    return replace(order, state=call.order_state or OrderState.INTAKE)


def _save_draft(state: DeskState, e: ev.SaveDraft, now: datetime) -> Result:
    call = state.call(e.call_id)
    _require_order_action(state, call, OrderAction.SAVE)
    return _save(state, call, None, now)


def _dispatch(state: DeskState, e: ev.DispatchOrder, now: datetime) -> Result:
    call = state.call(e.call_id)
    _require_order_action(state, call, OrderAction.DISPATCH)
    lead = (e.lead_unit or _text(fm.agents_values(call.form), DraftField.LEAD_UNIT)).strip()
    if not lead:
        raise InvalidCommand("dispatch needs a lead unit (第16条)", code="missing_lead_unit",
                             details={"action": "dispatch", "field": "lead_unit", "article": "第16条"})
    return _save(state, call, Dispatch(lead, tuple(e.co_units)), now, {DraftField.LEAD_UNIT: lead})


def _not_accept(state: DeskState, e: ev.NotAcceptOrder, now: datetime) -> Result:
    call = state.call(e.call_id)
    _require_order_action(state, call, OrderAction.NOT_ACCEPT)
    reason = e.reason
    if reason is None:
        text = _text(fm.agents_values(call.form), DraftField.NOT_ACCEPTED_REASON)
        try:
            reason = NotAcceptedReason(int(text)) if text else None
        except ValueError:
            raise InvalidCommand(f"not-accepted reason {text!r}: expected 1–8 of 第13条",
                                 code="unknown_not_accept_reason",
                                 details={"field": "not_accepted_reason", "value": text, "article": "第13条"}) from None
    finals = {DraftField.NOT_ACCEPTED_REASON: str(int(reason))} if reason is not None else None
    return _save(state, call, NotAccept(reason), now, finals)


def _reply(state: DeskState, e: ev.ReplyDirectly, now: datetime) -> Result:
    call = state.call(e.call_id)
    _require_order_action(state, call, OrderAction.REPLY_DIRECTLY)
    return _save(state, call, AnswerOnLine(e.answer, e.kb_entry_id), now)


def _promise(state: DeskState, e: ev.PromiseReply, now: datetime) -> Result:
    call = state.call(e.call_id)
    _require_order_action(state, call, OrderAction.PROMISE_REPLY)
    return _save(state, call, PromiseReplyCommand(caller_consents=True, means=e.means), now)


def _discard(state: DeskState, e: ev.DiscardDraft, now: datetime) -> Result:
    call = state.call(e.call_id)
    _require_order_action(state, call, OrderAction.DISCARD)
    if call.state.is_live:
        raise ActionNotAllowed("the call is still going; its draft is discarded after it ends",
                               code="call_still_live", details={"call_id": call.call_id})
    intents: list[DeskIntent] = []
    return _drop(state, replace(call, restored=True), intents), intents


# --- the agent: the manual return visit of an order of "my tasks" ------------------------------------------------


def _record_revisit(state: DeskState, e: ev.RecordRevisit, now: datetime) -> Result:
    """第26条's manual visit: the caller still unsatisfied confirms the rating (ConfirmRating), a better one changes
    it with the reason the visit found (ChangeRating). The order is not a call's, so the session does not hold it:
    the seat's store checks the step with the core when it applies it (a refusal comes back as `OrderRejected`
    with the rule's article, like any step of this seat). The note is required either way: a visit that records a
    rating without what the caller said cannot be checked later (第27条 appeals compare it with the recording)."""
    try:
        rating = Rating(e.rating)
    except ValueError:
        raise InvalidCommand(f"unknown rating {e.rating!r}", code="unknown_rating",
                             details={"field": "rating", "value": str(e.rating), "article": "第26条"}) from None
    note = " ".join(e.note.split())
    if not note:
        code = "revisit_note_required" if rating is Rating.UNSATISFIED else "reason_required"
        raise InvalidCommand("the manual visit records what the caller said (第26条)", code=code,
                             details={"order_id": e.order_id, "field": "note", "article": "第26条"})
    command: Command = (ConfirmRating(note=note) if rating is Rating.UNSATISFIED
                        else ChangeRating(rating, reason=note))
    actor = state.settings.actor
    note_of_order = OrderNote(e.order_id, "", OrderState.CLOSED)
    notes = (*tuple(n for n in state.orders if n.order_id != e.order_id), note_of_order)[-MAX_ORDER_NOTES:]
    return replace(state, orders=notes), [ApplyOrderCommand(e.order_id, command, actor, now)]


# --- restoring a draft ---------------------------------------------------------------------------------------


def _offer(state: DeskState, draft_id: str) -> DraftRecord:
    for d in state.restore_offers:
        if d.draft_id == draft_id:
            return d
    raise InvalidCommand(f"no draft {draft_id} to restore", code="unknown_draft", details={"draft_id": draft_id})


def _restore(state: DeskState, e: ev.RestoreDraft, now: datetime) -> Result:
    record = _offer(state, e.draft_id)
    offers = tuple(d for d in state.restore_offers if d.draft_id != e.draft_id)
    state = replace(state, restore_offers=offers)
    pop = CallerPop(number=record.number, name=record.name, phone_key=record.phone_key, anonymous=record.anonymous)
    transcript = Transcript(record.finals, "", record.transcript_source)
    live = state.find(record.call_id)
    if live is not None and live.state.is_live:
        # the call outlived the crash (the tracker's resync brought it back): the draft joins it
        if record.anonymous and not live.anonymous:
            state, _ = _mark_anonymous(state, ev.MarkAnonymous(live.call_id), now)
            live = state.call(live.call_id)
        call = _changed(live, order_id=record.draft_id, form=record.form, transcript=transcript,
                        order_state=record.order_state, restored=True, recording=live.recording or record.recording)
    else:
        state_was = record.call_state
        call = Call(record.call_id, record.draft_id, CallState.ENDED, record.offered_at or record.saved_at, pop=pop,
                    transcript=transcript, form=record.form, answered_at=record.answered_at,
                    recording=record.recording, ended_at=now,
                    end_reason=record.end_reason or (EndReason.LOST if state_was.is_live else EndReason.OTHER),
                    order_state=record.order_state, unsaved=True, restored=True, last_autosave_at=now)
    intents: list[DeskIntent] = [LookUpCaller(call.call_id, pop.phone_key)] if pop.phone_key else []
    return _put(state, call), intents


def _decline(state: DeskState, e: ev.DeclineRestore, now: datetime) -> Result:
    _offer(state, e.draft_id)
    offers = tuple(d for d in state.restore_offers if d.draft_id != e.draft_id)
    return replace(state, restore_offers=offers), [DeleteDraft(e.draft_id)]


_HANDLERS: dict[type, Callable[[DeskState, Any, datetime], Result]] = {
    ev.CallOffered: _offered,
    ev.CallRinging: _ringing,
    ev.CallAnswered: _answered,
    ev.RecordingStarted: _recording,
    ev.CallHeld: _held,
    ev.CallResumed: _resumed,
    ev.CallTransferred: _transferred,
    ev.ConferencePartyJoined: _joined,
    ev.ConferencePartyLeft: _left,
    ev.ConferenceUnitUnreachable: _unreachable,
    ev.CallEnded: _ended,
    ev.AfterCallWorkStarted: _queue(QueueState.AFTER_CALL_WORK),
    ev.AfterCallWorkEnded: _acw_ended,
    ev.QueueLoggedIn: _logged_in,
    ev.QueueLoggedOut: _queue(QueueState.LOGGED_OUT),
    ev.SeatPaused: _queue(QueueState.PAUSED),
    ev.SeatReady: _queue(QueueState.READY),
    ev.AmiConnectionLost: _ami_lost,
    ev.AmiConnectionRestored: _ami_restored,
    ev.TranscriptPartial: _partial,
    ev.TranscriptFinal: _final,
    ev.SuggestionsArrived: _suggestions,
    ev.CallerHistoryFound: _history,
    ev.OrderAcked: _acked,
    ev.OrderRejected: _rejected,
    ev.OrderChangedRemotely: _remote,
    ev.StoredDraftsLoaded: _drafts_loaded,
    ev.Tick: _tick,
    ev.RequestCallAction: _call_action,
    ev.RequestSeatAction: _seat_action,
    ev.EditField: _edit,
    ev.AcceptSuggestion: _accept,
    ev.AcceptAllSuggestions: _accept_all,
    ev.FlagUrgent: _urgent,
    ev.MarkAnonymous: _mark_anonymous,
    ev.SaveDraft: _save_draft,
    ev.DispatchOrder: _dispatch,
    ev.NotAcceptOrder: _not_accept,
    ev.ReplyDirectly: _reply,
    ev.PromiseReply: _promise,
    ev.DiscardDraft: _discard,
    ev.RecordRevisit: _record_revisit,
    ev.RestoreDraft: _restore,
    ev.DeclineRestore: _decline,
}


def feed_all(state: DeskState, timed: Sequence[tuple[ev.DeskEvent, datetime]]) -> Result:
    """Feed events one after another (tests, replays); the intents of all of them, in order."""
    out: list[DeskIntent] = []
    for event, now in timed:
        state, intents = feed(state, event, now)
        out += intents
    return state, out
