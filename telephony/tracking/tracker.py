"""The call tracker: a pure state machine from AMI events to domain events (events.py).

Theory of operation
-------------------
* `feed(message, now)` takes one AMI message (any `Mapping[str, str]`, e.g. `telephony.ami.protocol.AmiMessage`) and
  returns the domain events it causes. Handlers are looked up in one event-name → handler table; every other event
  (VarSet noise, Newexten, DeviceStateChange, responses, ...) is counted and dropped after one dict lookup.
* A call is keyed by the caller leg's Linkedid (`call_id`). Other legs join it by Uniqueid (AgentCalled/AgentConnect
  name both legs) or by Linkedid (Local channel halves, dialled legs inherit it), a three-way party by the ConfBridge
  room the call's channels are in.
* Seats are matched by device (the channel name less its `-sequence` suffix, Local options dropped, Local members
  learnt from StateInterface). A Local pair optimising itself away hands its role to the channel swapped in
  (LocalOptimizationBegin/End, BridgeEnter SwapUniqueid), as app_queue does.
* A channel's `Hangup` is the truth (ami/README fact 1): the call ends when the caller's channel hangs up, when the
  seat's own channel hangs up (a seat with an interface), or when all of the call's channels are gone. AgentComplete,
  which may come late or never, only refines *who* hung up; so do Hangup/SoftHangupRequest, whichever comes first.
* With `interface` set (e.g. `PJSIP/1001` or `Local/agent1@agents`) only calls offered to that seat are tracked
  (AgentCalled `Interface`, or a DestChannel named after it), plus the seat's own callbacks and queue state. Without
  it every queue call and conference is followed (a supervisor's or `calls watch`'s view).
* The audio fork (an `AudioSocket/...` channel running ChanSpy, see reference/audio-fork.md) is recognised by its
  channel name, ChanSpyStart/Stop, `Application: ChanSpy` and its Cdr, and kept out of calls, statistics and callback
  outcomes.
* Nothing here raises on bad input: unknown, malformed, duplicated or out-of-order events are counted in `stats` /
  `anomalies`. Events about channels already hung up are not allowed to bring a call back (a bounded "dead" set).
* `resync(channels, queue_members, now)` rebuilds state after a reconnect from CoreShowChannels and QueueStatus
  lists: calls whose channels are gone end with reason "lost during reconnect"; live queue calls missing here are
  emitted as offered + answered/ringing.

Caller numbers and names are never logged (they are in the events, for the screen, but left out of their repr).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from telephony.tracking.events import (
    DIAL_STATUSES,
    ORIGINATE_REASONS,
    AfterCallWorkEnded,
    AfterCallWorkStarted,
    CallAnswered,
    CallbackOutcome,
    CallbackStage,
    CallDirection,
    CallEnded,
    CallHeld,
    CallOffered,
    CallResumed,
    CallRinging,
    CallState,
    CallTransferred,
    ConferencePartyJoined,
    ConferencePartyLeft,
    ConferencePartyUnreachable,
    DomainEvent,
    EndReason,
    LiveCall,
    OriginateOutcome,
    Party,
    PauseStateChanged,
    QueueMembershipChanged,
    RecordingStarted,
    SeatLegStranded,
    StrandedReason,
    SurveyResult,
    TransferKind,
)

log = logging.getLogger(__name__)

#: QueuePause reason the control module uses for after-call work; the tracker turns that pause into
#: AfterCallWorkStarted/Ended instead of a plain PauseStateChanged.
AFTER_CALL_WORK_REASON = "after-call-work"
_ACW_REASONS = frozenset({AFTER_CALL_WORK_REASON, "acw", "after call work", "wrapup", "wrap-up", "话后处理", "整理"})

LOST_DURING_RECONNECT = EndReason.LOST_DURING_RECONNECT

_UNKNOWN = "<unknown>"
_FORK_PREFIX = "audiosocket/"
_MAX_CHANNELS = 50_000  # channel records kept (a truncated stream must not grow memory for ever)
_MAX_DEAD = 20_000  # Uniqueids known to have hung up
_MAX_ENDED = 2_000  # recently ended calls (survey results and late AgentComplete still find them)
_MAX_DIGITS = 32
# Live calls followed at once. A PBX that reports answers and never the ends (a truncated or filtered stream) must not
# grow memory for ever: past this the oldest call is dropped (reported as ended, reason STALE); the periodic resync
# drops the ones Asterisk no longer has long before that.
_MAX_CALLS = 5_000
STALE = EndReason.STALE
_DIALLED = re.compile(r"^[^/]+/(\+?[0-9]{3,})@")
_OCTAL = frozenset("01234567")
_C_UNESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}

Message = Mapping[str, str]


def _text(msg: Message, key: str) -> str:
    value = msg.get(key)
    return value if isinstance(value, str) else ""


def _number(value: str) -> str:
    """Caller ID number/name as Asterisk prints it: `<unknown>` means empty."""
    return "" if value == _UNKNOWN else value


def _name(value: str) -> str:
    """A caller name as shown: `<unknown>` is empty, and Asterisk's C escapes in channel snapshots (`\\"`, `\\\\`,
    `\\n`, octal bytes such as `\\347\\216\\213` for 王) are undone."""
    value = _number(value)
    if "\\" not in value:
        return value
    out = bytearray()
    i, n = 0, len(value)
    while i < n:
        char = value[i]
        if char != "\\" or i + 1 == n:
            out += char.encode("utf-8")
            i += 1
            continue
        nxt = value[i + 1]
        if nxt in _OCTAL:
            j = i + 1
            while j < n and j < i + 4 and value[j] in _OCTAL:
                j += 1
            out.append(int(value[i + 1 : j], 8) & 0xFF)
            i = j
            continue
        out += _C_UNESCAPES.get(nxt, nxt).encode("utf-8")
        i += 2
    return out.decode("utf-8", errors="replace")


def _dialled_number(channel: str) -> str:
    """`Local/13900139000@outbound-00000010;1` or a dial string `PJSIP/13900139000@trunk` → the number dialled."""
    match = _DIALLED.match(channel)
    return match.group(1) if match else ""


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _chan_variable(msg: Message, name: str) -> str:
    """`ChanVariable: NAME=value` (manager.conf `channelvars`); repeated headers come from AmiMessage.get_all."""
    get_all = getattr(msg, "get_all", None)
    values = get_all("ChanVariable") if callable(get_all) else [msg.get("ChanVariable")]
    prefix = name + "="
    for value in values:
        if isinstance(value, str) and value.startswith(prefix):
            return value[len(prefix) :]
    return ""


def _pair_base(channel: str) -> str:
    """`Local/agent1@agents-00000001;2` → `Local/agent1@agents-00000001`: both halves of a Local pair are one party."""
    if channel.endswith((";1", ";2")):
        return channel[:-2]
    return channel


def _device(interface: str) -> str:
    """A queue member interface or dial string, as the device its channels are named after (casefolded).

    `Local/1001@agents/n` → `local/1001@agents`: a Local interface's options (`/n`, `/j`, `/m`, `/b`) are part of the
    dial string, never of the channel name (`Local/1001@agents-00000001;1`)."""
    device = interface.strip().casefold()
    if device.startswith("local/"):
        head, sep, options = device.rpartition("/")
        if sep and "@" in head and options and set(options) <= set("njmb"):
            device = head
    return device


def _channel_device(channel: str) -> str:
    """The device a channel belongs to (casefolded): the name without its sequence suffix after the last `-` and
    without a Local half's `;1`/`;2`. `PJSIP/1001-0000000a`, `SIP/1001-00000001`, `IAX2/1001-12345` → `…/1001`;
    `PJSIP/agent-1001-0000000a` → `pjsip/agent-1001` (endpoint names may contain dashes, the suffix never does);
    `DAHDI/1-1` → `dahdi/1`; `Local/1001@agents-00000001;2` → `local/1001@agents`."""
    name = _pair_base(channel).casefold()
    head, sep, _suffix = name.rpartition("-")
    return head if sep and "/" in head else name


def _is_fork_name(channel: str) -> bool:
    return channel[:12].lower() == _FORK_PREFIX


def _looks_like_number(value: str) -> bool:
    return len(value) >= 3 and value.lstrip("+").isdigit()


def _bounded_add(table: OrderedDict, key: str, value: object, limit: int) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > limit:
        table.popitem(last=False)


@dataclass(slots=True)
class _Channel:
    """What the tracker remembers of a channel before (or without) it belonging to a call."""

    uniqueid: str
    name: str
    linkedid: str
    recording: str | None = None
    digits: str = ""


@dataclass(slots=True)
class _Expected:
    """An Originate this desk sent (call control told us before sending it): what it was for."""

    number: str = ""  # the number dialled (a survey's citizen, a three-way call's unit)
    work_order: str = ""  # the order a survey was placed for
    room: str = ""  # a three-way call's ConfBridge room (the unit's Originate)


@dataclass(slots=True)
class _Originated:
    """An answered Originate's first channel: a survey's result on it is tied to these."""

    number: str
    work_order: str
    action_id: str


@dataclass(slots=True)
class _RoomWatch:
    """A three-way room whose call ended for the tracker (the caller hung up) while the seat's leg talks on with the
    unit: when the unit leaves too, the seat's leg is alone in it."""

    call_id: str
    caller: str
    agent_uid: str
    agent_channel: str
    members: set[str]


@dataclass(slots=True)
class _QueueWait:
    queue: str
    position: int | None
    joined_at: datetime


@dataclass(slots=True)
class _Call:
    call_id: str
    caller: str
    caller_name: str
    caller_uniqueid: str
    caller_channel: str
    offered_at: datetime
    direction: CallDirection = CallDirection.INBOUND
    queue: str = ""
    interface: str = ""
    member_name: str = ""
    agent_uniqueid: str = ""
    agent_channel: str = ""
    state: CallState = CallState.OFFERED
    answered_at: datetime | None = None
    recording: str | None = None
    offered_agents: set[str] = field(default_factory=set)  # Uniqueids of agent legs this call was offered on
    ringing_agents: set[str] = field(default_factory=set)
    agent_bases: set[str] = field(default_factory=set)
    uniqueids: set[str] = field(default_factory=set)  # live channels of the call
    bases: dict[str, str] = field(default_factory=dict)  # Uniqueid -> Local pair base
    first_hangup: tuple[Party, str] | None = None  # who asked to hang up first, and the pair base it came from
    complete_reason: str = ""  # AgentComplete Reason: caller | agent | transfer
    transferred: bool = False
    held: set[str] = field(default_factory=set)
    conference: str = ""
    conference_members: set[str] = field(default_factory=set)
    member_answered: bool = False  # the queue's DialEnd ANSWER to one of the rung member legs
    answered_elsewhere: bool = False  # ... and that leg was not offered to this tracker (another seat took it)
    refused: set[str] = field(default_factory=set)  # rung seat legs that answered BUSY (the phone declined)
    # Local channel optimisation: the halves optimising away, by Uniqueid or pair base (their hangups end nothing and
    # blame nobody) and, until the swap is seen, the channel (Uniqueid, name) taking each leg's place (Source*).
    optimized: set[str] = field(default_factory=set)
    swaps: dict[str, tuple[str, str]] = field(default_factory=dict)
    leaving: set[str] = field(default_factory=set)  # pair bases whose hangup was requested (or one half hung up)
    # The agent's leg left the call's bridge while the caller stayed: call control parked it in the dialplan (hold-agent
    # or a ConfBridge room), where nothing ends it when the caller hangs up.
    agent_parked: bool = False
    agent_place: tuple[str, str] = ("", "")  # the agent leg's (Context, Exten) when it last entered a bridge
    direct: bool = False  # dialled straight to the seat's phone (context agents, a transfer to a seat), no queue
    bridges: dict[str, str] = field(default_factory=dict)  # Uniqueid -> the bridge it is in
    consulted: str = ""  # the number the agent's leg dialled while the caller waited (attended transfer)


