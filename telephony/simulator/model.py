"""What the simulator PBX keeps about channels, bridges, queues and conferences, and how Asterisk 20 prints them.

Every AMI channel event embeds the channel's *snapshot* in a fixed header order (A20 main/manager_channels.c:565-640);
two-channel events repeat it with a prefix (`Dest…`, `Transferer…`, `Spyer…`). Bridge events embed the bridge
snapshot (A20 main/manager_bridges.c:37-105). The builders here produce exactly those header lists, so every event the
engine emits has the header set and order of the captures in `reference/ami/`.

Pure data: no sockets, no clock reads (times are passed in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from telephony.simulator.wire import encode, escape_c, one_line, privilege_text

Headers = list[tuple[str, str]]

# ChannelState values (ADOC AMI-v2 §Channels).
DOWN, RESERVED, OFFHOOK, DIALING, RING, RINGING, UP, BUSY = 0, 1, 2, 3, 4, 5, 6, 7
STATE_DESC = {
    0: "Down", 1: "Rsrvd", 2: "OffHook", 3: "Dialing", 4: "Ring", 5: "Ringing", 6: "Up", 7: "Busy",
    8: "Dialing Offhook", 9: "Pre-ring", 10: "Unknown",
}

# Hangup causes (A20 include/asterisk/causes.h) and their Cause-txt.
CAUSE_TEXT = {
    0: "Unknown", 1: "Unallocated (unassigned) number", 16: "Normal Clearing", 17: "User busy",
    18: "No user responding", 19: "User alerting, no answer", 21: "Call Rejected", 26: "Answered elsewhere",
    34: "Circuit/channel congestion", 38: "Network out of order", 44: "Requested channel not available",
}

# Queue member Status (A20 apps/app_queue.c; tech brief §1.5).
MEMBER_NOT_INUSE, MEMBER_INUSE, MEMBER_BUSY, MEMBER_UNAVAILABLE, MEMBER_RINGING = 1, 2, 3, 5, 6


@dataclass(eq=False)
class Channel:
    """One Asterisk channel. `partner` links the two halves of a Local channel (`;1` ↔ `;2`)."""

    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    priority: int = 1
    state: int = DOWN
    cid_num: str = ""
    cid_name: str = ""
    connected_num: str = ""
    connected_name: str = ""
    created_at: float = 0.0
    answered_at: float | None = None
    application: str = ""
    app_data: str = ""
    partner: Channel | None = None
    bridge: Bridge | None = None
    hung_up: bool = False
    variables: dict[str, str] = field(default_factory=dict)
    #: Called (once, in order) when this channel hangs up, before its Hangup event: queue bookkeeping, conferences.
    on_hangup: list[Callable[[Channel, str], None]] = field(default_factory=list)
    #: What the channel does when its two-party bridge breaks because the peer left (continue the dialplan, hang up).
    after_bridge: Callable[[Channel], None] | None = None
    #: What a leg of this call says (the WAV the audio fork streams when someone spies on this channel).
    audio: object | None = None
    #: Timers owned by this channel (cancelled when it hangs up).
    timers: list[object] = field(default_factory=list)
    #: The dialled leg playing early media to this channel (a carrier's recording before any answer).
    early_media: Channel | None = None
    #: The digit this party presses when an IVR reads one (survey callees).
    dtmf: str = ""
    #: Music on hold is playing to this channel (MusicOnHoldStart sent, Stop not yet).
    moh: bool = False
    #: manager.conf `channelvars`: printed as `ChanVariable: NAME=value` at the end of every snapshot.
    channelvars: tuple[str, ...] = ()

    def snapshot(self, prefix: str = "") -> Headers:
        p = prefix
        return [
            (f"{p}Channel", self.name),
            (f"{p}ChannelState", str(self.state)),
            (f"{p}ChannelStateDesc", STATE_DESC.get(self.state, "Unknown")),
            (f"{p}CallerIDNum", _cid(self.cid_num)),
            (f"{p}CallerIDName", _cid(self.cid_name)),
            (f"{p}ConnectedLineNum", _cid(self.connected_num)),
            (f"{p}ConnectedLineName", _cid(self.connected_name)),
            (f"{p}Language", "en"),
            (f"{p}AccountCode", ""),
            (f"{p}Context", one_line(self.context)),
            (f"{p}Exten", one_line(self.exten)),
            (f"{p}Priority", str(self.priority)),
            (f"{p}Uniqueid", self.uniqueid),
            (f"{p}Linkedid", self.linkedid),
            *((f"{p}ChanVariable", f"{name}={one_line(self.variables.get(name, ''))}") for name in self.channelvars),
        ]

    @property
    def is_local(self) -> bool:
        return self.name.startswith("Local/")


def _cid(value: str) -> str:
    return escape_c(value) if value else "<unknown>"


@dataclass(eq=False)
class Bridge:
    uniqueid: str
    bridge_type: str = "basic"
    technology: str = "simple_bridge"
    creator: str = ""
    name: str = ""
    channels: list[Channel] = field(default_factory=list)
    #: Internal members counted by Asterisk but never reported (ConfBridge's CBAnn announcer channel).
    hidden_members: int = 0
    destroyed: bool = False

    def snapshot(self, *, count: int | None = None) -> Headers:
        return [
            ("BridgeUniqueid", self.uniqueid),
            ("BridgeType", self.bridge_type),
            ("BridgeTechnology", self.technology),
            ("BridgeCreator", self.creator or "<unknown>"),
            ("BridgeName", self.name or "<unknown>"),
            ("BridgeNumChannels", str(self.size if count is None else count)),
            ("BridgeVideoSourceMode", "none"),
        ]

    @property
    def size(self) -> int:
        return len(self.channels) + self.hidden_members


@dataclass(eq=False)
class QueueMember:
    queue: str
    name: str
    interface: str
    membership: str = "dynamic"
    penalty: int = 0
    calls_taken: int = 0
    last_call: int = 0
    last_pause: int = 0
    login_time: int = 0
    in_call: bool = False
    status: int = MEMBER_NOT_INUSE
    paused: bool = False
    paused_reason: str = ""
    ringing: bool = False

    def fields(self, *, list_form: bool = False) -> Headers:
        """QueueMember* events use MemberName/Interface; the QueueStatus list item uses Name/Location
        (tech brief §0.6, A20 apps/app_queue.c:11010-11090 vs 2613-2632)."""
        head: Headers = (
            [("Queue", self.queue), ("Name", self.name), ("Location", self.interface)]
            if list_form
            else [("Queue", self.queue), ("MemberName", self.name), ("Interface", self.interface)]
        )
        body: Headers = [
            ("StateInterface", self.interface),
            ("Membership", self.membership),
            ("Penalty", str(self.penalty)),
            ("CallsTaken", str(self.calls_taken)),
            ("LastCall", str(self.last_call)),
            ("LastPause", str(self.last_pause)),
            ("LoginTime", str(self.login_time)),
            ("InCall", "1" if self.in_call else "0"),
            ("Status", str(self.status)),
            ("Paused", "1" if self.paused else "0"),
            ("PausedReason", one_line(self.paused_reason)),
        ]
        if not list_form:
            body.append(("Ringinuse", "0"))
        body.append(("Wrapuptime", "0"))
        return head + body

    @property
    def available(self) -> bool:
        return not self.paused and not self.in_call and not self.ringing and self.status != MEMBER_UNAVAILABLE


@dataclass(eq=False)
class QueueEntry:
    """A caller waiting in a queue."""

    channel: Channel
    position: int
    original_position: int
    joined_at: float


@dataclass(eq=False)
class Queue:
    name: str
    strategy: str = "ringall"
    members: dict[str, QueueMember] = field(default_factory=dict)  # by interface, lower-cased
    entries: list[QueueEntry] = field(default_factory=list)
    completed: int = 0
    abandoned: int = 0
    holdtime_total: float = 0.0
    talktime_total: float = 0.0

    def member(self, interface: str) -> QueueMember | None:
        return self.members.get(interface.lower())


@dataclass(eq=False)
class Conference:
    name: str
    bridge: Bridge
    started_at: float
    muted: set[str] = field(default_factory=set)
    #: confbridge.conf user profile each member joined with (channel name → profile), as `confbridge list` shows it
    profiles: dict[str, str] = field(default_factory=dict)
    #: what the room's announcer (CBAnn) played to the others: a member without the quiet profile is announced
    #: joining and leaving (live-2026-12/03: `confbridge-join.slin` right after the default-profile unit joined)
    announcements: list[str] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class Event:
    """One event as it goes on the wire. `classes` are the read classes a session needs to receive it."""

    name: str
    classes: tuple[str, ...]
    headers: Sequence[tuple[str, str]]

    @cached_property
    def wire(self) -> bytes:
        return encode(self.all_headers)

    @cached_property
    def all_headers(self) -> Headers:
        return [("Event", self.name), ("Privilege", privilege_text(self.classes)), *self.headers]

    @cached_property
    def text(self) -> str:
        """The event as one string for regex event filters (lines joined with CRLF, like Asterisk matches)."""
        return "".join(f"{key}: {value}\r\n" for key, value in self.all_headers)

    def get(self, name: str, default: str | None = None) -> str | None:
        folded = name.lower()
        return next((v for k, v in self.all_headers if k.lower() == folded), default)


@dataclass
class Target:
    """A parsed dial string."""

    kind: str  # local | pjsip | trunk | audiosocket
    dial: str
    exten: str = ""
    context: str = ""
    endpoint: str = ""
    host: str = ""
    port: int = 0
    fork_uuid: str = ""
    rate_kind: str = "slin"