@dataclass(slots=True)
class _Member:
    logged_in: bool | None = None
    paused: bool | None = None
    reason: str = ""
    in_acw: bool = False


class CallTracker:
    """Follows the calls of one seat (`interface`) or of every seat, from AMI events. Pure: time is passed in."""

    def __init__(self, interface: str | None = None, queues: Iterable[str] | None = None) -> None:
        self._interface = interface.strip() if interface and interface.strip() else None
        self._iface_cf = self._interface.casefold() if self._interface else ""
        # Devices that are this seat: its interface and, learnt from QueueMember* StateInterface, queue members that
        # ring it through a Local channel (`Local/1001@agents/n` with StateInterface PJSIP/1001).
        self._seat_devices: set[str] = {_device(self._interface)} if self._interface else set()
        self._queues = frozenset(queues) if queues is not None else None
        self._calls: dict[str, _Call] = {}
        self._by_uniqueid: dict[str, str] = {}
        self._by_linkedid: dict[str, str] = {}
        self._channels: OrderedDict[str, _Channel] = OrderedDict()
        self._dead: OrderedDict[str, None] = OrderedDict()
        self._ended: OrderedDict[str, str] = OrderedDict()  # call_id -> caller
        self._queue_waits: dict[str, _QueueWait] = {}
        self._members: dict[tuple[str, str], _Member] = {}
        self._rooms: dict[str, str] = {}  # ConfBridge room -> call_id
        self._room_watch: OrderedDict[str, _RoomWatch] = OrderedDict()  # rooms the seat stayed in after the call
        self._seat_legs: OrderedDict[str, None] = OrderedDict()  # Uniqueids of legs originated to this seat's phone
        self._expected_originates: OrderedDict[str, _Expected] = OrderedDict()  # this desk's Originates
        self._originated: OrderedDict[str, _Originated] = OrderedDict()  # Uniqueid -> an answered Originate's use
        self._room_hints: OrderedDict[str, str] = OrderedDict()  # Exten a call's leg was redirected to -> call_id
        # A three-way unit whose Originate failed while its Local channel still dials: reported at that Dial's end
        # (the number's DialStatus) or at the Local channel's hangup. Keyed by the dial string, casefolded.
        self._unreachable: OrderedDict[str, ConferencePartyUnreachable] = OrderedDict()
        self._reported: OrderedDict[str, None] = OrderedDict()  # Originate ActionIDs and surveys already reported
        self._last_call: tuple[str, str] = ("", "")  # (call_id, caller) of the seat's last ended call
        self._evicted: list[DomainEvent] = []  # calls dropped by the _MAX_CALLS bound, reported after the handler
        self.stats: Counter[str] = Counter()
        self.anomalies: Counter[str] = Counter()
        self._handlers: dict[str, Callable[[Message, datetime], list[DomainEvent]]] = {
            "Newchannel": self._on_newchannel,
            "VarSet": self._on_varset,
            "MixMonitorStart": self._on_mixmonitor_start,
            "QueueCallerJoin": self._on_queue_caller_join,
            "AgentCalled": self._on_agent_called,
            "DialBegin": self._on_dial_begin,
            "DialState": self._on_dial_state,
            "DialEnd": self._on_dial_end,
            "AgentRingNoAnswer": self._on_agent_ring_no_answer,
            "AgentConnect": self._on_agent_connect,
            "AgentComplete": self._on_agent_complete,
            "Hold": self._on_hold,
            "Unhold": self._on_unhold,
            "MusicOnHoldStart": self._on_moh_start,
            "MusicOnHoldStop": self._on_moh_stop,
            "QueueCallerAbandon": self._on_queue_caller_abandon,
            "LocalOptimizationBegin": self._on_local_optimization_begin,
            "LocalOptimizationEnd": self._on_local_optimization_end,
            "BridgeEnter": self._on_bridge_enter,
            "BridgeLeave": self._on_bridge_leave,
            "Rename": self._on_rename,
            "BlindTransfer": self._on_blind_transfer,
            "AttendedTransfer": self._on_attended_transfer,
            "ConfbridgeJoin": self._on_confbridge_join,
            "ConfbridgeLeave": self._on_confbridge_leave,
            "ConfbridgeEnd": self._on_confbridge_end,
            "HangupRequest": self._on_hangup_request,
            "SoftHangupRequest": self._on_hangup_request,
            "Hangup": self._on_hangup,
            "QueueMemberAdded": self._on_member_added,
            "QueueMemberRemoved": self._on_member_removed,
            "QueueMemberPause": self._on_member_status,
            "QueueMemberStatus": self._on_member_status,
            "QueueMember": self._on_member_status,
            "OriginateResponse": self._on_originate_response,
            "DTMFEnd": self._on_dtmf_end,
            "UserEvent": self._on_user_event,
            "ChanSpyStart": self._on_fork_only,
            "ChanSpyStop": self._on_fork_only,
            "Cdr": self._on_fork_only,
        }

    # ------------------------------------------------------------------ public API

    @property
    def interface(self) -> str | None:
        return self._interface

    def feed(self, message: Mapping[str, str], now: datetime) -> list[DomainEvent]:
        """Apply one AMI message; return the domain events it causes (often none). Never raises."""
        self.stats["messages"] += 1
        try:
            name = message.get("Event")
        except Exception:  # a hostile Mapping must not take the tracker down
            self._anomaly("unreadable_message")
            return []
        if not isinstance(name, str):
            self.stats["not_an_event"] += 1
            return []
        handler = self._handlers.get(name)
        if handler is None:
            self.stats["ignored"] += 1
            return []
        if self._is_fork_event(message):
            self.stats["fork_filtered"] += 1
            return []
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        try:
            events = handler(message, now)
        except Exception as exc:  # a malformed event is an anomaly, never a crash of the AMI reader
            self._anomaly(f"handler_error:{name}")
            # The exception text could quote a header value (a caller's number): only its type above DEBUG.
            log.warning("call tracker could not apply a %s event (%s)", name, type(exc).__name__)
            log.debug("call tracker failure detail", exc_info=True)
            return []
        self.stats["handled"] += 1
        if self._evicted:
            events = [*self._evicted, *events]
            self._evicted.clear()
        for event in events:
            self.stats[event.EVENT] += 1
            log.debug("call tracker: %s call_id=%s", event.EVENT, event.call_id)
        return events

    def resync(
        self, channels: Sequence[Mapping[str, str]], queue_members: Sequence[Mapping[str, str]], now: datetime
    ) -> list[DomainEvent]:
        """Rebuild state after a (re)connect from CoreShowChannel events (`channels`) and QueueStatus events
        (`queue_members`: QueueParams/QueueMember/QueueEntry). Ghost calls end ("lost during reconnect"), live calls
        this tracker did not know are emitted as offered + ringing/answered, queue membership and pauses are diffed."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        self.stats["resyncs"] += 1
        events: list[DomainEvent] = []
        try:
            for item in queue_members:  # Local members ringing this seat's phone, before the channels are matched
                if item.get("Event") == "QueueMember":
                    self._learn_seat_alias(item)
            events.extend(self._resync_channels(channels, now, self._member_devices(queue_members)))
            events.extend(self._resync_queues(queue_members, now))
            events.extend(self._evicted)
            self._evicted.clear()
        except Exception as exc:  # same promise as feed(): never raise on what the PBX sent
            self._anomaly("resync_error")
            log.warning("call tracker resync failed on a malformed list (%s)", type(exc).__name__)
            log.debug("call tracker resync failure detail", exc_info=True)
        for event in events:
            self.stats[event.EVENT] += 1
        return events

    def expect_originate(self, action_id: str, *, number: str = "", work_order: str = "", room: str = "") -> None:
        """Attribute the OriginateResponse with this ActionID to this seat even if its Channel does not name the
        seat's interface (call control registers its Originates here; a failed Originate reports only its dial
        string). `number` and `work_order` tie a survey's result to its citizen and order whatever the UserEvent
        says; `room` marks a three-way call's unit, reported as the room's party, never as a callback."""
        if action_id:
            _bounded_add(self._expected_originates, action_id, _Expected(number, work_order, room), _MAX_ENDED)

    def note_recording(self, channel: str, recording: str, now: datetime) -> list[DomainEvent]:
        """Call control started MixMonitor on `channel` (name or Uniqueid) with this file: remember it for the call
        (Asterisk's MixMonitorStart does not name the file, and VarSet is usually filtered out). Returns
        RecordingStarted if the call is already answered."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        call = self._calls.get(self._by_uniqueid.get(channel, ""))
        if call is None:
            call = next((c for c in self._calls.values() if channel in (c.caller_channel, c.agent_channel)), None)
        if call is None or not recording or call.recording == recording:
            return []
        call.recording = recording
        if call.state != CallState.ANSWERED:
            return []
        event = RecordingStarted(call_id=call.call_id, caller=call.caller, time=now, recording=recording,
                                 channel=channel)
        self.stats[event.EVENT] += 1
        return [event]

    def snapshot(self) -> tuple[LiveCall, ...]:
        """The calls followed right now, oldest first."""
        return tuple(
            LiveCall(
                call_id=c.call_id,
                caller=c.caller,
                caller_name=c.caller_name,
                state=c.state,
                direction=c.direction,
                queue=c.queue,
                interface=c.interface,
                caller_channel=c.caller_channel,
                agent_channel=c.agent_channel,
                offered_at=c.offered_at,
                answered_at=c.answered_at,
                on_hold=bool(c.held),
                conference=c.conference,
                recording=c.recording,
            )
            for c in self._calls.values()
        )

    # ------------------------------------------------------------------ filters and lookups

    def _anomaly(self, kind: str) -> None:
        self.anomalies[kind] += 1
        self.stats["anomalies"] += 1

    def _is_fork_event(self, msg: Message) -> bool:
        """The caller-audio fork's own channel and its ChanSpy leg (audio-fork.md pitfall 4)."""
        if msg.get("Event") in ("ChanSpyStart", "ChanSpyStop"):
            return True
        for key in ("Channel", "DestChannel"):
            value = msg.get(key)
            if isinstance(value, str) and _is_fork_name(value):
                return True
        return msg.get("Application") == "ChanSpy" or msg.get("LastApplication") == "ChanSpy"

    def _queue_ok(self, queue: str) -> bool:
        return self._queues is None or queue in self._queues

    def _is_seat_channel(self, channel: str) -> bool:
        """Is this channel the seat's phone? `PJSIP/1001` matches `PJSIP/1001-0000000a`, not `PJSIP/10010-...` nor
        `PJSIP/1001-2-0000000a` (another endpoint whose name has a dash); a Local member's channels match its
        interface without the options (`Local/1001@agents/n` ↔ `Local/1001@agents-00000001;1`)."""
        if self._interface is None:
            return True
        name = channel.casefold()
        if name == self._iface_cf or name.startswith(self._iface_cf + "/"):
            return True  # a dial string (OriginateResponse Channel of a failed Originate)
        return _channel_device(name) in self._seat_devices

    def _seat_matches(self, interface_field: str, channel: str) -> bool:
        if self._interface is None:
            return True
        if interface_field and _device(interface_field) in self._seat_devices:
            return True
        return bool(channel) and self._is_seat_channel(channel)

    def _learn_seat_alias(self, msg: Message) -> None:
        """A queue member whose StateInterface is the seat's phone is the seat (a Local channel member)."""
        if self._interface is None:
            return
        state = _text(msg, "StateInterface")
        interface = _text(msg, "Interface") or _text(msg, "Location")
        if state and interface and _device(state) == _device(self._interface) and len(self._seat_devices) < 64:
            self._seat_devices.add(_device(interface))

    def _call_of(self, msg: Message, prefix: str = "") -> _Call | None:
        """The call a channel snapshot belongs to, attaching the channel by its Linkedid if needed."""
        uid = _text(msg, prefix + "Uniqueid")
        if uid:
            call_id = self._by_uniqueid.get(uid)
            if call_id is not None:
                return self._calls.get(call_id)
            if uid in self._dead:
                return None
        call_id = self._by_linkedid.get(_text(msg, prefix + "Linkedid"))
        if call_id is None:
            return None
        call = self._calls.get(call_id)
        if call is not None and uid:
            self._attach(call, uid, _text(msg, prefix + "Channel"))
        return call

    def _attach(self, call: _Call, uid: str, channel: str) -> None:
        if not uid or uid in self._dead:
            return
        self._by_uniqueid[uid] = call.call_id
        call.uniqueids.add(uid)
        if channel:
            call.bases[uid] = _pair_base(channel)

    def _channel(self, msg: Message, prefix: str = "") -> _Channel | None:
        uid = _text(msg, prefix + "Uniqueid")
        if not uid or uid in self._dead:
            return None
        chan = self._channels.get(uid)
        if chan is None:
            chan = _Channel(uid, _text(msg, prefix + "Channel"), _text(msg, prefix + "Linkedid"))
            _bounded_add(self._channels, uid, chan, _MAX_CHANNELS)
        return chan

    def _party_of(self, call: _Call, uid: str, channel: str = "") -> Party:
        base = call.bases.get(uid) or _pair_base(channel)
        if uid == call.caller_uniqueid or (base and base == _pair_base(call.caller_channel)):
            return Party.CALLER
        if uid == call.call_id and call.direction == CallDirection.INBOUND:
            return Party.CALLER  # the Linkedid's origin: the trunk channel of a caller that reached Queue() via Local
        if uid == call.agent_uniqueid or uid in call.offered_agents or base in call.agent_bases:
            return Party.AGENT
        if self._interface is not None and channel and self._is_seat_channel(channel):
            return Party.AGENT
        return Party.UNIT

    def _new_call(
        self, msg: Message, now: datetime, *, direction: CallDirection = CallDirection.INBOUND, prefix: str = ""
    ) -> _Call:
        uid = _text(msg, prefix + "Uniqueid")
        call_id = _text(msg, prefix + "Linkedid") or uid
        chan = self._channels.get(uid)
        call = _Call(
            call_id=call_id,
            caller=_number(_text(msg, prefix + "CallerIDNum")),
            caller_name=_name(_text(msg, prefix + "CallerIDName")),
            caller_uniqueid=uid,
            caller_channel=_text(msg, prefix + "Channel"),
            offered_at=now,
            direction=direction,
            recording=chan.recording if chan else None,
        )
        self._calls[call_id] = call
        self._by_linkedid[call_id] = call_id
        self._attach(call, uid, call.caller_channel)
        self._ended.pop(call_id, None)
        while len(self._calls) > _MAX_CALLS:
            oldest = next(iter(self._calls.values()))
            self._anomaly("stale_call_dropped")
            self._evicted.append(
                self._end(oldest, now, hangup_by=Party.SYSTEM, cause=None, cause_text="", reason=STALE))
        return call

    def _add_agent_leg(self, call: _Call, msg: Message) -> None:
        dest_uid = _text(msg, "DestUniqueid")
        dest = _text(msg, "DestChannel")
        call.offered_agents.add(dest_uid)
        call.agent_bases.add(_pair_base(dest))
        self._attach(call, dest_uid, dest)
        if self._interface is not None or not call.agent_uniqueid:
            call.agent_uniqueid, call.agent_channel = dest_uid, dest
        call.interface = _text(msg, "Interface") or call.interface
        call.member_name = _text(msg, "MemberName") or call.member_name

    # ------------------------------------------------------------------ channel bookkeeping

    def _on_newchannel(self, msg: Message, now: datetime) -> list[DomainEvent]:
        self._channel(msg)
        self._call_of(msg)
        return []

    def _on_varset(self, msg: Message, now: datetime) -> list[DomainEvent]:
        # ~80 VarSet per queue call: only the MixMonitor file name matters (ami/README facts 6 and 7).
        if msg.get("Variable") != "MIXMONITOR_FILENAME":
            return []
        return self._note_recording(msg, _text(msg, "Value"), now)

    def _on_mixmonitor_start(self, msg: Message, now: datetime) -> list[DomainEvent]:
        # Asterisk 20's MixMonitorStart names no file. The name comes from VarSet MIXMONITOR_FILENAME (class
        # `dialplan`) or, with manager.conf `channelvars = MIXMONITOR_FILENAME`, from a ChanVariable header.
        chan = self._channels.get(_text(msg, "Uniqueid"))
        recording = _chan_variable(msg, "MIXMONITOR_FILENAME") or (chan.recording if chan else None)
        return self._note_recording(msg, recording, now)

    def _note_recording(self, msg: Message, recording: str | None, now: datetime) -> list[DomainEvent]:
        if not recording:
            return []
        chan = self._channel(msg)
        if chan is not None:
            chan.recording = recording
        call = self._call_of(msg)
        if call is None or call.recording == recording:
            return []
        call.recording = recording
        if call.state != CallState.ANSWERED:
            return []  # CallAnswered will carry it
        return [
            RecordingStarted(
                call_id=call.call_id, caller=call.caller, time=now, recording=recording, channel=_text(msg, "Channel")
            )
        ]

    def _on_dtmf_end(self, msg: Message, now: datetime) -> list[DomainEvent]:
        if msg.get("Direction", "Received") != "Received":
            return []
        chan = self._channel(msg)
        if chan is not None and len(chan.digits) < _MAX_DIGITS:
            chan.digits += _text(msg, "Digit")[:1]
        return []

    # ------------------------------------------------------------------ queue calls

    def _on_queue_caller_join(self, msg: Message, now: datetime) -> list[DomainEvent]:
        uid = _text(msg, "Uniqueid")
        if not uid:
            self._anomaly("malformed:QueueCallerJoin")
            return []
        if uid not in self._dead:
            self._queue_waits[uid] = _QueueWait(_text(msg, "Queue"), _int(_text(msg, "Position")), now)
            if len(self._queue_waits) > _MAX_CHANNELS:  # callers whose Hangup never came (truncated stream)
                del self._queue_waits[next(iter(self._queue_waits))]
        return []

    def _offer(self, call: _Call, msg: Message, now: datetime, *, resynced: bool = False) -> CallOffered:
        wait = self._queue_waits.get(call.caller_uniqueid)
        call.queue = _text(msg, "Queue") or call.queue or (wait.queue if wait else "")
        return CallOffered(
            call_id=call.call_id,
            caller=call.caller,
            time=now,
            caller_name=call.caller_name,
            queue=call.queue,
            position=wait.position if wait else None,
            wait_s=max(0.0, (now - wait.joined_at).total_seconds()) if wait else None,
            interface=_text(msg, "Interface") or call.interface,
            member_name=_text(msg, "MemberName") or call.member_name,
            caller_channel=call.caller_channel,
            agent_channel=_text(msg, "DestChannel") or call.agent_channel,
            uniqueid=call.caller_uniqueid,
            linkedid=call.call_id,
            resynced=resynced,
        )

    def _queue_legs(self, msg: Message, name: str) -> tuple[str, str] | None:
        """Checks shared by AgentCalled/AgentConnect: this seat, this queue, both legs named and alive."""
        if not self._queue_ok(_text(msg, "Queue")):
            self.stats["other_queue"] += 1
            return None
        if not self._seat_matches(_text(msg, "Interface"), _text(msg, "DestChannel")):
            self.stats["other_seat"] += 1
            return None
        uid, dest_uid = _text(msg, "Uniqueid"), _text(msg, "DestUniqueid")
        if not uid or not dest_uid:
            self._anomaly(f"malformed:{name}")
            return None
        if uid in self._dead or dest_uid in self._dead:
            self._anomaly(f"late:{name}")
            return None
        return uid, dest_uid

    def _on_agent_called(self, msg: Message, now: datetime) -> list[DomainEvent]:
        legs = self._queue_legs(msg, "AgentCalled")
        if legs is None:
            return []
        _uid, dest_uid = legs
        events: list[DomainEvent] = []
        call = self._call_of(msg)
        if call is not None and call.state == CallState.ANSWERED and call.transferred and self._interface is not None:
            # Transferred into a queue that rings this seat again before its own leg's Hangup arrived: the seat's
            # first conversation ends here (transferred), the new offer is a new call on the screen.
            events.append(self._close(call, now, Party.AGENT, EndReason.TRANSFERRED))
            call = None
        if call is None:
            call = self._new_call(msg, now)
            call.recording = call.recording or _chan_variable(msg, "MIXMONITOR_FILENAME") or None
        elif call.state == CallState.ANSWERED and call.transferred and dest_uid not in call.offered_agents:
            self._requeue(call)  # blind-transferred into a queue again (a supervisor still follows the caller)
        elif dest_uid in call.offered_agents or call.state == CallState.ANSWERED:
            self.stats["duplicate"] += 1
            return []
        self._add_agent_leg(call, msg)
        return [*events, self._offer(call, msg, now)]

    @staticmethod
    def _requeue(call: _Call) -> None:
        call.state, call.answered_at, call.transferred, call.complete_reason = CallState.OFFERED, None, False, ""
        call.first_hangup = None
        call.member_answered = call.answered_elsewhere = False
        call.refused.clear()
        call.offered_agents.clear()
        call.ringing_agents.clear()
        call.agent_uniqueid = call.agent_channel = ""

    def _on_dial_state(self, msg: Message, now: datetime) -> list[DomainEvent]:
        if msg.get("DialStatus") != "RINGING":
            return []
        dest_uid = _text(msg, "DestUniqueid")
        call = self._calls.get(self._by_uniqueid.get(dest_uid, ""))
        if call is None or call.state == CallState.ANSWERED or dest_uid in call.ringing_agents:
            return []
        if dest_uid in call.offered_agents:
            call.ringing_agents.add(dest_uid)
            call.state = CallState.RINGING
            return [
                CallRinging(
                    call_id=call.call_id,
                    caller=call.caller,
                    time=now,
                    channel=_text(msg, "DestChannel"),
                    interface=call.interface,
                )
            ]
        return []

    def _on_agent_ring_no_answer(self, msg: Message, now: datetime) -> list[DomainEvent]:
        dest_uid = _text(msg, "DestUniqueid")
        call = self._calls.get(self._by_uniqueid.get(dest_uid, ""))
        if call is None or call.state == CallState.ANSWERED or dest_uid not in call.offered_agents:
            return []
        if self._interface is not None:
            # app_queue sends AgentRingNoAnswer for a busy/declining phone too, after its DialEnd BUSY.
            if dest_uid in call.refused:
                return [self._close(call, now, Party.AGENT, EndReason.REJECTED)]
            return [self._close(call, now, Party.SYSTEM, EndReason.NOT_ANSWERED)]
        call.offered_agents.discard(dest_uid)
        call.ringing_agents.discard(dest_uid)
        if not call.ringing_agents:
            call.state = CallState.OFFERED
        return []

    def _on_agent_connect(self, msg: Message, now: datetime) -> list[DomainEvent]:
        legs = self._queue_legs(msg, "AgentConnect")
        if legs is None:
            return []
        uid, dest_uid = legs
        events: list[DomainEvent] = []
        call = self._call_of(msg)
        if call is None:  # AgentCalled missed (out of order, or joined mid-call): the connect says it all
            call = self._new_call(msg, now)
            self._add_agent_leg(call, msg)
            events.append(self._offer(call, msg, now))
        elif call.state == CallState.ANSWERED:
            self.stats["duplicate"] += 1
            return []
        elif dest_uid not in call.offered_agents:
            self._add_agent_leg(call, msg)
        call.agent_uniqueid, call.agent_channel = dest_uid, _text(msg, "DestChannel")
        call.interface = _text(msg, "Interface") or call.interface
        call.state, call.answered_at = CallState.ANSWERED, now
        if call.recording is None:
            call.recording = _chan_variable(msg, "MIXMONITOR_FILENAME") or None
        if call.recording is None:
            for leg in (uid, dest_uid):
                chan = self._channels.get(leg)
                if chan is not None and chan.recording:
                    call.recording = chan.recording
                    break
        self._queue_waits.pop(uid, None)
        hold_time_s, ring_time_s = _int(_text(msg, "HoldTime")), _int(_text(msg, "RingTime"))
        events.append(self._answered(call, now, hold_time_s=hold_time_s, ring_time_s=ring_time_s))
        return events

    def _answered(
        self,
        call: _Call,
        now: datetime,
        *,
        hold_time_s: int | None = None,
        ring_time_s: int | None = None,
        resynced: bool = False,
    ) -> CallAnswered:
        return CallAnswered(
            call_id=call.call_id,
            caller=call.caller,
            time=now,
            caller_name=call.caller_name,
            queue=call.queue,
            caller_channel=call.caller_channel,
            agent_channel=call.agent_channel,
            caller_uniqueid=call.caller_uniqueid,
            agent_uniqueid=call.agent_uniqueid,
            linkedid=call.call_id,
            interface=call.interface,
            hold_time_s=hold_time_s,
            ring_time_s=ring_time_s,
            recording=call.recording,
            direction=call.direction,
            resynced=resynced,
        )

    def _on_agent_complete(self, msg: Message, now: datetime) -> list[DomainEvent]:
        call = self._call_of(msg)
        if call is None:
            self.stats["late"] += 1  # normal: fact 1, AgentComplete after the seat's call already ended
            return []
        if self._seat_matches(_text(msg, "Interface"), _text(msg, "DestChannel")):
            call.complete_reason = _text(msg, "Reason")
            if call.complete_reason == "transfer":
                call.transferred = True
        return []

    # ------------------------------------------------------------------ hold, transfer, conference

    # A call is on hold while any hold source is active: a phone's Hold (on the channel that pressed hold) or music
    # on hold on an answered call's channel (call control's Redirect-based hold sends no Hold; a phone's hold sends
    # both). One CallHeld when the first source starts, one CallResumed when the last one stops.

    def _on_hold(self, msg: Message, now: datetime) -> list[DomainEvent]:
        uid, channel = _text(msg, "Uniqueid"), _text(msg, "Channel")
        call = self._call_of(msg)
        if call is None:
            return []
        return self._hold_on(call, uid, now, self._party_of(call, uid, channel), channel,
                             music_class=_text(msg, "MusicClass"))

    def _on_unhold(self, msg: Message, now: datetime) -> list[DomainEvent]:
        uid, channel = _text(msg, "Uniqueid"), _text(msg, "Channel")
        call = self._call_of(msg)
        if call is None:
            return []
        return self._hold_off(call, uid, now, self._party_of(call, uid, channel), channel)

    def _on_moh_start(self, msg: Message, now: datetime) -> list[DomainEvent]:
        uid, channel = _text(msg, "Uniqueid"), _text(msg, "Channel")
        call = self._call_of(msg)
        if call is None or call.state != CallState.ANSWERED:  # music while queueing is not a hold
            return []
        holder = self._other_side(self._party_of(call, uid, channel))
        return self._hold_on(call, "moh:" + uid, now, holder, channel, music_class=_text(msg, "Class"))

    def _on_moh_stop(self, msg: Message, now: datetime) -> list[DomainEvent]:
        uid, channel = _text(msg, "Uniqueid"), _text(msg, "Channel")
        call = self._call_of(msg)
        if call is None:
            return []
        if (call.bases.get(uid) or _pair_base(channel)) in call.leaving:
            # The held caller hung up: the music stops because the channel goes, nothing resumed (live-2026-12/14).
            call.held.discard("moh:" + uid)
            return []
        return self._hold_off(call, "moh:" + uid, now, self._other_side(self._party_of(call, uid, channel)), channel)

    @staticmethod
    def _other_side(party: Party) -> Party:
        """Music plays on the held channel; the other side put it on hold."""
        return {Party.CALLER: Party.AGENT, Party.AGENT: Party.CALLER}.get(party, party)

    def _hold_on(
        self, call: _Call, key: str, now: datetime, party: Party, channel: str, *, music_class: str
    ) -> list[DomainEvent]:
        was_held = bool(call.held)
        call.held.add(key)
        if was_held:
            return []
        return [
            CallHeld(
                call_id=call.call_id, caller=call.caller, time=now, party=party, channel=channel,
                music_class=music_class,
            )
        ]

    def _hold_off(self, call: _Call, key: str, now: datetime, party: Party, channel: str) -> list[DomainEvent]:
        if key not in call.held:
            return []
        call.held.discard(key)
        if call.held:
            return []
        return [CallResumed(call_id=call.call_id, caller=call.caller, time=now, party=party, channel=channel)]

    # ------------------------------------------------------------------ abandon, Local channels, renames

    def _on_queue_caller_abandon(self, msg: Message, now: datetime) -> list[DomainEvent]:
        # The caller gave up (it also comes when the caller hangs up just as a member answered). app_queue sends it
        # after hanging up the rung legs, so it mostly matters when no HangupRequest told us first.
        call = self._call_of(msg)
        if call is not None and call.state != CallState.ANSWERED and call.first_hangup is None:
            call.first_hangup = (Party.CALLER, _pair_base(call.caller_channel))
        return []

    def _on_local_optimization_begin(self, msg: Message, now: datetime) -> list[DomainEvent]:
        """A Local pair (a queue member `Local/1001@agents` dialling the phone, a caller arriving through a Local
        channel) optimises itself away: the channel bridged to its far half (`Source*`) takes the place of the near
        half in the call's bridge, then both halves hang up. app_queue follows the same swap (its later AgentComplete
        names the new channel); so do we, or the halves' hangups would end the call right after the answer."""
        one, two = _text(msg, "LocalOneUniqueid"), _text(msg, "LocalTwoUniqueid")
        source = (_text(msg, "SourceUniqueid"), _text(msg, "SourceChannel"))
        for uid in (one, two):
            call = self._calls.get(self._by_uniqueid.get(uid, ""))
            if call is None:
                continue
            call.optimized.update(u for u in (one, two) if u)
            if source[0] and (uid in (call.agent_uniqueid, call.caller_uniqueid) or uid in call.conference_members):
                call.swaps[uid] = source
        return []

    def _on_local_optimization_end(self, msg: Message, now: datetime) -> list[DomainEvent]:
        one, two = _text(msg, "LocalOneUniqueid"), _text(msg, "LocalTwoUniqueid")
        for uid in (one, two):
            call = self._calls.get(self._by_uniqueid.get(uid, ""))
            if call is None or (uid not in call.swaps and uid not in call.optimized):
                continue
            if msg.get("Success") == "Yes":
                if uid in call.swaps:
                    self._apply_swap(call, uid)
            else:  # the optimisation failed: the halves stay in the call
                call.swaps.pop(uid, None)
                call.optimized.discard(one)
                call.optimized.discard(two)
        return []

    def _on_bridge_enter(self, msg: Message, now: datetime) -> list[DomainEvent]:
        # `SwapUniqueid`: the channel this one replaces in the bridge. For a Local half that is the optimisation's
        # move-swap (even if LocalOptimizationBegin/End were filtered out): the new channel takes over its role. An
        # attended transfer swaps the target in for the (non-Local) transferer: that is a transfer, not a new agent.
        old_uid, uid = _text(msg, "SwapUniqueid"), _text(msg, "Uniqueid")
        joined = self._calls.get(self._by_uniqueid.get(uid, "")) or self._call_of(msg)
        events: list[DomainEvent] = []
        if joined is not None:
            if uid == joined.agent_uniqueid:
                joined.agent_parked = False  # back with the caller (resume) or in a new bridge
                joined.agent_place = (_text(msg, "Context"), _text(msg, "Exten"))
            bridge = _text(msg, "BridgeUniqueid")
            if bridge:
                joined.bridges[uid] = bridge
                events = self._bridged_to_unit(joined, bridge, now)
        if not old_uid or not uid:
            return events
        call = self._calls.get(self._by_uniqueid.get(old_uid, ""))
        if call is None or uid in self._dead:
            return events
        if old_uid not in call.optimized and not call.bases.get(old_uid, "").startswith("Local/"):
            return events
        call.swaps[old_uid] = (uid, _text(msg, "Channel"))
        self._apply_swap(call, old_uid)
        return events

    def _bridged_to_unit(self, call: _Call, bridge: str, now: datetime) -> list[DomainEvent]:
        """Attended transfer by call control (AMI Bridge caller + the consulted unit): the caller now shares a plain
        bridge with the unit's leg, and the agent is not in it."""
        if not call.consulted or call.transferred or call.state != CallState.ANSWERED or call.conference:
            return []
        in_bridge = [u for u, b in call.bridges.items() if b == bridge and u in call.uniqueids]
        if call.caller_uniqueid not in in_bridge or call.agent_uniqueid in in_bridge:
            return []
        if not any(self._party_of(call, u) is Party.UNIT for u in in_bridge):
            return []
        call.transferred = True
        return [CallTransferred(call_id=call.call_id, caller=call.caller, time=now, kind=TransferKind.ATTENDED,
                                target=call.consulted, transferer_channel=call.agent_channel)]

    def _on_bridge_leave(self, msg: Message, now: datetime) -> list[DomainEvent]:
        # After a Redirect, BridgeLeave already shows where the leg went (Context/Exten): for a three-way call that
        # is the room, which names the call before anyone joined it (the unit's Originate may fail first).
        uid = _text(msg, "Uniqueid")
        call = self._calls.get(self._by_uniqueid.get(uid, ""))
        if call is None:
            return []
        call.bridges.pop(uid, None)
        exten = _text(msg, "Exten")
        if exten:
            _bounded_add(self._room_hints, exten, call.call_id, _MAX_ENDED)
        base = call.bases.get(uid) or _pair_base(_text(msg, "Channel"))
        caller_base = call.bases.get(call.caller_uniqueid) or _pair_base(call.caller_channel)
        moved = (_text(msg, "Context"), _text(msg, "Exten")) != call.agent_place
        if uid == call.agent_uniqueid and moved and base not in call.leaving and caller_base not in call.leaving:
            # Redirected (its BridgeLeave already names the new place: hold-agent, a room, consult), not hanging up
            # (an AMI Hangup's BridgeLeave comes before its SoftHangupRequest, at the same place: live-2026-12/05).
            call.agent_parked = True
        return []

    def _apply_swap(self, call: _Call, old_uid: str) -> None:
        new_uid, new_channel = call.swaps.pop(old_uid, ("", ""))
        if not new_uid or new_uid in self._dead or new_uid == old_uid:
            return
        # It leaves quietly: its hangup ends nothing; nor does its Local partner's (a bare BridgeEnter swap names
        # only this half), so the pair's base is remembered too.
        call.optimized.add(old_uid)
        old_base = call.bases.get(old_uid, "")
        if old_base.startswith("Local/") and old_base != _pair_base(new_channel):
            call.optimized.add(old_base)
        self._attach(call, new_uid, new_channel)
        if old_uid == call.agent_uniqueid:
            call.agent_uniqueid, call.agent_channel = new_uid, new_channel or call.agent_channel
            call.offered_agents.add(new_uid)
            if new_channel:
                call.agent_bases.add(_pair_base(new_channel))
        elif old_uid == call.caller_uniqueid:
            call.caller_uniqueid, call.caller_channel = new_uid, new_channel or call.caller_channel
        if old_uid in call.conference_members:
            call.conference_members.discard(old_uid)
            call.conference_members.add(new_uid)
        for key in (old_uid, "moh:" + old_uid):
            if key in call.held:
                call.held.discard(key)
                call.held.add(key.replace(old_uid, new_uid))

    def _on_rename(self, msg: Message, now: datetime) -> list[DomainEvent]:
        # A masquerade renames a channel (its Uniqueid stays): keep the names used for parties and seat matching.
        uid, new_name = _text(msg, "Uniqueid"), _text(msg, "Newname")
        if not uid or not new_name:
            return []
        chan = self._channels.get(uid)
        if chan is not None:
            chan.name = new_name
        call = self._calls.get(self._by_uniqueid.get(uid, ""))
        if call is not None:
            if uid == call.agent_uniqueid:
                call.agent_channel = new_name
            if uid == call.caller_uniqueid:
                call.caller_channel = new_name
        return []

    def _transfer_call(self, msg: Message, prefixes: tuple[str, ...]) -> _Call | None:
        for prefix in prefixes:
            call = self._call_of(msg, prefix)
            if call is not None:
                return call
        return None

    def _on_blind_transfer(self, msg: Message, now: datetime) -> list[DomainEvent]:
        if msg.get("Result") != "Success":
            return []
        call = self._transfer_call(msg, ("Transferee", "Transferer"))
        if call is None:
            return []
        call.transferred = True
        return [
            CallTransferred(
                call_id=call.call_id,
                caller=call.caller,
                time=now,
                kind=TransferKind.BLIND,
                target=_text(msg, "Extension"),
                context=_text(msg, "Context"),
                transferer_channel=_text(msg, "TransfererChannel"),
            )
        ]

    def _on_attended_transfer(self, msg: Message, now: datetime) -> list[DomainEvent]:
        if msg.get("Result") != "Success":
            return []
        call = self._transfer_call(msg, ("Transferee", "OrigTransferer", "SecondTransferer"))
        if call is None:
            return []
        threeway = msg.get("DestType") == "Threeway"
        call.transferred = call.transferred or not threeway
        # Usually the seat's phone sends its REFER on the held (original) dialog: our call is the OrigBridge side and
        # the unit is the TransferTarget. A phone may send it on the consultation dialog instead: then our call is
        # the SecondBridge side (the caller is the TransferTarget) and the unit is the Transferee.
        ours_second = (
            self._by_uniqueid.get(_text(msg, "SecondTransfererUniqueid")) == call.call_id
            and self._by_uniqueid.get(_text(msg, "OrigTransfererUniqueid")) != call.call_id
        )
        if ours_second:
            target = _number(_text(msg, "TransfereeCallerIDNum")) or _number(
                _text(msg, "OrigTransfererConnectedLineNum")
            )
            transferer = _text(msg, "SecondTransfererChannel")
        else:
            target = _number(_text(msg, "TransferTargetCallerIDNum")) or _number(
                _text(msg, "SecondTransfererConnectedLineNum")
            )
            transferer = _text(msg, "OrigTransfererChannel")
        return [
            CallTransferred(
                call_id=call.call_id,
                caller=call.caller,
                time=now,
                kind=TransferKind.THREEWAY if threeway else TransferKind.ATTENDED,
                target=target,
                transferer_channel=transferer,
            )
        ]

    def _on_confbridge_join(self, msg: Message, now: datetime) -> list[DomainEvent]:
        conference = _text(msg, "Conference")
        uid = _text(msg, "Uniqueid")
        if not conference or not uid:
            self._anomaly("malformed:ConfbridgeJoin")
            return []
        if uid in self._dead:
            self._anomaly("late:ConfbridgeJoin")
            return []
        call = self._call_of(msg)
        watch = self._room_watch.get(conference) if call is None else None
        if watch is not None:
            watch.members.add(uid)  # someone else comes into the room the seat stayed in
            return []
        if call is None:
            call = self._calls.get(self._rooms.get(conference, ""))
            if call is not None:
                self._attach(call, uid, _text(msg, "Channel"))
            elif self._interface is None:
                # A room none of our calls is in (a supervisor's view): the first party stands for the call.
                call = self._new_call(msg, now, direction=CallDirection.CONFERENCE)
                call.state, call.answered_at = CallState.ANSWERED, now
            else:
                return []
        if uid in call.conference_members:
            self.stats["duplicate"] += 1
            return []
        call.conference = conference
        call.conference_members.add(uid)
        self._rooms[conference] = call.call_id
        channel = _text(msg, "Channel")
        return [
            ConferencePartyJoined(
                call_id=call.call_id,
                caller=call.caller,
                time=now,
                conference=conference,
                party=self._party_of(call, uid, channel),
                channel=channel,
                number=_number(_text(msg, "CallerIDNum")),
                name=_name(_text(msg, "CallerIDName")),
                admin=msg.get("Admin") == "Yes",
            )
        ]

    def _on_confbridge_leave(self, msg: Message, now: datetime) -> list[DomainEvent]:
        uid = _text(msg, "Uniqueid")
        call = self._call_of(msg)
        if call is None:
            return self._watched_leave(msg, now)
        if uid not in call.conference_members:
            return []
        call.conference_members.discard(uid)
        channel = _text(msg, "Channel")
        party = self._party_of(call, uid, channel)
        events: list[DomainEvent] = [
            ConferencePartyLeft(
                call_id=call.call_id,
                caller=call.caller,
                time=now,
                conference=_text(msg, "Conference"),
                party=party,
                channel=channel,
                number=_number(_text(msg, "CallerIDNum")),
            )
        ]
        if uid != call.agent_uniqueid and call.agent_uniqueid and call.conference_members == {call.agent_uniqueid}:
            # Nobody else is left (the unit never came, then the caller hung up): ConfBridge keeps the agent's leg
            # in the room for as long as the phone stays up (live-2026-12/13).
            events.append(self._stranded(call, now, StrandedReason.ALONE_IN_CONFERENCE))
        if self._interface is not None and uid == call.agent_uniqueid:
            # The seat left the three-way call (kicked or hung up); the caller and the unit talk on without us.
            events.append(
                self._close(call, now, Party.AGENT, EndReason.LEFT_CONFERENCE)
            )
        return events

    def _watched_leave(self, msg: Message, now: datetime) -> list[DomainEvent]:
        conference, uid = _text(msg, "Conference"), _text(msg, "Uniqueid")
        watch = self._room_watch.get(conference)
        if watch is None or uid not in watch.members:
            return []
        watch.members.discard(uid)
        if uid == watch.agent_uid or not watch.members:
            del self._room_watch[conference]  # the seat left: nothing to free
            return []
        if watch.members != {watch.agent_uid}:
            return []
        del self._room_watch[conference]
        return [SeatLegStranded(call_id=watch.call_id, caller=watch.caller, time=now, channel=watch.agent_channel,
                                uniqueid=watch.agent_uid, reason=StrandedReason.ALONE_IN_CONFERENCE)]

    @staticmethod
    def _stranded(call: _Call, now: datetime, reason: StrandedReason) -> SeatLegStranded:
        return SeatLegStranded(call_id=call.call_id, caller=call.caller, time=now, channel=call.agent_channel,
                               uniqueid=call.agent_uniqueid, reason=reason)

    def _on_confbridge_end(self, msg: Message, now: datetime) -> list[DomainEvent]:
        self._rooms.pop(_text(msg, "Conference"), None)
        self._room_watch.pop(_text(msg, "Conference"), None)
        return []

    # ------------------------------------------------------------------ hangup: the truth

    def _on_hangup_request(self, msg: Message, now: datetime) -> list[DomainEvent]:
        call = self._call_of(msg)
        uid, channel = _text(msg, "Uniqueid"), _text(msg, "Channel")
        if call is not None:
            call.leaving.add(call.bases.get(uid) or _pair_base(channel))
        if call is not None and call.first_hangup is None:
            party = self._party_of(call, uid, channel)
            if self._blames(call, uid, party):
                call.first_hangup = (party, call.bases.get(uid) or _pair_base(channel))
        return []

    @staticmethod
    def _blames(call: _Call, uid: str, party: Party) -> bool:
        """Does this channel going away say who ended the call? Not a Local half optimising itself away, and before
        a queue call is answered only the caller's (an abandon): rung legs stop ringing (timeout, answered
        elsewhere) and, with ringall, other seats' phones share the caller's Linkedid, and none of them ended the
        call (a seat declining is told by its DialEnd BUSY or Hangup cause instead)."""
        if uid in call.optimized or call.bases.get(uid) in call.optimized:
            return False
        if call.direction == CallDirection.INBOUND and call.state != CallState.ANSWERED:
            return party is Party.CALLER
        # Anyone else (a unit) only ends a call they are in: a three-way call, or a transfer's target. Otherwise it
        # is another seat's ringall leg going away late (a Local member's ;2 half and phone hang up after the
        # answer) and must not be blamed for the end of this call.
        return (party is not Party.UNIT or bool(call.conference) or call.transferred
                or call.direction != CallDirection.INBOUND)

    def _on_hangup(self, msg: Message, now: datetime) -> list[DomainEvent]:
        uid = _text(msg, "Uniqueid")
        if not uid:
            self._anomaly("malformed:Hangup")
            return []
        if uid in self._dead:
            self.stats["duplicate"] += 1
            return []
        call = self._call_of(msg)
        channel = _text(msg, "Channel")
        events: list[DomainEvent] = []
        if call is not None and uid in call.swaps:
            self._apply_swap(call, uid)  # the optimisation's end was not seen: its halves' hangups complete it
        if call is not None and uid in call.conference_members:
            # Hung up inside the room and the ConfbridgeLeave was lost or comes late: report the leave now.
            events.extend(self._on_confbridge_leave(msg, now))
            if call.call_id not in self._calls:
                call = None  # that leave ended the seat's call
        party = self._party_of(call, uid, channel) if call is not None else Party.SYSTEM
        if call is not None:
            call.leaving.add(call.bases.get(uid) or _pair_base(channel))
        if call is not None and call.first_hangup is None and self._blames(call, uid, party):
            call.first_hangup = (party, call.bases.get(uid) or _pair_base(channel))
        _bounded_add(self._dead, uid, None, _MAX_DEAD)
        self._channels.pop(uid, None)
        self._queue_waits.pop(uid, None)
        events.extend(self._unit_outcome(msg, now))
        self._seat_legs.pop(uid, None)
        self._by_uniqueid.pop(uid, None)
        if call is None:
            return events
        call.uniqueids.discard(uid)
        call.held.discard(uid)
        call.held.discard("moh:" + uid)
        cause, cause_text = _int(_text(msg, "Cause")), _text(msg, "Cause-txt")
        seat_leg = uid == call.agent_uniqueid or (call.state != CallState.ANSWERED and uid in call.offered_agents)
        caller_gone = uid == call.caller_uniqueid and call.direction != CallDirection.CONFERENCE
        seat_gone = self._interface is not None and seat_leg
        if caller_gone or seat_gone or not call.uniqueids:
            agent = call.agent_uniqueid
            agent_leaving = (call.bases.get(agent) or _pair_base(call.agent_channel)) in call.leaving
            if (caller_gone and call.agent_parked and not agent_leaving and agent in call.uniqueids
                    and agent not in call.conference_members):
                # Hold is a Redirect: the agent's leg waits in hold-agent (Wait) and Asterisk will not end it.
                events.append(self._stranded(call, now, StrandedReason.HELD_CALLER_HUNG_UP))
            if caller_gone and call.conference and agent in call.conference_members and len(
                    call.conference_members) > 1:
                # The seat talks on with the unit in the room: when the unit leaves, the seat's leg is alone there.
                _bounded_add(self._room_watch, call.conference, _RoomWatch(
                    call.call_id, call.caller, agent, call.agent_channel, set(call.conference_members)), _MAX_ENDED)
            events.append(self._end(call, now, hangup_by=None, cause=cause, cause_text=cause_text, trigger=party))
        else:
            if self._interface is None and call.state != CallState.ANSWERED and uid in call.offered_agents:
                call.offered_agents.discard(uid)  # one of several rung agents stopped ringing
                call.ringing_agents.discard(uid)
            base = call.bases.pop(uid, None) or _pair_base(channel)
            party_gone = not any(b == base for b in call.bases.values())
            if call.conference and call.first_hangup is not None and call.first_hangup[1] == base and party_gone:
                call.first_hangup = None  # that party left the three-way call; the others talk on
        return events

    def _end(
        self,
        call: _Call,
        now: datetime,
        *,
        hangup_by: Party | None,
        cause: int | None,
        cause_text: str,
        reason: EndReason | None = None,
        trigger: Party = Party.SYSTEM,
    ) -> CallEnded:
        answered = call.state == CallState.ANSWERED
        if hangup_by is None:
            # The first hangup request wins over AgentComplete's Reason: after the desktop hangs up the agent leg,
            # AgentComplete says "caller" (ami/README fact 1).
            if call.complete_reason == "transfer":
                hangup_by = Party.AGENT
            elif call.first_hangup is not None:
                hangup_by = call.first_hangup[0]
            elif call.complete_reason in ("caller", "agent"):
                hangup_by = Party(call.complete_reason)
            else:
                hangup_by = trigger
            declined = cause in (17, 21) or bool(call.refused)
            if not answered and hangup_by is Party.AGENT and (not declined or self._elsewhere(call)):
                hangup_by = Party.SYSTEM  # the ring stopped (timeout, answered elsewhere); the seat did not reject it
        if reason is None:
            if not answered:
                if hangup_by is Party.CALLER:
                    reason = EndReason.ABANDONED
                elif cause == 26 or self._elsewhere(call):
                    reason = EndReason.ANSWERED_ELSEWHERE
                elif hangup_by is Party.AGENT:
                    reason = EndReason.REJECTED  # the seat's phone declined the call (busy, 486/603)
                else:
                    reason = EndReason.NOT_ANSWERED
            elif call.transferred:
                reason = EndReason.TRANSFERRED
            elif call.conference and hangup_by is Party.AGENT and self._interface is not None:
                reason = EndReason.LEFT_CONFERENCE
            else:
                reason = EndReason.COMPLETED
        self._forget(call)
        if self._interface is not None:
            self._last_call = (call.call_id, call.caller)
        return CallEnded(
            call_id=call.call_id,
            caller=call.caller,
            time=now,
            hangup_by=hangup_by,
            cause=cause,
            cause_text=cause_text,
            reason=reason,
            answered=answered,
            queue=call.queue,
            talk_time_s=(now - call.answered_at).total_seconds() if call.answered_at else None,
        )

    def _close(self, call: _Call, now: datetime, hangup_by: Party, reason: EndReason) -> CallEnded:
        """The call ends for a reason known from the event itself (no Hangup cause to report)."""
        return self._end(call, now, hangup_by=hangup_by, cause=None, cause_text="", reason=reason)

    def _elsewhere(self, call: _Call) -> bool:
        """A ringall call answered by another seat (no cause 26 unless the queue runs with option C)."""
        return self._interface is not None and call.answered_elsewhere

    def _forget(self, call: _Call) -> None:
        self._calls.pop(call.call_id, None)
        for uid in call.uniqueids:
            if self._by_uniqueid.get(uid) == call.call_id:
                del self._by_uniqueid[uid]
        if self._by_linkedid.get(call.call_id) == call.call_id:
            del self._by_linkedid[call.call_id]
        if call.conference and self._rooms.get(call.conference) == call.call_id:
            del self._rooms[call.conference]
        _bounded_add(self._ended, call.call_id, call.caller, _MAX_ENDED)

    # ------------------------------------------------------------------ callbacks (Originate)

    def _on_originate_response(self, msg: Message, now: datetime) -> list[DomainEvent]:
        channel = _text(msg, "Channel")
        action_id = _text(msg, "ActionID")
        expected = self._expected_originates.pop(action_id, None)
        room = expected.room if expected is not None else ""
        if not room and _text(msg, "Application").casefold() == "confbridge":
            room = _text(msg, "Data").split(",")[0].strip()
        call = self._calls.get(self._rooms.get(room) or self._room_hints.get(room, "")) if room else None
        if self._interface is not None and expected is None and call is None and not self._is_seat_channel(channel):
            self.stats["other_seat"] += 1
            return []
        if action_id and ("originate:" + action_id) in self._reported:
            self.stats["duplicate"] += 1
            return []
        if action_id:
            _bounded_add(self._reported, "originate:" + action_id, None, _MAX_ENDED)
        reason = _int(_text(msg, "Reason"))
        outcome = ORIGINATE_REASONS.get(reason if reason is not None else -1, OriginateOutcome.FAILED)
        if msg.get("Response") == "Failure" and outcome is OriginateOutcome.ANSWERED:
            outcome = OriginateOutcome.FAILED
        uid = _number(_text(msg, "Uniqueid"))
        exten = _text(msg, "Exten")
        number = (expected.number if expected is not None else "") or (
            exten if _looks_like_number(exten) else _number(_text(msg, "CallerIDNum"))) or _dialled_number(channel)
        if room:
            # A three-way call's unit (live-2026-12/03, 13): its joining is the room's ConfbridgeJoin; a failure is
            # the room's unreachable party, never a callback.
            if outcome is OriginateOutcome.ANSWERED:
                return []
            unreachable = ConferencePartyUnreachable(
                call_id=call.call_id if call else f"originate:{action_id}" if action_id else "",
                caller=call.caller if call else "",
                time=now,
                conference=room,
                number=_dialled_number(channel) or number,
                outcome=outcome,
                reason_code=reason,
                action_id=action_id,
                channel=channel,
            )
            prefix = channel.casefold() + "-"
            if any(c.name.casefold().startswith(prefix) for c in self._channels.values()):
                # A Local unit fails the Originate at once (Reason 0) while its ;2 still dials the number: the
                # reason (BUSY, NOANSWER, ...) comes with that Dial's end (live-2026-12/13).
                _bounded_add(self._unreachable, channel.casefold(), unreachable, _MAX_ENDED)
                return []
            return [unreachable]
        if uid and outcome is OriginateOutcome.ANSWERED:
            if self._interface is not None:
                _bounded_add(self._seat_legs, uid, None, _MAX_ENDED)
            work_order = expected.work_order if expected is not None else ""
            _bounded_add(self._originated, uid, _Originated(number, work_order, action_id), _MAX_ENDED)
        chan = self._channels.get(uid) if uid else None
        call_id = (chan.linkedid if chan and chan.linkedid else uid) or (f"originate:{action_id}" if action_id else "")
        return [
            CallbackOutcome(
                call_id=call_id,
                caller=number,
                time=now,
                outcome=outcome,
                stage=CallbackStage.ORIGINATE,
                reason_code=reason,
                action_id=action_id,
                channel=channel,
            )
        ]

    def _on_dial_begin(self, msg: Message, now: datetime) -> list[DomainEvent]:
        src = self._calls.get(self._by_uniqueid.get(_text(msg, "Uniqueid"), ""))
        ringing = src is not None and src.state != CallState.ANSWERED
        if src is not None and ringing and src.bases.get(_text(msg, "Uniqueid")) in src.agent_bases:
            # A Local member's ;2 half dials the seat's phone: that channel is the agent too (its hangup is the
            # agent's, and it may replace the Local pair in the bridge).
            dest_uid, dest = _text(msg, "DestUniqueid"), _text(msg, "DestChannel")
            if dest_uid and dest:
                src.agent_bases.add(_pair_base(dest))
                self._attach(src, dest_uid, dest)
        src_uid, dest_uid = _text(msg, "Uniqueid"), _text(msg, "DestUniqueid")
        if src is not None and src.state == CallState.ANSWERED and src_uid == src.agent_uniqueid:
            # The agent's leg dials out during the call (call control's consult context): the unit consulted.
            dial = _text(msg, "DialString").rsplit("/", 1)[-1].split("@")[0]
            number = dial if _looks_like_number(dial) else _number(_text(msg, "DestCallerIDNum"))
            src.consulted = number or dial or "?"
            if dest_uid:
                self._attach(src, dest_uid, _text(msg, "DestChannel"))
            return []
        if src is None and src_uid and src_uid not in self._seat_legs:
            return self._direct_call(msg, now)
        if self._interface is None:
            return []
        if not src_uid:
            # Originate's first leg has no caller side; ringing the seat's phone starts a callback.
            if dest_uid and self._is_seat_channel(_text(msg, "DestChannel")):
                _bounded_add(self._seat_legs, dest_uid, None, _MAX_ENDED)
            return []
        if src_uid not in self._seat_legs or not dest_uid or dest_uid in self._dead:
            return []
        if dest_uid in self._by_uniqueid:
            return []
        self._seat_legs.pop(src_uid, None)  # one customer leg per callback
        number = _number(_text(msg, "DestCallerIDNum"))
        if not _looks_like_number(number):
            number = _text(msg, "Exten")
        call = self._new_call(msg, now, direction=CallDirection.OUTBOUND, prefix="Dest")
        call.caller, call.caller_name = number, ""
        # The callback context's MixMonitor runs on the seat's leg: Asterisk names the file on that channel
        # (ChanVariable of DialBegin, or the MixMonitorStart before it), as the absolute path (live-2026-12/04b).
        seat_chan = self._channels.get(src_uid)
        call.recording = _chan_variable(msg, "MIXMONITOR_FILENAME") or (seat_chan.recording if seat_chan else None)
        call.agent_uniqueid, call.agent_channel = src_uid, _text(msg, "Channel")
        call.agent_bases.add(_pair_base(call.agent_channel))
        call.interface = self._interface
        self._attach(call, src_uid, call.agent_channel)
        call.state = CallState.RINGING
        return [
            CallRinging(
                call_id=call.call_id,
                caller=call.caller,
                time=now,
                channel=call.caller_channel,
                interface=self._interface,
                direction=CallDirection.OUTBOUND,
            )
        ]

    def _member_device(self, channel: str) -> bool:
        """Is this channel a seat's phone: this seat's, or (a supervisor's view) any known queue member's?"""
        if self._interface is not None:
            return self._is_seat_channel(channel)
        device = _channel_device(channel)
        return any(_device(interface) == device for _queue, interface in self._members)

    def _direct_call(self, msg: Message, now: datetime) -> list[DomainEvent]:
        """Someone dials a seat's phone straight (context agents: another seat, a transfer to a seat): a call like
        a queue call, with its pop, answered by the Dial's ANSWER. Asterisk 20 sends DialBegin caller → phone."""
        src_uid, dest_uid, dest = _text(msg, "Uniqueid"), _text(msg, "DestUniqueid"), _text(msg, "DestChannel")
        if (not dest_uid or not dest or src_uid in self._dead or dest_uid in self._dead
                or dest_uid in self._by_uniqueid or not self._member_device(dest)):
            return []
        if src_uid in self._queue_waits or _text(msg, "Linkedid") in self._queue_waits:
            # The queue rings its member (another queue's call, or one this seat does not follow), directly or
            # through a Local member's ;2 half (its Linkedid is the waiting caller's).
            return []
        if self._interface is not None and self._is_seat_channel(_text(msg, "Channel")):
            return []  # the seat dials out itself
        call = self._new_call(msg, now)
        call.direct = True
        call.interface = self._interface or _channel_device(dest)
        self._add_agent_leg(call, {"DestUniqueid": dest_uid, "DestChannel": dest})
        return [self._offer(call, msg, now)]

    def _direct_dial_end(self, msg: Message, now: datetime) -> list[DomainEvent] | None:
        uid = _text(msg, "Uniqueid")
        call = self._calls.get(self._by_uniqueid.get(uid, ""))
        if call is None or not call.direct or uid != call.caller_uniqueid or call.state == CallState.ANSWERED:
            return None
        if _text(msg, "DestUniqueid") not in call.offered_agents:
            return []
        status = _text(msg, "DialStatus")
        if status == "ANSWER":
            call.state, call.answered_at = CallState.ANSWERED, now
            call.recording = call.recording or _chan_variable(msg, "MIXMONITOR_FILENAME") or None
            return [self._answered(call, now)]
        if status == "BUSY":
            call.refused.add(_text(msg, "DestUniqueid"))
            return [self._close(call, now, Party.AGENT, EndReason.REJECTED)]
        if status == "CANCEL":
            return [self._close(call, now, Party.CALLER, EndReason.ABANDONED)]
        if status in DIAL_STATUSES:
            return [self._close(call, now, Party.SYSTEM, EndReason.NOT_ANSWERED)]
        return []

    def _queue_dial_end(self, msg: Message) -> bool:
        """The queue's DialEnd to a member leg (the caller's channel dialled it). Ringall: the winner's ANSWER comes
        first, then CANCEL for every other leg; without an answer, CANCEL means the caller left (hung up or pressed
        an exit digit); BUSY means the member's phone declined. Returns whether it was one."""
        uid = _text(msg, "Uniqueid")
        call = self._calls.get(self._by_uniqueid.get(uid, ""))
        if (call is None or call.direction != CallDirection.INBOUND or uid != call.caller_uniqueid
                or call.state == CallState.ANSWERED):
            return False
        dest_uid, status = _text(msg, "DestUniqueid"), _text(msg, "DialStatus")
        if status == "ANSWER":
            call.member_answered = True
            call.answered_elsewhere = dest_uid not in call.offered_agents
        elif dest_uid in call.offered_agents:
            if status == "BUSY":
                call.refused.add(dest_uid)
            elif status == "CANCEL" and not call.member_answered and call.first_hangup is None:
                call.first_hangup = (Party.CALLER, _pair_base(call.caller_channel))
        return True

    def _unit_outcome(self, msg: Message, now: datetime, *, dial_status: str = "") -> list[DomainEvent]:
        """The end of a failed three-way unit's Local channel: its Dial's status, or its hangup without one."""
        if not self._unreachable:
            return []
        key = _channel_device(_text(msg, "Channel"))
        pending = self._unreachable.pop(key, None)
        if pending is None:
            return []
        outcome = DIAL_STATUSES.get(dial_status, pending.outcome)
        return [dataclasses.replace(pending, time=now, outcome=outcome, dial_status=dial_status)]

    def _on_dial_end(self, msg: Message, now: datetime) -> list[DomainEvent]:
        status = _text(msg, "DialStatus")
        if self._unreachable and status in DIAL_STATUSES and status != "ANSWER":
            unit = self._unit_outcome(msg, now, dial_status=status)
            if unit:
                return unit
        direct = self._direct_dial_end(msg, now)
        if direct is not None:
            return direct
        if self._queue_dial_end(msg):
            return []
        dest_uid = _text(msg, "DestUniqueid")
        call = self._calls.get(self._by_uniqueid.get(dest_uid, ""))
        if (call is None or call.direction != CallDirection.OUTBOUND or call.caller_uniqueid != dest_uid
                or call.state == CallState.ANSWERED):
            return []
        status = _text(msg, "DialStatus")
        outcome = DIAL_STATUSES.get(status)
        if outcome is None:  # CONTINUE / GOTO: the dialplan went on; not an outcome yet
            return []
        result: CallbackOutcome = CallbackOutcome(
            call_id=call.call_id,
            caller=call.caller,
            time=now,
            outcome=outcome,
            stage=CallbackStage.CUSTOMER,
            dial_status=status,
            channel=call.caller_channel,
        )
        if outcome is OriginateOutcome.ANSWERED:
            call.state, call.answered_at = CallState.ANSWERED, now
            return [result, self._answered(call, now)]
        hangup_by = Party.CALLER if outcome in (OriginateOutcome.BUSY, OriginateOutcome.HUNG_UP) else Party.SYSTEM
        return [result, self._close(call, now, hangup_by, EndReason(outcome.value))]

    # ------------------------------------------------------------------ survey

    def _on_user_event(self, msg: Message, now: datetime) -> list[DomainEvent]:
        if msg.get("UserEvent") != "Survey":
            return []
        uid = _text(msg, "Uniqueid")
        linkedid = _text(msg, "Linkedid") or uid
        # Tied to the survey's Originate first (its Uniqueid is the channel that runs the survey): Asterisk's
        # `Caller:` is empty when the Originate set no caller ID (live-2026-12/06).
        origin = self._originated.get(uid) or self._originated.get(linkedid)
        live = self._calls.get(self._by_linkedid.get(linkedid, ""))
        ours = origin is not None and bool(origin.action_id) and ("originate:" + origin.action_id) in self._reported
        if self._interface is not None and live is None and linkedid not in self._ended and not ours:
            self.stats["other_seat"] += 1
            return []
        key = f"survey:{linkedid}:{uid}"
        if key in self._reported:
            self.stats["duplicate"] += 1
            return []
        _bounded_add(self._reported, key, None, _MAX_ENDED)
        chan = self._channels.get(uid)
        caller = (origin.number if origin else "") or _number(_text(msg, "Caller")) or _number(
            _text(msg, "CallerIDNum"))
        return [
            SurveyResult(
                call_id=linkedid,
                caller=caller,
                time=now,
                result=_text(msg, "Result"),
                digits=chan.digits if chan else "",
                work_order=origin.work_order if origin else "",
                action_id=origin.action_id if origin else "",
            )
        ]

    def _on_fork_only(self, msg: Message, now: datetime) -> list[DomainEvent]:
        # ChanSpy events never get here (fork events); the fork's Cdr is counted as filtered, other CDRs as handled
        # (the desktop's statistics come from the work orders, not from CDRs).
        return []

    # ------------------------------------------------------------------ queue membership and pauses

    def _member_key(self, msg: Message) -> tuple[str, str, str] | None:
        queue = _text(msg, "Queue")
        interface = _text(msg, "Interface") or _text(msg, "Location")
        if not queue or not interface:
            self._anomaly(f"malformed:{msg.get('Event')}")
            return None
        self._learn_seat_alias(msg)
        if not self._queue_ok(queue) or not self._seat_matches(interface, ""):
            return None
        return queue, interface, _text(msg, "MemberName") or _text(msg, "Name")

    def _membership(self, key: tuple[str, str, str], logged_in: bool, now: datetime) -> list[DomainEvent]:
        queue, interface, member_name = key
        member = self._members.setdefault((queue, interface), _Member())
        if member.logged_in is logged_in:
            return []
        member.logged_in = logged_in
        if not logged_in:
            member.paused, member.reason, member.in_acw = None, "", False
        return [
            QueueMembershipChanged(
                call_id="",
                caller="",
                time=now,
                logged_in=logged_in,
                queue=queue,
                interface=interface,
                member_name=member_name,
            )
        ]

    def _pause(self, key: tuple[str, str, str], msg: Message, now: datetime) -> list[DomainEvent]:
        paused_text = _text(msg, "Paused")
        if paused_text not in ("0", "1"):
            return []
        paused = paused_text == "1"
        reason = _text(msg, "PausedReason") or _text(msg, "Reason") if paused else ""
        queue, interface, member_name = key
        member = self._members.setdefault((queue, interface), _Member())
        if paused and member.paused and msg.get("PausedReason") is None and msg.get("Reason") is None:
            reason = member.reason  # an event without the header (pre-13 Asterisk, a resync list) changes nothing
        if member.paused is paused and member.reason == reason:
            return []
        first_sight = member.paused is None
        member.paused, member.reason = paused, reason
        acw = paused and reason.strip().casefold() in _ACW_REASONS
        events: list[DomainEvent] = []
        call_id, caller = self._last_call
        # After-call work is the seat's, not a queue's: a QueuePause without Queue pauses the member in every queue
        # (one QueueMemberPause each), so it starts with the first queue and ends with the last.
        in_acw_elsewhere = any(
            m.in_acw for (q, i), m in self._members.items() if i == interface and q != queue
        )
        if member.in_acw and not acw:
            member.in_acw = False
            if not in_acw_elsewhere:
                events.append(
                    AfterCallWorkEnded(call_id=call_id, caller=caller, time=now, queue=queue, interface=interface)
                )
            if not paused:
                return events  # ready again: the end of after-call work says it all
        if acw:
            if not member.in_acw:
                member.in_acw = True
                if not in_acw_elsewhere:
                    events.append(
                        AfterCallWorkStarted(call_id=call_id, caller=caller, time=now, queue=queue,
                                             interface=interface)
                    )
            return events
        if first_sight and not paused:
            return events  # "not paused" is the default: nothing changed that a screen must hear about
        events.append(
            PauseStateChanged(
                call_id="",
                caller="",
                time=now,
                paused=paused,
                reason=reason,
                queue=queue,
                interface=interface,
                member_name=member_name,
            )
        )
        return events

    def _on_member_added(self, msg: Message, now: datetime) -> list[DomainEvent]:
        key = self._member_key(msg)
        if key is None:
            return []
        return self._membership(key, True, now) + self._pause(key, msg, now)

    def _on_member_removed(self, msg: Message, now: datetime) -> list[DomainEvent]:
        key = self._member_key(msg)
        if key is None:
            return []
        return self._membership(key, False, now)

    def _on_member_status(self, msg: Message, now: datetime) -> list[DomainEvent]:
        # QueueMemberStatus/QueueMemberPause/QueueMember (QueueStatus list) all say "this member is in the queue".
        key = self._member_key(msg)
        if key is None:
            return []
        return self._membership(key, True, now) + self._pause(key, msg, now)

    # ------------------------------------------------------------------ resync

    def _member_devices(self, queue_members: Sequence[Mapping[str, str]]) -> frozenset[str]:
        """Devices of every queue member in a QueueStatus list (interface and StateInterface): a seat's phone."""
        devices: set[str] = set()
        for item in queue_members:
            if item.get("Event") == "QueueMember":
                for key in ("Interface", "Location", "StateInterface"):
                    value = _text(item, key)
                    if value:
                        devices.add(_device(value))
        return frozenset(devices)

    def _resync_channels(
        self, channels: Sequence[Mapping[str, str]], now: datetime, member_devices: frozenset[str] = frozenset()
    ) -> list[DomainEvent]:
        seen_before = set(self._channels)  # channels this tracker already saw live (before the lists are applied)
        live: dict[str, Mapping[str, str]] = {}
        for item in channels:
            uid = _text(item, "Uniqueid")
            if uid and not self._is_fork_event(item):
                live[uid] = item
        events: list[DomainEvent] = []
        # 1. Ghosts: calls whose channels went away while we were not listening.
        for call in list(self._calls.values()):
            if self._still_live(call, live):
                call.conference_members &= live.keys()
                call.held = {key for key in call.held if key.removeprefix("moh:") in live}
                for uid in list(call.uniqueids):
                    if uid not in live:
                        call.uniqueids.discard(uid)
                        call.bases.pop(uid, None)
                        self._by_uniqueid.pop(uid, None)
                        _bounded_add(self._dead, uid, None, _MAX_DEAD)
                if call.state != CallState.ANSWERED and call.direction == CallDirection.INBOUND:
                    agent = live.get(call.agent_uniqueid)
                    caller = live.get(call.caller_uniqueid)
                    if agent is not None and caller is not None and self._bridged(caller, agent):
                        call.state, call.answered_at = CallState.ANSWERED, now
                        events.append(self._answered(call, now, resynced=True))
                continue
            events.append(
                self._end(call, now, hangup_by=Party.SYSTEM, cause=None, cause_text="", reason=LOST_DURING_RECONNECT)
            )
        # Channels that hung up unseen are dead: late events about them must not resurrect anything.
        for uid in list(self._channels):
            if uid not in live:
                self._channels.pop(uid, None)
                self._queue_waits.pop(uid, None)
                _bounded_add(self._dead, uid, None, _MAX_DEAD)
        for uid, item in live.items():
            self._dead.pop(uid, None)
            self._channel(item)
        # 2. Live queue calls this tracker does not know: caller legs in Queue() with an agent leg.
        by_linkedid: dict[str, list[Mapping[str, str]]] = {}
        for item in live.values():
            by_linkedid.setdefault(_text(item, "Linkedid"), []).append(item)
        for item in live.values():
            if item.get("Application") != "Queue" or _text(item, "Uniqueid") in self._by_uniqueid:
                continue
            queue = _text(item, "ApplicationData").split(",")[0]
            if not self._queue_ok(queue):
                continue
            agent = self._agent_leg_for(item, by_linkedid.get(_text(item, "Linkedid"), []), live)
            if agent is None:
                continue  # still waiting in the queue: not offered to anyone yet
            events.extend(self._adopt(item, agent, queue, now))
        # 2b. Dials this tracker does not know: the seat's callback ringing or talking, a call dialled to the seat.
        for item in live.values():
            uid = _text(item, "Uniqueid")
            if item.get("Application") == "Dial" and uid not in self._by_uniqueid and uid not in seen_before:
                # (a Dial seen live and not followed, e.g. the seat's own call from its phone, stays unfollowed)
                events.extend(self._adopt_dial(item, by_linkedid.get(_text(item, "Linkedid"), []), now))
        # 3. Three-way calls in a ConfBridge room none of our calls is in (e.g. the desktop restarted mid-call).
        rooms: dict[str, list[Mapping[str, str]]] = {}
        for item in live.values():
            if item.get("Application") == "ConfBridge":
                rooms.setdefault(_text(item, "ApplicationData").split(",")[0], []).append(item)
        for room, members in rooms.items():
            if room and room not in self._rooms and not any(_text(m, "Uniqueid") in self._by_uniqueid for m in members):
                events.extend(self._adopt_room(room, members, now, member_devices))
        return events

    def _adopt_room(
        self, room: str, members: list[Mapping[str, str]], now: datetime, member_devices: frozenset[str]
    ) -> list[DomainEvent]:
        """A live room: after call control's dual Redirect the caller and the seat share the caller's Linkedid, and
        the caller's leg is the one whose Uniqueid is that Linkedid. The seat's leg shows the caller's number and
        Linkedid too, so it is told by its device: this seat's, or (a supervisor's view) any queue member's."""
        if self._interface is not None:
            seat = [m for m in members if self._is_seat_channel(_text(m, "Channel"))]
            if not seat:
                return []  # another seat's three-way call
        else:
            seat = [m for m in members if _channel_device(_text(m, "Channel")) in member_devices]
        others = [m for m in members if m not in seat]
        seat_links = {_text(m, "Linkedid") for m in seat}
        caller = next((m for m in others if _text(m, "Uniqueid") in seat_links), None) or next(
            (m for m in others if _text(m, "Uniqueid") == _text(m, "Linkedid")), None)
        if caller is None and others:
            caller = others[0]
        if caller is None:
            # Only the seat's leg is left in the room (the caller hung up while the unit never came): it is no call
            # any more, and nothing but a hangup frees the phone (live-2026-12/13).
            events: list[DomainEvent] = []
            for leg in seat:
                events.append(SeatLegStranded(
                    call_id=_text(leg, "Linkedid"), caller=_number(_text(leg, "CallerIDNum")), time=now,
                    channel=_text(leg, "Channel"), uniqueid=_text(leg, "Uniqueid"),
                    reason=StrandedReason.ALONE_IN_CONFERENCE,
                ))
            return events
        call = self._new_call(caller, now, direction=CallDirection.INBOUND if seat else CallDirection.CONFERENCE)
        call.state, call.answered_at, call.conference = CallState.ANSWERED, now, room
        if seat:
            call.agent_uniqueid, call.agent_channel = _text(seat[0], "Uniqueid"), _text(seat[0], "Channel")
            call.agent_bases.update(_pair_base(_text(m, "Channel")) for m in seat)
            call.agent_parked = True
            call.interface = self._interface or ""
        events = []
        if seat:  # the seat's screen needs the call itself back, not only its parties
            events += [self._offer(call, {}, now, resynced=True), self._answered(call, now, resynced=True)]
        self._rooms[room] = call.call_id
        for member in members:
            self._attach(call, _text(member, "Uniqueid"), _text(member, "Channel"))
            join = dict(member)
            join["Conference"] = room
            events.extend(self._on_confbridge_join(join, now))
        return events

    def _adopt_dial(
        self, dialler: Mapping[str, str], same_linkedid: list[Mapping[str, str]], now: datetime
    ) -> list[DomainEvent]:
        """A channel in Dial() with its dialled leg (Application AppDial, same Linkedid): if the dialler is the
        seat's leg, the seat's callback (context callback) followed on from here to its outcome; if the dialled leg
        is the seat's phone, a call dialled to the seat."""
        dialled = next((c for c in same_linkedid if c.get("Application") == "AppDial"
                        and _text(c, "Uniqueid") not in self._by_uniqueid
                        and not _text(c, "Channel").endswith(";2")), None)
        if dialled is None or self._interface is None:
            return []
        if any(_text(c, "Uniqueid") in self._by_uniqueid for c in same_linkedid):
            return []  # part of a call already followed (a Local queue member's ;2 dialling the phone)
        bridged = self._bridged(dialler, dialled)
        if self._is_seat_channel(_text(dialler, "Channel")):
            exten = _text(dialler, "Exten")
            call = self._new_call(dialled, now, direction=CallDirection.OUTBOUND)
            call.caller = exten if _looks_like_number(exten) else _number(_text(dialled, "CallerIDNum"))
            call.caller_name = ""
            call.recording = _chan_variable(dialler, "MIXMONITOR_FILENAME") or None
            call.agent_uniqueid, call.agent_channel = _text(dialler, "Uniqueid"), _text(dialler, "Channel")
            call.agent_bases.add(_pair_base(call.agent_channel))
            call.interface = self._interface
            self._attach(call, call.agent_uniqueid, call.agent_channel)
            if bridged:
                call.state, call.answered_at = CallState.ANSWERED, now
                return [self._answered(call, now, resynced=True)]
            call.state = CallState.RINGING
            return [CallRinging(call_id=call.call_id, caller=call.caller, time=now, channel=call.caller_channel,
                                interface=self._interface, direction=CallDirection.OUTBOUND)]
        if not self._is_seat_channel(_text(dialled, "Channel")):
            return []
        call = self._new_call(dialler, now)
        call.direct, call.interface = True, self._interface
        self._add_agent_leg(call, {"DestUniqueid": _text(dialled, "Uniqueid"),
                                   "DestChannel": _text(dialled, "Channel")})
        events: list[DomainEvent] = [self._offer(call, {}, now, resynced=True)]
        if bridged:
            call.state, call.answered_at = CallState.ANSWERED, now
            events.append(self._answered(call, now, resynced=True))
        return events

    def _still_live(self, call: _Call, live: Mapping[str, Mapping[str, str]]) -> bool:
        if call.direction == CallDirection.CONFERENCE:
            return any(uid in live for uid in call.uniqueids)
        if call.caller_uniqueid not in live:
            return False
        if self._interface is None:
            return True
        answered = call.state == CallState.ANSWERED
        seat_legs = {call.agent_uniqueid} if answered else call.offered_agents | {call.agent_uniqueid}
        return any(uid in live for uid in seat_legs if uid)

    @staticmethod
    def _bridged(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
        bridge = _text(a, "BridgeId")
        return bool(bridge) and bridge == _text(b, "BridgeId")

    def _agent_leg_for(
        self,
        caller: Mapping[str, str],
        same_linkedid: list[Mapping[str, str]],
        live: Mapping[str, Mapping[str, str]],
    ) -> Mapping[str, str] | None:
        bridge = _text(caller, "BridgeId")
        candidates = [c for c in same_linkedid if c is not caller]
        if bridge:
            candidates += [c for c in live.values() if c is not caller and _text(c, "BridgeId") == bridge]
        best: Mapping[str, str] | None = None
        for cand in candidates:
            name = _text(cand, "Channel")
            if self._interface is not None:
                if not self._is_seat_channel(name):
                    continue
            elif cand.get("Application") != "AppQueue":
                continue
            if name.endswith(";2"):
                continue  # the phone half of a Local pair; the ;1 half is the queue's leg
            if best is None or self._bridged(caller, cand):
                best = cand
        return best

    def _adopt(
        self, caller: Mapping[str, str], agent: Mapping[str, str], queue: str, now: datetime
    ) -> list[DomainEvent]:
        call = self._new_call(caller, now)
        call.queue = queue
        agent_name = _text(agent, "Channel")
        legs = {"DestUniqueid": _text(agent, "Uniqueid"), "DestChannel": agent_name, "Queue": queue}
        self._add_agent_leg(call, legs)
        if self._interface is not None:
            call.interface = self._interface
        events: list[DomainEvent] = [self._offer(call, legs, now, resynced=True)]
        if self._bridged(caller, agent) or (_text(agent, "ChannelState") == "6" and _text(caller, "BridgeId")):
            call.state, call.answered_at = CallState.ANSWERED, now
            events.append(self._answered(call, now, resynced=True))
        else:
            call.state = CallState.RINGING
            call.ringing_agents.add(_text(agent, "Uniqueid"))
            ringing = CallRinging(
                call_id=call.call_id, caller=call.caller, time=now, channel=agent_name, interface=call.interface
            )
            events.append(ringing)
        return events

    def _resync_queues(self, items: Sequence[Mapping[str, str]], now: datetime) -> list[DomainEvent]:
        events: list[DomainEvent] = []
        listed_queues: set[str] = set()
        present: set[tuple[str, str]] = set()
        for item in items:
            queue = _text(item, "Queue")
            if queue:
                listed_queues.add(queue)
            kind = item.get("Event")
            if kind == "QueueMember":
                key = self._member_key(item)
                if key is not None:
                    present.add((key[0], key[1]))
                    events.extend(self._membership(key, True, now) + self._pause(key, item, now))
            elif kind == "QueueEntry":
                uid = _text(item, "Uniqueid")
                if uid and uid not in self._queue_waits:
                    wait_s = _int(_text(item, "Wait")) or 0
                    self._queue_waits[uid] = _QueueWait(
                        queue, _int(_text(item, "Position")), now - timedelta(seconds=wait_s)
                    )
        for (queue, interface), member in list(self._members.items()):
            if queue in listed_queues and (queue, interface) not in present and member.logged_in:
                events.extend(self._membership((queue, interface, ""), False, now))
        return events
