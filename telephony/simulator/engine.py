"""The call engine of the simulator PBX: channels, the dialplan of `resources/asterisk/extensions.conf`, the queue,
bridges, ConfBridge, Originate, transfers and the survey IVR — producing Asterisk 20's events in Asterisk 20's order.

Theory of operation:
- Everything runs on one asyncio loop, driven by timers (`later`), never by threads. A timer callback and an AMI action
  both just mutate state and `emit` events; `emit` hands each `Event` to the server, which fans it out to sessions.
- Channels are named as Asterisk names them: `PJSIP/8001-0000000a` (one channel per phone), `Local/x@ctx-0000000b;1`
  and `;2` (two halves; `;1` is the leg that takes part in the call, `;2` runs the "handset"), `AudioSocket/h:p-<uuid>`.
  One global counter gives the hex suffix and Uniqueids are `<epoch>.<n>`, as on a real Asterisk.
- The dialplan is modelled by contexts with the names of the sample `extensions.conf`: `inbound` (MixMonitor + Queue
  hotline), `agents`, `callback`, `conf` (ConfBridge three-way room), `transfer`, `outbound`, `hold`, `survey`, plus the
  capture rig's test handsets `customer`, `parties` and `dtmf` (see `reference/ami/`). Who answers after how long, who
  hangs up when, which DTMF digit a survey callee presses, comes from the scenario (agents and numbers).
- Queue semantics follow app_queue's AMI behaviour as seen in the captures and the tech brief §1.5: ringall, AgentCalled
  → AgentConnect → AgentComplete with Reason caller|agent|transfer; an AMI `Hangup` of the agent's channel gives no
  AgentComplete until the caller's side ends, then `Reason: caller` (ami/README fact 1); abandon gives
  QueueCallerAbandon; a member that does not answer in `member_timeout_s` gives AgentRingNoAnswer (RingTime in ms).
- A hangup runs the channel's `on_hangup` hooks (queue bookkeeping, conference leave), takes it out of its bridge, and a
  two-party bridge then releases the peer through its `after_bridge` (the caller continues the dialplan and hangs up,
  an agent leg hangs up), like Asterisk's basic bridge.

Not a PBX: no media except the audio fork's replay of WAV files, no SIP, one queue strategy (ringall).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telephony.simulator.audiosocket import start_fork
from telephony.simulator.model import (
    BUSY,
    CAUSE_TEXT,
    DOWN,
    MEMBER_INUSE,
    MEMBER_NOT_INUSE,
    MEMBER_RINGING,
    RING,
    RINGING,
    UP,
    Bridge,
    Channel,
    Conference,
    Event,
    Headers,
    Queue,
    QueueEntry,
    QueueMember,
    Target,
)
from telephony.simulator.scenario import AgentSpec, CallSpec, NumberSpec, Scenario

log = logging.getLogger(__name__)

CALL = ("call",)
AGENT = ("agent",)
DIALPLAN = ("dialplan",)
DTMF = ("dtmf",)
USER = ("user",)
CDR = ("cdr",)

#: Contexts of `resources/asterisk/extensions.conf` → what they do. They are also the names the capture rig used
#: (`reference/ami/`) and the defaults of the desktop's call control (telephony/control.py).
CONTEXT_KINDS = {
    "inbound": "inbound", "agents": "agents", "callback": "callback", "conf": "conf", "transfer": "transfer",
    "outbound": "outbound", "hold": "hold", "hold-agent": "hold-agent", "survey": "survey", "consult": "consult",
    # the capture rig's fake handsets (only ever the `;2` half of a Local channel)
    "customer": "handset", "parties": "handset", "dtmf": "handset",
    # the live-2026-12 harness's handsets: the seat's phone and the citizens' (and units') phones
    "phones": "handset", "citizens": "handset",
}
KNOWN_CONTEXTS = frozenset(CONTEXT_KINDS)
#: confbridge.conf user profiles: the sample's quiet one (no join/leave sounds) and ConfBridge's built-in default.
QUIET_USER_PROFILE, DEFAULT_USER_PROFILE = "hotline_user", "default_user"
#: How long a Playback originated to a phone runs (scenario seconds): a short survey recording.
PLAYBACK_S = 8.0

#: Originate reasons (AST_CONTROL_*, tech brief §1.6).
REASON_FAILURE, REASON_NO_ANSWER, REASON_ANSWERED, REASON_BUSY, REASON_CONGESTION = 0, 3, 4, 5, 8
_OUTCOME_REASON = {"busy": REASON_BUSY, "noanswer": REASON_NO_ANSWER, "congestion": REASON_CONGESTION,
                   "failure": REASON_FAILURE}
_OUTCOME_DIALSTATUS = {"busy": "BUSY", "noanswer": "NOANSWER", "congestion": "CONGESTION", "failure": "CHANUNAVAIL"}
_OUTCOME_CAUSE = {"busy": 17, "noanswer": 19, "congestion": 34, "failure": 0, "cancel": 16, "answered_elsewhere": 26}
SURVEY_READINGS = 2  # the survey asks again once after an invalid digit (extensions.conf [survey])
_PARTY_RE = re.compile(r"^(?:talk|stay)(\d+)$")


class ActionFailed(Exception):
    """An AMI action was refused; the message is what Asterisk says in `Message:` of its `Response: Error`."""


@dataclass
class Behaviour:
    """What the phone or person behind a dialled channel does."""

    outcome: str = "answer"
    answer_after_s: float = 0.0
    hangup_after_s: float | None = None
    dtmf: str = ""
    name: str = ""
    audio: Path | None = None
    agent: AgentSpec | None = None


@dataclass
class Leg:
    """A dialled party: `chan` takes part in the call; `half` is the `;2` of a Local pair (the handset)."""

    chan: Channel
    half: Channel | None
    behaviour: Behaviour
    target: Target

    @property
    def channels(self) -> list[Channel]:
        return [self.chan] if self.half is None else [self.chan, self.half]


@dataclass(eq=False)
class QueueCall:
    """One caller's stay in the queue, and the queue's view of the call afterwards (AgentComplete)."""

    queue: Queue
    caller: Channel
    entry: QueueEntry
    spec: CallSpec | None
    state: str = "waiting"  # waiting | connected | detached | done
    ringing: dict[str, tuple[QueueMember, Leg]] = field(default_factory=dict)
    member: QueueMember | None = None
    agent: Leg | None = None
    connected_at: float = 0.0
    complete_sent: bool = False
    resumed: bool = False  # bridged again by AMI Bridge after a hold: no longer app_queue's own bridge
    retry: asyncio.TimerHandle | None = None  # the one pending ring attempt


class Engine:
    """The PBX's state and behaviour. `publish(event)` receives every event; actions call the `action_*`-style methods
    of the server, which use the public methods here."""

    def __init__(self, scenario: Scenario, publish: Callable[[Event], None], *,
                 time_scale: float | None = None, audio_speed: float = 1.0,
                 astdb: dict[tuple[str, str], str] | None = None):
        self.scenario = scenario
        #: AstDB (family, key) → value: the PBX's, so it outlives this engine as Asterisk's survives a restart
        self.astdb: dict[tuple[str, str], str] = astdb if astdb is not None else {}
        self.settings = scenario.pbx
        self.scale = time_scale if time_scale is not None else scenario.pbx.time_scale
        self.audio_speed = audio_speed
        self.publish = publish
        self.epoch = int(time.time())
        self.started_monotonic = time.monotonic()
        self._uid = 0
        self._seq = 0
        self.channels: dict[str, Channel] = {}
        self.queues: dict[str, Queue] = {scenario.pbx.queue: Queue(scenario.pbx.queue)}
        self.conferences: dict[str, Conference] = {}
        self.queue_calls: list[QueueCall] = []
        self.processed_calls = 0
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.forks: dict[str, Any] = {}
        self.closed = False
        for agent in scenario.agents:
            if agent.logged_in:
                member = QueueMember(queue=scenario.pbx.queue, name=agent.name, interface=agent.interface,
                                     membership="static", login_time=self.epoch, paused=agent.paused)
                self.queues[scenario.pbx.queue].members[agent.interface.lower()] = member

    # ---------------------------------------------------------------------------------------------------- plumbing
    def now(self) -> float:
        return time.time()

    def later(self, seconds: float, callback: Callable[..., Any], *args: Any,
              owner: Channel | None = None) -> asyncio.TimerHandle:
        """Run `callback` after `seconds` of scenario time (scaled). Errors are logged, never raised into the loop."""
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def run() -> None:
            self._timers.discard(handle)
            if self.closed:
                return
            try:
                callback(*args)
            except Exception:
                log.exception("simulator PBX: timer %s failed", getattr(callback, "__name__", callback))

        handle = loop.call_later(max(0.0, seconds * self.scale), run)
        self._timers.add(handle)
        if owner is not None:
            owner.timers.append(handle)
        return handle

    def cancel(self, handle: asyncio.TimerHandle) -> None:
        handle.cancel()
        self._timers.discard(handle)

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("simulator PBX: task failed", exc_info=task.exception())

    async def close(self) -> None:
        self.closed = True
        for handle in list(self._timers):
            handle.cancel()
        self._timers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def emit(self, name: str, classes: tuple[str, ...], headers: Headers) -> None:
        if not self.closed:
            self.publish(Event(name, classes, headers))

    def _next_uid(self) -> str:
        uid = f"{self.epoch}.{self._uid}"
        self._uid += 1
        return uid

    def _next_seq(self) -> str:
        seq = f"{self._seq:08x}"
        self._seq += 1
        return seq

    # ---------------------------------------------------------------------------------------------- channel events
    def _new_channel(self, name: str, *, context: str, exten: str, state: int = DOWN, linkedid: str | None = None,
                     cid_num: str = "", cid_name: str = "", emit: bool = True) -> Channel:
        uid = self._next_uid()
        chan = Channel(name=name, uniqueid=uid, linkedid=linkedid or uid, context=context, exten=exten, state=state,
                       cid_num=cid_num, cid_name=cid_name, created_at=self.now(),
                       channelvars=self.settings.channelvars)
        self.channels[name] = chan
        if emit:
            self.emit("Newchannel", CALL, chan.snapshot())
        return chan

    def newstate(self, chan: Channel, state: int) -> None:
        if chan.state == state or chan.hung_up:
            return
        chan.state = state
        if state == UP and chan.answered_at is None:
            chan.answered_at = self.now()
        self.emit("Newstate", CALL, chan.snapshot())

    def newexten(self, chan: Channel, app: str, data: str = "", *, context: str | None = None,
                 exten: str | None = None, priority: int | None = None) -> None:
        if context is not None:
            chan.context = context
        if exten is not None:
            chan.exten = exten
        if priority is not None:
            chan.priority = priority
        chan.application, chan.app_data = app, data
        self.emit("Newexten", DIALPLAN,
                  [*chan.snapshot(), ("Extension", chan.exten), ("Application", app), ("AppData", data)])

    def varset(self, chan: Channel, variable: str, value: str) -> None:
        chan.variables[variable] = value
        self.emit("VarSet", DIALPLAN, [*chan.snapshot(), ("Variable", variable), ("Value", value)])

    def set_callerid(self, chan: Channel, num: str, name: str) -> None:
        chan.cid_num, chan.cid_name = num, name
        self.emit("NewCallerid", CALL,
                  [*chan.snapshot(), ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")])

    def set_connected(self, chan: Channel, num: str, name: str) -> None:
        chan.connected_num, chan.connected_name = num, name
        self.emit("NewConnectedLine", CALL, chan.snapshot())

    def device_state(self, device: str, state: str) -> None:
        self.emit("DeviceStateChange", CALL, [("Device", device), ("State", state)])

    def dial_begin(self, caller: Channel | None, dest: Channel, dialstring: str) -> None:
        head = caller.snapshot() if caller is not None else []
        self.emit("DialBegin", CALL, [*head, *dest.snapshot("Dest"), ("DialString", dialstring)])

    def dial_state(self, caller: Channel | None, dest: Channel, status: str) -> None:
        head = caller.snapshot() if caller is not None else []
        self.emit("DialState", CALL, [*head, *dest.snapshot("Dest"), ("DialStatus", status)])

    def dial_end(self, caller: Channel | None, dest: Channel, status: str) -> None:
        head = caller.snapshot() if caller is not None else []
        self.emit("DialEnd", CALL, [*head, *dest.snapshot("Dest"), ("DialStatus", status)])

    def _cdr(self, chan: Channel, *, destination_channel: str = "", disposition: str | None = None) -> None:
        end = self.now()
        answered = chan.answered_at
        fmt = "%Y-%m-%d %H:%M:%S"

        def stamp(t: float | None) -> str:
            return datetime.fromtimestamp(t, UTC).strftime(fmt) if t is not None else ""

        callerid = f'"{chan.cid_name or chan.cid_num}" <{chan.cid_num}>' if chan.cid_num else ""
        self.emit("Cdr", CDR, [
            ("AccountCode", ""), ("Source", chan.cid_num), ("Destination", chan.exten),
            ("DestinationContext", chan.context), ("CallerID", callerid), ("Channel", chan.name),
            ("DestinationChannel", destination_channel), ("LastApplication", chan.application),
            ("LastData", chan.app_data), ("StartTime", stamp(chan.created_at)), ("AnswerTime", stamp(answered)),
            ("EndTime", stamp(end)), ("Duration", str(int(end - chan.created_at))),
            ("BillableSeconds", str(int(end - answered)) if answered else "0"),
            ("Disposition", disposition or ("ANSWERED" if answered else "NO ANSWER")),
            ("AMAFlags", "DOCUMENTATION"), ("UniqueID", chan.uniqueid), ("UserField", ""),
        ])

    # --------------------------------------------------------------------------------------------------- hangups
    def hangup(self, chan: Channel, cause: int = 16, *, source: str = "dialplan") -> None:
        """End a channel. `source`: `remote` (the phone/handset hung up), `ami` (Hangup action), `dialplan`
        (Hangup() or the channel's bridge peer left)."""
        if chan.hung_up:
            return
        self._end_channel(chan, cause, source)

    def remote_hangup(self, chan: Channel, cause: int = 16) -> None:
        """The phone behind `chan` hangs up (for a Local leg: its `;2` handset, whose Hangup comes first)."""
        if chan.hung_up:
            return
        half = chan.partner if chan.partner is not None and chan.name.endswith(";1") else None
        if half is None or half.hung_up:
            self.hangup(chan, cause, source="remote")
            return
        self.newexten(half, "Hangup", "", priority=half.priority + 1)
        self.emit("SoftHangupRequest", CALL, [*half.snapshot(), ("Cause", str(cause))])
        self.emit("HangupRequest", CALL, [*chan.snapshot(), ("Cause", str(cause))])
        half.hung_up = True
        chan.partner = None

        def half_gone() -> None:  # in the captures the ;2's Hangup follows the ;1's queue bookkeeping
            self._cdr(half)
            self._hangup_event(half, cause)

        self._end_channel(chan, cause, "remote", requested=True, after_hooks=half_gone, soft_after_leave=True)

    def _hangup_event(self, chan: Channel, cause: int) -> None:
        self.emit("Hangup", CALL, [*chan.snapshot(), ("Cause", str(cause)),
                                   ("Cause-txt", CAUSE_TEXT.get(cause, "Unknown"))])
        self.channels.pop(chan.name, None)

    def _end_channel(self, chan: Channel, cause: int, source: str, *, requested: bool = False,
                     after_hooks: Callable[[], None] | None = None, soft_after_leave: bool = False) -> None:
        """Hooks, then out of the bridge, then Hangup. A channel still running dialplan (`after_bridge` set: the queue
        caller) releases its bridge peer before its own Hangup (03_queue_inbound); a dialled leg hangs up first and
        the peer is released after (06_callback)."""
        chan.hung_up = True
        for handle in chan.timers:
            self.cancel(handle)  # type: ignore[arg-type]
        if not requested:
            if source == "ami":
                self.emit("SoftHangupRequest", CALL, [*chan.snapshot(), ("Cause", str(cause))])
            elif source == "remote" and chan.partner is None:
                self.emit("HangupRequest", CALL, [*chan.snapshot(), ("Cause", str(cause))])
        if chan.bridge is not None and chan.bridge.creator == "ConfBridge":
            # ConfBridge lets the member go before the channel's own hangup bookkeeping (live-2026-12/13:
            # ConfbridgeLeave, BridgeLeave, then the queue's AgentComplete, then Hangup).
            self._exit_bridge(chan, result="HANGUP")
        if chan.moh:
            chan.moh = False
            self.emit("MusicOnHoldStop", CALL, chan.snapshot())
        hooks, chan.on_hangup = chan.on_hangup, []
        for hook in hooks:
            try:
                hook(chan, source)
            except Exception:
                log.exception("simulator PBX: hangup hook failed for %s", chan.name)
        if after_hooks is not None:
            after_hooks()
        runs_dialplan = chan.after_bridge is not None
        chan.after_bridge = None
        bridge = self._exit_bridge(chan, result="HANGUP")
        if soft_after_leave:
            self.emit("SoftHangupRequest", CALL, [*chan.snapshot(), ("Cause", str(cause))])
        if bridge is not None and runs_dialplan:
            self._release_peers(bridge)
        self._hangup_event(chan, cause)
        if chan.uniqueid == chan.linkedid:
            self.processed_calls += 1
        self._cdr(chan)
        if bridge is not None and not runs_dialplan:
            self._release_peers(bridge)
        partner = chan.partner
        if partner is not None and not partner.hung_up:
            self.emit("SoftHangupRequest", CALL, [*partner.snapshot(), ("Cause", str(cause))])
            self.hangup(partner, cause, source="dialplan")

    def _exit_bridge(self, chan: Channel, *, result: str) -> Bridge | None:
        """Take `chan` out of its bridge. Returns a two-party bridge whose remaining peer must be released."""
        bridge = chan.bridge
        if bridge is None:
            return None
        if bridge.creator == "ConfBridge":
            conference = self.conferences.get(bridge.name)
            if conference is not None:
                self._conference_leave(conference, chan, result=result)
            return None
        bridge.channels.remove(chan)
        chan.bridge = None
        for other in bridge.channels:
            self.varset(other, "BRIDGEPEER", "")
        self.varset(chan, "BRIDGEPEER", "")
        self.emit("BridgeLeave", CALL, [*bridge.snapshot(), *chan.snapshot()])
        return bridge

    def _release_peers(self, bridge: Bridge, *, exclude: set[Channel] | frozenset[Channel] = frozenset()) -> None:
        """A basic two-party bridge dissolves when one side leaves: a peer with dialplan left to run (Dial or Queue
        returning) leaves, the bridge goes, then the dialplan goes on; a peer without one hangs up before the bridge
        goes."""
        continuations: list[tuple[Channel, Callable[[Channel], None]]] = []
        for peer in list(bridge.channels):
            if peer in exclude:
                continue
            bridge.channels.remove(peer)
            peer.bridge = None
            self.emit("BridgeLeave", CALL, [*bridge.snapshot(), *peer.snapshot()])
            if peer.after_bridge is not None:
                continuations.append((peer, peer.after_bridge))
                peer.after_bridge = None
            else:
                self.hangup(peer, 16)
        if not bridge.channels and not bridge.destroyed:
            bridge.destroyed = True
            self.emit("BridgeDestroy", CALL, bridge.snapshot(count=0))
        for peer, action in continuations:
            action(peer)

    def bridge_two(self, first: Channel, second: Channel) -> Bridge:
        bridge = Bridge(uniqueid=str(uuid.uuid4()))
        self.emit("BridgeCreate", CALL, bridge.snapshot())
        for chan in (first, second):
            bridge.channels.append(chan)
            chan.bridge = bridge
            self.emit("BridgeEnter", CALL, [*bridge.snapshot(), *chan.snapshot()])
        self.varset(first, "BRIDGEPEER", second.name)
        self.varset(second, "BRIDGEPEER", first.name)
        return bridge

    # --------------------------------------------------------------------------------------------- dial strings
    def parse_dial(self, dial: str) -> Target:
        """`Local/x@ctx[/n]`, `PJSIP/8001`, `PJSIP/13800138000@trunk`, `AudioSocket/h:p/uuid[/c(codec)]`."""
        tech, _, rest = dial.partition("/")
        tech_lower = tech.lower()
        if tech_lower == "local" and "@" in rest:
            exten, _, context = rest.partition("@")
            context = context.split("/", 1)[0]
            return Target("local", dial, exten=exten, context=context)
        if tech_lower == "pjsip" and rest:
            endpoint, _, host = rest.partition("@")
            if host:
                return Target("trunk", dial, exten=endpoint, endpoint=host)
            return Target("pjsip", dial, exten=endpoint, endpoint=endpoint)
        if tech_lower == "audiosocket" and rest:
            parts = rest.split("/")
            if len(parts) >= 2:
                host, _, port = parts[0].rpartition(":")
                rate_kind = "slin"
                if len(parts) >= 3 and parts[2].startswith("c(") and parts[2].endswith(")"):
                    rate_kind = parts[2][2:-1]
                if host and port.isdigit():
                    return Target("audiosocket", dial, host=host, port=int(port), fork_uuid=parts[1],
                                  rate_kind=rate_kind)
        raise ActionFailed("Invalid channel")

    def behaviour_for(self, target: Target) -> Behaviour | None:
        """Who answers a dial string, or None when nobody can (an unknown Local context fails, as in 06_callback)."""
        if target.kind == "local" and target.context not in KNOWN_CONTEXTS:
            return None
        exten = target.exten
        agent = self.scenario.agent_by_name(exten) or self.scenario.agent_by_interface(target.dial.split("@")[0])
        if agent is None and target.kind in ("local", "pjsip"):
            agent = next((a for a in self.scenario.agents if a.interface.lower() in
                          (f"pjsip/{exten}".lower(), f"local/{exten}@{target.context}".lower())), None)
        if agent is not None and target.kind != "trunk":
            outcome = "busy" if agent.busy else ("answer" if agent.answers else "noanswer")
            return Behaviour(outcome=outcome, answer_after_s=agent.ring_s, hangup_after_s=agent.hangup_after_s,
                             name=agent.name, agent=agent)
        number = self.scenario.number(exten)
        if number is not None:
            return _number_behaviour(number)
        if target.context == "dtmf":
            return Behaviour(answer_after_s=0.0, dtmf=exten[:1])
        party = _PARTY_RE.match(exten)
        if party:
            return Behaviour(answer_after_s=0.0, hangup_after_s=float(party.group(1)))
        if target.kind == "pjsip" and target.context == "":
            # An unknown local phone: not registered (Asterisk fails the request, reason 0).
            return None
        return Behaviour(answer_after_s=self.settings.answer_delay_s)

    def create_leg(self, target: Target, behaviour: Behaviour, *, linkedid: str | None,
                   cid_num: str = "", cid_name: str = "", emit_callerid: bool = True) -> Leg:
        """Create the channel(s) for a dial string (Newchannel events), in state Down."""
        seq = self._next_seq()
        if target.kind == "local":
            base = f"Local/{target.exten}@{target.context}-{seq}"
            one = self._new_channel(f"{base};1", context=target.context, exten=target.exten, linkedid=linkedid)
            two = self._new_channel(f"{base};2", context=target.context, exten=target.exten, state=RING,
                                    linkedid=one.linkedid)
            one.partner, two.partner = two, one
            one.dtmf = two.dtmf = behaviour.dtmf
            return Leg(one, two, behaviour, target)
        if target.kind == "trunk":
            chan = self._new_channel(f"PJSIP/{target.endpoint}-{seq}", context="from-trunk", exten="s",
                                     linkedid=linkedid)
        else:
            context = "agents" if behaviour.agent is not None else "from-internal"
            chan = self._new_channel(f"PJSIP/{target.endpoint}-{seq}", context=context, exten="s", linkedid=linkedid)
        chan.dtmf = behaviour.dtmf
        return Leg(chan, None, behaviour, target)

    def _leg_callerid(self, leg: Leg, num: str, name: str) -> None:
        for chan in leg.channels:
            self.set_callerid(chan, num, name)
            self.set_connected(chan, num, name)
        if leg.half is not None:
            self.emit("LocalBridge", CALL, [*leg.chan.snapshot("LocalOne"), *leg.half.snapshot("LocalTwo"),
                                            ("Context", leg.target.context), ("Exten", leg.target.exten),
                                            ("LocalOptimization", "Yes")])

    def answer_leg(self, leg: Leg) -> None:
        if leg.half is not None:
            self.newexten(leg.half, "Answer", "", priority=leg.half.priority + 1)
            self.newstate(leg.half, UP)
        self.newstate(leg.chan, UP)
        behaviour = leg.behaviour
        if behaviour.hangup_after_s is not None:
            self.later(behaviour.hangup_after_s, self.remote_hangup, leg.chan, owner=leg.chan)
        if behaviour.audio is not None:
            leg.chan.audio = behaviour.audio

    def fail_leg(self, leg: Leg, outcome: str) -> None:
        cause = _OUTCOME_CAUSE.get(outcome, 0)
        for chan in reversed(leg.channels):
            if not chan.hung_up:
                chan.partner = None
                # A busy Local handset: its ;2 ran Busy() (cause 17); the dialled ;1 just goes, cause 0
                # (live-2026-12/12 and 13).
                local_one = leg.half is not None and chan is leg.chan and outcome in ("busy", "congestion")
                self.hangup(chan, 0 if local_one else cause)

    # ------------------------------------------------------------------------------------------------ the queue
    def place_inbound_call(self, spec: CallSpec) -> Channel:
        """A call arrives from the trunk at the hotline number and runs the `inbound` context."""
        seq = self._next_seq()
        chan = self._new_channel(f"PJSIP/{self.settings.trunk}-{seq}", context="inbound",
                                 exten=self.settings.hotline, state=RING, cid_num=spec.number,
                                 cid_name=spec.name or spec.number)
        if spec.audio is not None:
            chan.audio = spec.audio
        for key, value in spec.variables:
            self.varset(chan, key, value)
        self.run_inbound(chan, spec)
        return chan

    def run_inbound(self, chan: Channel, spec: CallSpec | None) -> None:
        """Context `inbound`: NoOp, Answer, Set CDR(userfield), MixMonitor(…,b), Queue(hotline,tc,,,120), Hangup."""
        self.newexten(chan, "NoOp", f"Inbound call from {chan.cid_num} to {chan.exten}", priority=1)
        self.newexten(chan, "Answer", "", priority=2)
        self.newstate(chan, UP)
        self.newexten(chan, "Set", "CDR(userfield)=hotline", priority=3)
        self.start_mixmonitor(chan, f"hotline-{chan.cid_num}-{chan.uniqueid}.wav", "b", priority=4)
        self.enter_queue(chan, self.settings.queue, spec)

    def start_mixmonitor(self, chan: Channel, filename: str, options: str, *, priority: int | None = None) -> str:
        if priority is not None:
            self.newexten(chan, "MixMonitor", f"{filename},{options}" if options else filename, priority=priority)
        path = filename if filename.startswith("/") else f"{self.settings.recording_dir}/{filename}"
        self.varset(chan, "MIXMONITOR_FILENAME", path)
        self.emit("MixMonitorStart", CALL, chan.snapshot())
        return path

    def enter_queue(self, caller: Channel, queue_name: str, spec: CallSpec | None) -> QueueCall:
        queue = self.queues[queue_name]
        self.newexten(caller, "Queue", f"{queue.name},tc,,,{int(self.settings.queue_timeout_s)}",
                      priority=caller.priority + 1)
        for var in ("ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT", "QUEUEWAIT_MS"):
            self.varset(caller, var, "")
        position = len(queue.entries) + 1
        entry = QueueEntry(caller, position, position, self.now())
        queue.entries.append(entry)
        self.device_state(f"Queue:{queue.name}", "RINGING")
        self.emit("QueueCallerJoin", AGENT, [*caller.snapshot(), ("Queue", queue.name), ("Position", str(position)),
                                             ("Count", str(len(queue.entries)))])
        self.music_on_hold(caller, True)
        qcall = QueueCall(queue, caller, entry, spec)
        self.queue_calls.append(qcall)
        caller.on_hangup.append(lambda chan, source: self._caller_gone(qcall, source))
        self._schedule_ring(qcall, 0)
        if spec is not None and spec.abandon_after_s is not None:
            self.later(spec.abandon_after_s, self._abandon, qcall, owner=caller)
        self.later(self.settings.queue_timeout_s, self._queue_timeout, qcall, owner=caller)
        return qcall

    def _abandon(self, qcall: QueueCall) -> None:
        if qcall.state == "waiting":
            self.remote_hangup(qcall.caller)

    def _queue_timeout(self, qcall: QueueCall) -> None:
        if qcall.state != "waiting":
            return
        self._stop_ringing(qcall, "CANCEL")
        self._leave_queue(qcall)
        self.varset(qcall.caller, "QUEUESTATUS", "TIMEOUT")
        qcall.state = "done"
        self.newexten(qcall.caller, "Hangup", "", priority=qcall.caller.priority + 1)
        self.hangup(qcall.caller, 16)

    def _schedule_ring(self, qcall: QueueCall, delay_s: float) -> None:
        """One pending ring attempt per caller: a wake-up replaces the retry timer instead of adding a second one."""
        if qcall.retry is not None:
            self.cancel(qcall.retry)
        qcall.retry = self.later(delay_s, self._ring_members, qcall, owner=qcall.caller)

    def _ring_members(self, qcall: QueueCall) -> None:
        qcall.retry = None
        if qcall.state != "waiting" or qcall.caller.hung_up:
            return
        # app_queue rings members for the caller at the head of the queue only; the others are woken when it leaves.
        if qcall.queue.entries and qcall.queue.entries[0] is not qcall.entry:
            self._schedule_ring(qcall, self.settings.retry_s)
            return
        members = [m for m in qcall.queue.members.values() if m.available]
        for member in members:
            self._ring_member(qcall, member)
        if not qcall.ringing:
            self._schedule_ring(qcall, self.settings.retry_s)

    def _ring_member(self, qcall: QueueCall, member: QueueMember) -> None:
        caller = qcall.caller
        try:
            target = self.parse_dial(member.interface)
        except ActionFailed:
            return
        behaviour = self.behaviour_for(target) or Behaviour(outcome="failure")
        if behaviour.outcome in ("busy", "failure", "congestion"):
            return
        leg = self.create_leg(target, behaviour, linkedid=caller.linkedid)
        member.ringing = True
        agent = leg.chan
        if leg.half is not None:
            half = leg.half
            self.newexten(agent, "AppQueue", "(Outgoing Line)")
            self.set_callerid(agent, caller.cid_num, caller.cid_name)
            self.varset(agent, "DIALEDPEERNUMBER", f"{target.exten}@{target.context}")
            self.varset(half, "DIALEDPEERNUMBER", f"{target.exten}@{target.context}")
            self.set_callerid(half, caller.cid_num, caller.cid_name)
            self.set_connected(half, caller.cid_num, caller.cid_name)
            self.emit("LocalBridge", CALL, [*agent.snapshot("LocalOne"), *half.snapshot("LocalTwo"),
                                            ("Context", target.context), ("Exten", target.exten),
                                            ("LocalOptimization", "Yes")])
        else:
            self.set_callerid(agent, caller.cid_num, caller.cid_name)
        agent.connected_num, agent.connected_name = caller.cid_num, caller.cid_name
        # app_queue copies the caller's extension onto the member channel before AgentCalled.
        agent.exten = caller.exten  # (a Local member's ;1 keeps its own context: agents in the rig, phones live)
        self.emit("AgentCalled", AGENT, [*caller.snapshot(), *agent.snapshot("Dest"), ("Queue", qcall.queue.name),
                                         ("Interface", member.interface), ("MemberName", member.name)])
        agent.connected_num, agent.connected_name = "", ""
        self.dial_begin(caller, agent, member.interface)
        agent.connected_num, agent.connected_name = caller.cid_num, caller.cid_name
        if leg.half is not None and behaviour.outcome == "answer" and behaviour.answer_after_s <= 0:
            # A phone that answers at once (the live harness's `[phones]`: Answer() first): no ringing at all.
            self.newexten(leg.half, "Answer", "")
            self.newstate(agent, UP)
            self._member_status(member, MEMBER_INUSE)
        else:
            if leg.half is not None:
                self.newexten(leg.half, "Set", f"AGENT={member.name}")
                self.newexten(leg.half, "Ringing", "")
            self.newstate(agent, RINGING)
            self._member_status(member, MEMBER_INUSE if leg.half is not None else MEMBER_RINGING)
            self.dial_state(caller, agent, "RINGING")
        qcall.ringing[member.interface.lower()] = (member, leg)
        ring_started = self.now()
        agent.on_hangup.append(lambda chan, source: self._ringing_leg_gone(qcall, member, leg, ring_started))
        if behaviour.outcome == "answer" and behaviour.answer_after_s < self.settings.member_timeout_s:
            self.later(behaviour.answer_after_s, self._agent_answers, qcall, member, leg, owner=agent)
        else:
            self.later(self.settings.member_timeout_s, self._ring_no_answer, qcall, member, leg, ring_started,
                       owner=agent)

    @staticmethod
    def _is_ringing(qcall: QueueCall, member: QueueMember, leg: Leg) -> bool:
        """This very leg (not a later attempt to the same seat) is the one ringing for the caller."""
        current = qcall.ringing.get(member.interface.lower())
        return current is not None and current[1] is leg

    def _member_status(self, member: QueueMember, status: int) -> None:
        if member.status == status:
            return
        member.status = status
        self.emit("QueueMemberStatus", AGENT, member.fields())

    def _ring_no_answer(self, qcall: QueueCall, member: QueueMember, leg: Leg, started: float) -> None:
        if qcall.state != "waiting" or not self._is_ringing(qcall, member, leg):
            return
        del qcall.ringing[member.interface.lower()]
        member.ringing = False
        self.dial_end(qcall.caller, leg.chan, "NOANSWER")
        ring_ms = int((self.now() - started) * 1000)
        self.emit("AgentRingNoAnswer", AGENT, [*qcall.caller.snapshot(), *leg.chan.snapshot("Dest"),
                                               ("Queue", qcall.queue.name), ("Interface", member.interface),
                                               ("MemberName", member.name), ("RingTime", str(ring_ms))])
        self.fail_leg(leg, "noanswer")
        self._member_status(member, MEMBER_NOT_INUSE)
        if not qcall.ringing:
            self._schedule_ring(qcall, self.settings.retry_s)

    def _ringing_leg_gone(self, qcall: QueueCall, member: QueueMember, leg: Leg, started: float) -> None:
        """The seat's phone rejected the ringing call (or an AMI Hangup ended it): busy for the queue, next attempt."""
        if not self._is_ringing(qcall, member, leg):
            return
        del qcall.ringing[member.interface.lower()]
        member.ringing = False
        self.dial_end(qcall.caller, leg.chan, "BUSY")
        self.emit("AgentRingNoAnswer", AGENT, [*qcall.caller.snapshot(), *leg.chan.snapshot("Dest"),
                                               ("Queue", qcall.queue.name), ("Interface", member.interface),
                                               ("MemberName", member.name),
                                               ("RingTime", str(int((self.now() - started) * 1000)))])
        self.later(0, self._member_status, member, MEMBER_NOT_INUSE)
        if qcall.state == "waiting" and not qcall.ringing:
            self._schedule_ring(qcall, self.settings.retry_s)

    def _stop_ringing(self, qcall: QueueCall, status: str, *, answered_elsewhere: bool = False) -> None:
        """Stop ringing the other seats: DialEnd CANCEL; their phones hang up with cause 26 when another seat took
        the call, 16 when the caller left."""
        for key, (member, leg) in list(qcall.ringing.items()):
            del qcall.ringing[key]
            member.ringing = False
            self.dial_end(qcall.caller, leg.chan, status)
            self.fail_leg(leg, "answered_elsewhere" if answered_elsewhere else "cancel")
            self._member_status(member, MEMBER_NOT_INUSE)

    def _agent_answers(self, qcall: QueueCall, member: QueueMember, leg: Leg) -> None:
        if qcall.state != "waiting" or not self._is_ringing(qcall, member, leg) or qcall.caller.hung_up:
            return
        caller, agent = qcall.caller, leg.chan
        del qcall.ringing[member.interface.lower()]
        self._stop_ringing(qcall, "CANCEL", answered_elsewhere=True)
        member.ringing = False
        if leg.half is not None:
            self.newexten(leg.half, "Answer", "")
            self.newstate(leg.half, UP)
        self.newstate(agent, UP)
        self.dial_end(caller, agent, "ANSWER")
        self.music_on_hold(caller, False)
        for chan in (caller, agent):
            for var, value in (("MEMBERINTERFACE", member.interface), ("MEMBERNAME", member.name),
                               ("MEMBERCALLS", str(member.calls_taken)), ("MEMBERLASTCALL", str(member.last_call)),
                               ("MEMBERPENALTY", str(member.penalty)),
                               ("MEMBERDYNAMIC", "1" if member.membership == "dynamic" else "0"),
                               ("MEMBERREALTIME", "0")):
                self.varset(chan, var, value)
        hold_s = int(self.now() - qcall.entry.joined_at)
        position = qcall.entry.position
        self._leave_queue(qcall)
        self.varset(caller, "QUEUEPOSITION", str(position))
        self.varset(caller, "QUEUEWAIT", str(hold_s))
        self.varset(caller, "QUEUEWAIT_MS", str(int((self.now() - qcall.entry.joined_at) * 1000)))
        ring_s = int(self.now() - agent.created_at)
        self.emit("AgentConnect", AGENT, [*caller.snapshot(), *agent.snapshot("Dest"), ("Queue", qcall.queue.name),
                                          ("Interface", member.interface), ("MemberName", member.name),
                                          ("HoldTime", str(hold_s)), ("RingTime", str(ring_s))])
        qcall.state, qcall.member, qcall.agent = "connected", member, leg
        qcall.connected_at = self.now()
        qcall.queue.holdtime_total += hold_s
        member.in_call = True
        self._member_status(member, MEMBER_INUSE)
        self.bridge_two(agent, caller)
        caller.after_bridge = lambda chan: self._caller_after_queue(qcall, chan)
        agent.on_hangup.append(lambda chan, source: self._agent_gone(qcall, source))
        if qcall.spec is not None and qcall.spec.talk_s is not None:
            self.later(qcall.spec.talk_s, self.remote_hangup, caller, owner=caller)
        if leg.behaviour.hangup_after_s is not None:
            self.later(leg.behaviour.hangup_after_s, self.remote_hangup, agent, owner=agent)
        if leg.half is not None:
            self.newexten(leg.half, "Wait", "120")

    def _leave_queue(self, qcall: QueueCall) -> None:
        queue = qcall.queue
        if qcall.entry not in queue.entries:
            return
        queue.entries.remove(qcall.entry)
        for index, entry in enumerate(queue.entries, start=1):
            entry.position = index
        self.device_state(f"Queue:{queue.name}", "NOT_INUSE" if not queue.entries else "RINGING")
        self.emit("QueueCallerLeave", AGENT, [*qcall.caller.snapshot(), ("Queue", queue.name),
                                              ("Position", str(qcall.entry.position)),
                                              ("Count", str(len(queue.entries)))])
        if queue.entries:
            self.later(0, self._wake_queue, queue)

    def _complete(self, qcall: QueueCall, reason: str, *, name_agent: bool = True, name_caller: bool = True) -> None:
        if qcall.complete_sent or qcall.member is None or qcall.agent is None:
            return
        qcall.complete_sent = True
        member = qcall.member
        talk_s = int(self.now() - qcall.connected_at)
        hold_s = int(qcall.connected_at - qcall.entry.joined_at)
        agent = qcall.agent.chan.snapshot("Dest") if name_agent else []
        caller = qcall.caller.snapshot() if name_caller else []
        self.emit("AgentComplete", AGENT, [*caller, *agent,
                                           ("Queue", qcall.queue.name), ("Interface", member.interface),
                                           ("MemberName", member.name), ("HoldTime", str(hold_s)),
                                           ("TalkTime", str(talk_s)), ("Reason", reason)])
        qcall.queue.completed += 1
        qcall.queue.talktime_total += talk_s
        member.calls_taken += 1
        member.last_call = int(self.now())

    def _member_free(self, qcall: QueueCall) -> None:
        member = qcall.member
        if member is not None and member.in_call:
            member.in_call = False
            self._member_status(member, MEMBER_NOT_INUSE)
            self._wake_queue(qcall.queue)

    def _wake_queue(self, queue: Queue) -> None:
        """A member became free: waiting callers ring it now instead of at their next retry."""
        for other in self.queue_calls:
            if other.queue is queue and other.state == "waiting" and not other.ringing:
                self._schedule_ring(other, 0)

    def _caller_gone(self, qcall: QueueCall, source: str) -> None:
        """The caller's channel hangs up (handset, AMI Hangup, or the dialplan after the queue)."""
        if qcall.state == "waiting":
            self._stop_ringing(qcall, "CANCEL")
            hold_s = int(self.now() - qcall.entry.joined_at)
            self.emit("QueueCallerAbandon", AGENT, [*qcall.caller.snapshot(), ("Queue", qcall.queue.name),
                                                    ("Position", str(qcall.entry.position)),
                                                    ("OriginalPosition", str(qcall.entry.original_position)),
                                                    ("HoldTime", str(hold_s))])
            qcall.queue.abandoned += 1
            self._leave_queue(qcall)
            qcall.state = "done"
            self.queue_calls.remove(qcall)
            return
        if qcall.state == "connected" and qcall.agent is not None and qcall.agent.chan.hung_up:
            # The desktop hung up the agent's leg (AMI Hangup): app_queue reports "caller" only once the caller's
            # side is gone too, after its Hangup and naming neither channel (ami/README fact 1; live-2026-12/05).
            qcall.state = "done"
            self.queue_calls.remove(qcall)
            self.later(0, self._complete_then_free, qcall, "caller", False)
            return
        if qcall.state in ("connected", "detached"):
            self._complete(qcall, "caller")
            # Redirected away (hold-agent's Wait, a ConfBridge room), the agent's leg lives on and the member stays
            # "In use" until it hangs up (live-2026-12/13 and 14): _agent_gone frees it then.
            parked = qcall.state == "detached" and qcall.agent is not None and not qcall.agent.chan.hung_up
            qcall.state = "done"
            self.queue_calls.remove(qcall)
            if not parked:
                self.later(0, self._member_free, qcall)

    def _agent_gone(self, qcall: QueueCall, source: str) -> None:
        """The agent's channel hangs up. From the phone: AgentComplete Reason agent at once. From an AMI Hangup:
        nothing until the caller's side ends (ami/README fact 1)."""
        if qcall.state == "done":
            self.later(0, self._member_free, qcall)
            return
        if qcall.state == "detached":
            # Out of the queue's bridge (kicked from the three-way room, hung up while parked): app_queue notices
            # after the Hangup and names no agent channel any more (live-2026-12/03 and 08).
            self.later(0, self._complete_then_free, qcall, "agent")
            return
        if source == "remote":
            self._complete(qcall, "agent")
        self.later(0, self._member_free, qcall)

    def _complete_then_free(self, qcall: QueueCall, reason: str, name_caller: bool = True) -> None:
        self._complete(qcall, reason, name_agent=False, name_caller=name_caller)
        self._member_free(qcall)

    def _caller_after_queue(self, qcall: QueueCall, caller: Channel) -> None:
        """Queue(…,c) returned because the agent left: the dialplan goes on to Hangup()."""
        self.varset(caller, "QUEUESTATUS", "CONTINUE")
        self.newexten(caller, "Hangup", "", priority=caller.priority + 1)
        self.hangup(caller, 16)

    # ------------------------------------------------------------------------------------------------ Originate
    def originate(self, fields: dict[str, Any], action_id: str | None,
                  respond: Callable[[bool, str], None] | None) -> None:
        """Async (respond None): the caller already got "Originate successfully queued"; the outcome comes as an
        OriginateResponse event. Sync: `respond(ok, message)` is called at the outcome, and no OriginateResponse."""
        dial = fields["channel"]
        target = self.parse_dial(dial)  # ActionFailed("Invalid channel") before anything is queued
        self.spawn(self._originate(fields, action_id, respond, target))

    async def _originate(self, fields: dict[str, Any], action_id: str | None,
                         respond: Callable[[bool, str], None] | None, target: Target) -> None:
        await asyncio.sleep(0)
        report = self._originate_reporter(fields, action_id, respond)
        if target.kind == "audiosocket":
            await start_fork(self, target, fields, report)
            return
        behaviour = self.behaviour_for(target)
        if behaviour is None:
            self._originate_nobody(target, report)
            return
        cid_num, cid_name = _parse_callerid(fields.get("callerid", ""))
        leg = self.create_leg(target, behaviour, linkedid=None)
        chan = leg.chan
        if await self._originate_outbound(leg, target, report, fields):
            return
        if leg.half is not None:
            self.newexten(chan, "AppDial2", "(Outgoing Line)")
        for variable in fields.get("variables", ()):
            key, _, value = variable.partition("=")
            for c in leg.channels:
                self.varset(c, key, value)
        if cid_num or cid_name:
            self._leg_callerid(leg, cid_num, cid_name or cid_num)
        self.dial_begin(None, chan, f"{target.exten}@{target.context}" if leg.half is not None else target.dial)
        timeout_s = fields.get("timeout_ms", 30000) / 1000.0
        outcome, ring_s = behaviour.outcome, behaviour.answer_after_s
        if outcome == "answer" and ring_s >= timeout_s:
            outcome = "noanswer"
        if outcome in ("answer", "noanswer") and (ring_s > 0 or outcome == "noanswer"):
            if leg.half is not None:
                self.newexten(leg.half, "Ringing", "")
            self.newstate(chan, RINGING)
            self.dial_state(None, chan, "RINGING")
        if outcome != "answer":
            await self._sleep(timeout_s if outcome == "noanswer" else min(0.5, timeout_s), chan)
            if outcome == "busy":
                self.newstate(chan, BUSY)
            self.dial_end(None, chan, _OUTCOME_DIALSTATUS[outcome])
            self.fail_leg(leg, outcome)
            report(False, _OUTCOME_REASON[outcome], None)
            return
        if ring_s > 0:
            await self._sleep(ring_s, chan)
        if chan.hung_up:
            report(False, REASON_FAILURE, None)
            return
        self.answer_leg(leg)
        if behaviour.agent is not None:
            self._seat_phone_in_use(behaviour.agent.interface, chan)
        self.dial_end(None, chan, "ANSWER")
        report(True, REASON_ANSWERED, chan)
        if fields.get("application"):
            self.run_application(chan, fields["application"], fields.get("data", ""))
        else:
            self.run_dialplan(chan, fields.get("context", ""), fields.get("exten", ""),
                              int(fields.get("priority", 1) or 1))

    async def _originate_outbound(self, leg: Leg, target: Target,
                                  report: Callable[[bool, int, Channel | None], None], fields: dict[str, Any]) -> bool:
        """`Local/<number>@outbound`: the ;2 half really dials the number through the outbound context (as Asterisk
        does; the live-2026-12 captures show that leg's events). Returns False for anything else."""
        if leg.half is None or CONTEXT_KINDS.get(target.context) != "outbound":
            return False
        if leg.behaviour.outcome in ("busy", "congestion", "failure"):
            await self._originate_outbound_refused(leg, target, report)
            return True
        if leg.behaviour.outcome not in ("answer", "early_media"):  # early media: no bridge, the Originate fails
            return False
        # the Originate's variables are on both halves (the survey's SURVEY_ATTEMPT and WORK_ORDER)
        for variable in fields.get("variables", ()):
            key, _, value = variable.partition("=")
            for c in leg.channels:
                self.varset(c, key, value)
        cid_num, cid_name = _parse_callerid(fields.get("callerid", ""))
        if cid_num or cid_name:
            self._leg_callerid(leg, cid_num, cid_name or cid_num)
        await self._originate_outbound_answered(leg, target, report, fields)
        return True

    async def _originate_outbound_refused(self, leg: Leg, target: Target,
                                          report: Callable[[bool, int, Channel | None], None]) -> None:
        """Originate of `Local/<number>@outbound` whose number is busy (live-2026-12/13, the three-way unit): the
        Originate fails at once with Reason 0 (not 5), its ;1 named by the dial string; the ;2 half's Dial in the
        outbound context then rings the number (DialEnd BUSY), and the ;1 ends NOANSWER, cause 16."""
        assert leg.half is not None
        chan, half = leg.chan, leg.half
        report(False, REASON_FAILURE, None)
        self.dial_begin(None, chan, f"{target.exten}@{target.context}")
        half.partner = chan.partner = None  # each half ends on its own below, as Asterisk reports them
        self._run_dial_context(half, "outbound", target.context, target.exten)
        while not half.hung_up:
            await self._sleep(0.05)
        self.dial_end(None, chan, "NOANSWER")
        self.hangup(chan, 16)

    async def _originate_outbound_answered(self, leg: Leg, target: Target,
                                           report: Callable[[bool, int, Channel | None], None],
                                           fields: dict[str, Any]) -> None:
        """Originate of `Local/<number>@outbound` that the number answers (live-2026-12/03, 06): the ;2 half runs the
        outbound context and Dials the number; once that leg answers and is bridged with the ;2, the ;1 is up, the
        OriginateResponse says Success, and the ;1 runs the Originate's application or context."""
        assert leg.half is not None
        chan, half = leg.chan, leg.half
        self.dial_begin(None, chan, f"{target.exten}@{target.context}")
        self._run_dial_context(half, "outbound", target.context, target.exten)
        while half.bridge is None and not half.hung_up and not chan.hung_up:
            await self._sleep(0.05)
        if half.hung_up or chan.hung_up:
            self.dial_end(None, chan, "NOANSWER")
            report(False, REASON_FAILURE, None)
            if not chan.hung_up:
                self.hangup(chan, 16)
            return
        self.newstate(chan, UP)
        report(True, REASON_ANSWERED, chan)
        self.dial_end(None, chan, "ANSWER")
        if fields.get("application"):
            self.run_application(chan, fields["application"], fields.get("data", ""))
        else:
            self.run_dialplan(chan, fields.get("context", ""), fields.get("exten", ""),
                              int(fields.get("priority", 1) or 1))

    def _seat_phone_in_use(self, interface: str, chan: Channel) -> None:
        """A seat's phone taken by something else than the queue (the seat's callback): app_queue follows the
        device's state, so the member shows "In use" until that channel ends (live-2026-12/04, 04b)."""
        members = [m for q in self.queues.values() for m in q.members.values()
                   if m.interface.lower() == interface.lower() and not m.in_call]
        for member in members:
            self._member_status(member, MEMBER_INUSE)

        def free(_chan: Channel, _source: str) -> None:
            def after_hangup() -> None:
                for member in members:
                    if not member.in_call:
                        self._member_status(member, MEMBER_NOT_INUSE)

            self.later(0, after_hangup)

        chan.on_hangup.append(free)

    def _originate_reporter(self, fields: dict[str, Any], action_id: str | None,
                            respond: Callable[[bool, str], None] | None) -> Callable[[bool, int, Channel | None], None]:
        """How an Originate's outcome is told: the delayed response of a sync Originate, or the OriginateResponse
        event of an async one (ActionID echoed; a failed one names the dial string and `<unknown>` ids, 06_callback)."""
        dial = fields["channel"]
        cid_num, cid_name = _parse_callerid(fields.get("callerid", ""))
        app = fields.get("application", "")
        where = ([("Application", app), ("Data", fields.get("data", ""))] if app else
                 [("Context", fields.get("context", "")), ("Exten", fields.get("exten", ""))])

        def report(ok: bool, reason: int, chan: Channel | None) -> None:
            if respond is not None:
                respond(ok, "Originate successfully queued" if ok else "Originate failed")
                return
            headers: Headers = [("Response", "Success" if ok else "Failure")]
            if action_id is not None:
                headers.insert(0, ("ActionID", action_id))
            headers += [("Channel", chan.name if chan is not None else dial), *where, ("Reason", str(reason)),
                        ("Uniqueid", chan.uniqueid if chan is not None else "<unknown>"),
                        ("CallerIDNum", (chan.cid_num if chan is not None else cid_num) or "<unknown>"),
                        ("CallerIDName", (chan.cid_name if chan is not None else cid_name) or "<unknown>")]
            self.emit("OriginateResponse", CALL, headers)

        return report

    def _originate_nobody(self, target: Target, report: Callable[[bool, int, Channel | None], None]) -> None:
        """Nobody can answer the dial string: a Local pair is created and dies (06_callback), a phone fails outright."""
        leg = self.create_leg(target, Behaviour(), linkedid=None) if target.kind == "local" else None
        if leg is not None and leg.half is not None:
            if target.context not in KNOWN_CONTEXTS:
                self.device_state(f"Local/{target.exten}@{target.context}", "INVALID")
            leg.half.partner = None
            self.hangup(leg.half, 0)
        report(False, REASON_FAILURE, None)
        if leg is not None:
            leg.chan.partner = None
            self.hangup(leg.chan, 0)

    async def _sleep(self, seconds: float, chan: Channel | None = None) -> None:
        """Scenario-time sleep that ends early when `chan` hangs up."""
        deadline = asyncio.get_running_loop().time() + seconds * self.scale
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or (chan is not None and chan.hung_up):
                return
            await asyncio.sleep(min(remaining, 0.05))

    # ------------------------------------------------------------------------------------------------ dialplan
    def run_dialplan(self, chan: Channel, context: str, exten: str, priority: int = 1) -> None:
        """Run `context,exten,priority` of the sample extensions.conf on an answered (or ringing) channel."""
        chan.context, chan.exten, chan.priority = context, exten, priority
        kind = CONTEXT_KINDS.get(context, "")
        if kind == "inbound":
            self.run_inbound(chan, None)
        elif kind in ("callback", "transfer", "outbound", "agents", "consult"):
            self._run_dial_context(chan, kind, context, exten)
        elif kind == "conf":
            self.newexten(chan, "NoOp", f"Joining conference {exten}", context=context, exten=exten, priority=1)
            self.newexten(chan, "Answer", "", priority=2)
            self.newstate(chan, UP)
            self.newexten(chan, "ConfBridge", f"{exten},hotline_bridge,hotline_user", priority=3)
            self.conference_join(chan, exten, QUIET_USER_PROFILE)
        elif kind == "survey":
            self._run_survey(chan, context, exten)
        elif kind == "hold":
            self.newexten(chan, "Answer", "", context=context, exten=exten, priority=1)
            self.newexten(chan, "MusicOnHold", "default", priority=2)
            self.music_on_hold(chan, True)
        elif kind == "hold-agent":
            self.newexten(chan, "Wait", "3600", context=context, exten=exten, priority=1)
        else:
            self.newexten(chan, "Hangup", "", context=context, exten=exten, priority=1)
            self.hangup(chan, 1)

    def run_application(self, chan: Channel, app: str, data: str) -> None:
        """Originate with Application/Data: ConfBridge joins a room; Playback plays its file (a Newexten as Asterisk
        reports the application, `PLAYBACK_S` of scenario time) and the channel hangs up when it ends, as Asterisk's
        originated application channel does; anything else just runs until hangup."""
        chan.application, chan.app_data = app, data
        if app.lower() == "playback":
            self.newexten(chan, app, data)
            self.spawn(self._play_then_hang_up(chan))
            return
        if app.lower() == "confbridge":
            # ConfBridge(room[,bridge profile[,user profile]]): without a user profile it is `default_user`.
            args = [a.strip() for a in data.split(",")]
            self.conference_join(chan, args[0], args[2] if len(args) > 2 and args[2] else DEFAULT_USER_PROFILE)

    async def _play_then_hang_up(self, chan: Channel) -> None:
        await self._sleep(PLAYBACK_S, chan)
        if not chan.hung_up:
            self.hangup(chan, 16)

    def _run_dial_context(self, chan: Channel, kind: str, context: str, exten: str) -> None:
        """`callback`/`outbound`: the hotline's caller ID, recording (callback), Dial the trunk; `transfer`: Dial the
        trunk keeping the citizen's caller ID; `agents`: Dial a seat."""
        if kind == "agents":
            agent = self.scenario.agent_by_name(exten) or next(
                (a for a in self.scenario.agents if a.interface.lower().endswith(f"/{exten}".lower())), None)
            dialstring = agent.interface if agent else f"PJSIP/{exten}"
            self.newexten(chan, "Dial", f"{dialstring},30,tT", context=context, exten=exten, priority=1)
        else:
            self.newexten(chan, "NoOp", f"{context}: calling {exten}", context=context, exten=exten, priority=1)
            if kind != "transfer":
                hotline = self.settings.caller_id
                self.newexten(chan, "Set", f'CALLERID(all)="Hotline" <{hotline}>', priority=2)
                chan.cid_num, chan.cid_name = hotline, "Hotline"
            if kind == "callback" and self.settings.record_callbacks:
                self.newexten(chan, "MixMonitor", f"callback-{exten}-{chan.uniqueid}.wav,b", priority=3)
                self.start_mixmonitor(chan, f"callback-{exten}-{chan.uniqueid}.wav", "b")
            dialstring = self.settings.outbound_dial.format(number=exten, trunk=self.settings.trunk)
            if kind == "consult":
                # Dial(…,45,g), then Goto(hold-agent,s,1): the agent's leg waits for the desktop after the unit.
                self.newexten(chan, "Dial", f"{dialstring},45,g", priority=chan.priority + 1)
                for var in ("DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME"):
                    self.varset(chan, var, "")
                self.spawn(self._dial(chan, dialstring, 45.0, go_on=self._consult_done))
                return
            self.newexten(chan, "Dial", f"{dialstring},30", priority=chan.priority + 1)
        for var in ("DIALSTATUS", "DIALEDPEERNUMBER", "DIALEDPEERNAME"):
            self.varset(chan, var, "")
        self.spawn(self._dial(chan, dialstring, 30.0))

    def _consult_done(self, chan: Channel) -> None:
        if not chan.hung_up:
            self.newexten(chan, "Goto", "hold-agent,s,1", priority=chan.priority + 1)
            self.run_dialplan(chan, "hold-agent", "s")

    async def _dial(self, caller: Channel, dialstring: str, timeout_s: float,  # noqa: PLR0915 - app_dial, in order
                    go_on: Callable[[Channel], None] | None = None) -> None:
        """The Dial() application: ring the target, bridge on answer, DIALSTATUS otherwise, then Hangup() — or, with
        option g (`go_on`), the dialplan goes on when the callee hangs up or never answered."""
        target = self.parse_dial(dialstring)
        behaviour = self.behaviour_for(target) or Behaviour(outcome="failure")
        leg = self.create_leg(target, behaviour, linkedid=caller.linkedid)
        dest = leg.chan
        # What `core show channels` (CoreShowChannel) says of a dialled leg (live-2026-12/04b).
        dest.application, dest.app_data = "AppDial", "(Outgoing Line)"
        if leg.half is not None:
            self._leg_callerid(leg, caller.cid_num, caller.cid_name)
            # The dialled Local ;1 shows the number dialled, with the caller's name (live-2026-12/04b, 13).
            dest.cid_num = target.exten
        else:
            dest.connected_num, dest.connected_name = caller.cid_num, caller.cid_name
            self.set_callerid(dest, target.exten, behaviour.name or target.exten)
        self.dial_begin(caller, dest, dialstring.split("/", 1)[1] if target.kind != "local" else dialstring)
        outcome = behaviour.outcome
        if outcome == "answer" and behaviour.answer_after_s >= timeout_s:
            outcome = "noanswer"
        if outcome == "early_media":
            outcome = await self._early_media(caller, dest, behaviour)
        elif outcome == "answer" and leg.half is not None and behaviour.answer_after_s <= 0:
            pass  # a Local handset whose dialplan answers first (live-2026-12 `[citizens]`) never rings
        elif outcome in ("answer", "noanswer"):
            self.newstate(dest, RINGING)
            self.dial_state(caller, dest, "RINGING")
            await self._sleep(behaviour.answer_after_s if outcome == "answer" else timeout_s, caller)
        else:
            await self._sleep(min(0.5, timeout_s), caller)
        if caller.hung_up:
            if not dest.hung_up:
                self.dial_end(caller, dest, "CANCEL")
                self.fail_leg(leg, "cancel")
            return
        if outcome != "answer":
            if outcome == "busy" and leg.half is None:
                self.newstate(dest, BUSY)
            status = _OUTCOME_DIALSTATUS[outcome]
            self.dial_end(caller, dest, status)
            self.fail_leg(leg, outcome)
            self.varset(caller, "DIALSTATUS", status)
            if go_on is not None:
                go_on(caller)
                return
            self.newexten(caller, "Hangup", "", priority=caller.priority + 1)
            # The dialplan's own Hangup() after Dial: normal clearing (live-2026-12/12: the seat's leg, cause 16).
            self.hangup(caller, 16)
            return
        self.answer_leg(leg)
        if leg.half is not None:
            dest.exten = ""  # the dialled ;1 runs `AppDial` at an empty extension (06_callback)
        self.dial_end(caller, dest, "ANSWER")
        self.varset(caller, "DIALSTATUS", "ANSWER")
        self.newstate(caller, UP)
        self.bridge_two(dest, caller)

        def caller_after(chan: Channel) -> None:
            self.newexten(chan, "Hangup", "", priority=chan.priority + 1)
            self.hangup(chan, 16)

        caller.after_bridge = go_on or caller_after

    async def _early_media(self, caller: Channel, dest: Channel, behaviour: Behaviour) -> str:
        """The carrier plays its recording before any answer (SIP 183 Session Progress): app_dial publishes DialState
        PROGRESS and passes the audio back; after it the carrier releases the call unanswered (congestion)."""
        dest.audio = behaviour.audio
        caller.early_media = dest
        self.dial_state(caller, dest, "PROGRESS")
        await self._sleep(behaviour.hangup_after_s or 0.5, caller)
        caller.early_media = None
        return "congestion"

    def _run_survey(self, chan: Channel, context: str, exten: str) -> None:
        """`survey,s`: Answer, Read(SAT,custom/survey_prompt,1,,2,5), UserEvent(Survey,Result,Caller), Hangup.

        The callee's `dtmf` is what it presses at each reading of the question: "2" a valid answer; "" nothing (the
        Read's own second try times out too); "7" an invalid digit, then nothing; "72" an invalid digit, then 2 at
        the IVR's retry (extensions.conf asks again once after an invalid digit). A callee hanging up during the
        prompt (`hangup_after_s` shorter than the prompt) leaves no UserEvent."""
        self.newexten(chan, "Answer", "", context=context, exten=exten, priority=1)
        self.newstate(chan, UP)
        self.newexten(chan, "Read", "SAT,custom/survey_prompt,1,,2,5", priority=2)
        self.later(2.0, self._survey_digit, chan, chan.dtmf, 1, owner=chan)

    def _survey_digit(self, chan: Channel, presses: str, reading: int = 1) -> None:
        if chan.hung_up:
            return
        digit, rest = presses[:1], presses[1:]
        if digit:
            half = chan.partner
            dialled = next((c for c in half.bridge.channels if c is not half), None) if (
                half is not None and half.bridge is not None) else None
            # Through the outbound context the digit comes from the dialled handset: Received on its leg, Sent by
            # the ;2 half bridged to it, Received on the survey's channel (live-2026-12/06).
            path = [(dialled, "Received"), (half, "Sent"), (chan, "Received")] if dialled is not None else [
                (chan, "Received")]
            sender = dialled.partner if dialled is not None and dialled.partner is not None else half
            if sender is not None:
                self.newexten(sender, "SendDTMF", digit, priority=sender.priority + 1)
            for leg, direction in path:
                assert leg is not None
                self.emit("DTMFBegin", DTMF, [*leg.snapshot(), ("Digit", digit), ("Direction", direction)])
            for leg, direction in path:
                assert leg is not None
                self.emit("DTMFEnd", DTMF, [*leg.snapshot(), ("Digit", digit), ("DurationMs", "100"),
                                            ("Direction", direction)])
            self.varset(chan, "SAT", digit)
            self.varset(chan, "READSTATUS", "OK")
            if digit not in "123" and reading < SURVEY_READINGS:
                # an invalid digit: the dialplan asks once more
                self.newexten(chan, "Read", "SAT,custom/survey_prompt,1,,2,5", priority=2)
                self.later(2.0, self._survey_digit, chan, rest, reading + 1, owner=chan)
                return
            if digit not in "123":
                digit = ""  # still invalid after the retry: the dialplan clears SAT
        else:
            self.varset(chan, "READSTATUS", "TIMEOUT")
        attempt = chan.variables.get("SURVEY_ATTEMPT", "")
        if digit and attempt:
            # extensions.conf [survey]: the rating is kept in AstDB before it is reported, so it outlives the dialer
            # (func_db's write raises no AMI event of its own)
            value = f"{digit},survey-{chan.cid_num}-{chan.uniqueid}.wav"
            self.newexten(chan, "Set", f"DB(survey/{attempt})={value}", priority=3)
            self.astdb[("survey", attempt)] = value
        self.newexten(chan, "UserEvent", f"Survey,Result: {digit},Caller: {chan.cid_num}", priority=3)
        self.emit("UserEvent", USER, [*chan.snapshot(), ("UserEvent", "Survey"), ("Result", digit),
                                      ("Caller", chan.cid_num)])
        self.newexten(chan, "Hangup", "", priority=4)
        self.hangup(chan, 16)

    # ------------------------------------------------------------------------------------------------ ConfBridge
    def conference_join(self, chan: Channel, room: str, user_profile: str = DEFAULT_USER_PROFILE) -> None:
        conference = self.conferences.get(room)
        if conference is None:
            bridge = Bridge(uniqueid=str(uuid.uuid4()), bridge_type="base", technology="softmix",
                            creator="ConfBridge", name=room)
            self.emit("BridgeCreate", CALL, bridge.snapshot())
            bridge.hidden_members = 1  # the CBAnn announcer channel
            conference = Conference(room, bridge, self.now())
            self.conferences[room] = conference
            self.emit("ConfbridgeStart", CALL, [("Conference", room), *bridge.snapshot()])
        bridge = conference.bridge
        bridge.channels.append(chan)
        chan.bridge = bridge
        conference.profiles[chan.name] = user_profile
        if user_profile != QUIET_USER_PROFILE and bridge.channels[:-1]:
            conference.announcements.append("confbridge-join")
        self.emit("BridgeEnter", CALL, [*bridge.snapshot(), *chan.snapshot()])
        self.emit("ConfbridgeJoin", CALL, [("Conference", room), *bridge.snapshot(), *chan.snapshot(),
                                           ("Admin", "No"), ("Muted", "No")])
        for member in bridge.channels:
            others = [f"CBAnn/{room}-announcer;2", *(c.name for c in bridge.channels if c is not member)]
            self.varset(member, "BRIDGEPEER", ",".join(others))

    def _conference_leave(self, conference: Conference, chan: Channel, *, result: str) -> None:
        bridge = conference.bridge
        self.emit("ConfbridgeLeave", CALL, [("Conference", conference.name), *bridge.snapshot(), *chan.snapshot(),
                                            ("Admin", "No")])
        bridge.channels.remove(chan)
        chan.bridge = None
        if conference.profiles.pop(chan.name, QUIET_USER_PROFILE) != QUIET_USER_PROFILE and bridge.channels:
            conference.announcements.append("confbridge-leave")
        self.emit("BridgeLeave", CALL, [*bridge.snapshot(), *chan.snapshot()])
        if result:
            self.varset(chan, "CONFBRIDGE_RESULT", result)
        if not bridge.channels:
            self.emit("ConfbridgeEnd", CALL, [("Conference", conference.name), *bridge.snapshot()])
            bridge.hidden_members = 0
            self.emit("BridgeDestroy", CALL, bridge.snapshot(count=0))
            del self.conferences[conference.name]

    def conference_kick(self, room: str, channel: str) -> int:
        conference = self.conferences.get(room)
        if conference is None:
            raise ActionFailed("No Conference by that name found.")
        victims = [c for c in conference.bridge.channels if channel in ("all", "participants") or c.name == channel]
        if not victims:
            raise ActionFailed("No Channel by that name found in Conference.")
        for chan in victims:
            self._conference_leave(conference, chan, result="KICKED")
            self.newexten(chan, "Hangup", "", priority=chan.priority + 1)
            self.hangup(chan, 16)
        return len(victims)

    # ------------------------------------------------------------------------------------------------ transfers
    def redirect(self, moves: list[tuple[Channel, str, str, int]]) -> None:
        """AMI Redirect (one channel, or two with ExtraChannel: a dual redirect takes both out of their bridge
        together, A20 main/manager.c:4105-4143). Out of a queue call, the queue keeps its AgentComplete for the first
        later hangup (tech brief §1.5). A peer left alone in a two-party bridge is released (after_bridge)."""
        for _chan, context, _exten, _priority in moves:
            if context not in KNOWN_CONTEXTS:
                raise ActionFailed("Extension does not exist.")
        moved = {chan for chan, *_ in moves}
        touched: list[Bridge] = []
        for chan, context, exten, priority in moves:
            # The new dialplan location is set before the channel leaves its bridge: its BridgeLeave already shows
            # it (live-2026-12/02 and 14: `BridgeLeave … Context: hold-agent Exten: s`).
            chan.context, chan.exten, chan.priority = context, exten, priority
            for qcall in list(self.queue_calls):
                if qcall.state == "connected" and (chan is qcall.caller or (qcall.agent and chan is qcall.agent.chan)):
                    qcall.state = "detached"
                if qcall.state == "waiting" and chan is qcall.caller:
                    self._stop_ringing(qcall, "CANCEL")
                    self._leave_queue(qcall)
                    self.music_on_hold(chan, False)
                    qcall.state = "done"
                    self.queue_calls.remove(qcall)
            chan.after_bridge = None
            bridge = chan.bridge
            if bridge is not None:
                self._leave_bridge_quietly(chan, destroy=False)
                if bridge not in touched:
                    touched.append(bridge)
        for bridge in touched:
            if bridge.creator != "ConfBridge":
                self._release_peers(bridge, exclude=moved)
        for chan, context, exten, priority in moves:
            self.music_on_hold(chan, False)
            self.run_dialplan(chan, context, exten, priority)

    def bridge_channels(self, first: Channel, second: Channel) -> None:
        """AMI `Bridge`: join two existing channels (e.g. resume after hold), taking each out of where it was. A
        peer left alone in a two-party bridge is released (attended transfer: the consulting agent's Dial ends)."""
        touched: list[Bridge] = []
        for chan in (first, second):
            if chan.bridge is not None:
                if chan.bridge.creator != "ConfBridge" and chan.bridge not in touched:
                    touched.append(chan.bridge)
                self._leave_bridge_quietly(chan, destroy=False)
            self.music_on_hold(chan, False)
        for bridge in touched:
            if bridge.channels:
                self._release_peers(bridge, exclude={first, second})
            elif not bridge.destroyed:
                bridge.destroyed = True
                self.emit("BridgeDestroy", CALL, bridge.snapshot(count=0))
        self.newstate(first, UP)
        self.newstate(second, UP)
        self.bridge_two(first, second)
        for qcall in self.queue_calls:
            if qcall.state == "detached" and qcall.agent is not None and {first, second} == {qcall.caller,
                                                                                           qcall.agent.chan}:
                qcall.state, qcall.resumed = "connected", True
                qcall.caller.after_bridge = lambda chan, q=qcall: self._caller_after_queue(q, chan)

    def _leave_bridge_quietly(self, chan: Channel, *, destroy: bool = True) -> None:
        """Leave the bridge without releasing the peer (it is being moved too, or joins a new bridge)."""
        bridge = chan.bridge
        if bridge is None:
            return
        if bridge.creator == "ConfBridge":
            self._conference_leave(self.conferences[bridge.name], chan, result="")
            return
        bridge.channels.remove(chan)
        chan.bridge = None
        self.varset(chan, "BRIDGEPEER", "")
        self.emit("BridgeLeave", CALL, [*bridge.snapshot(), *chan.snapshot()])
        if destroy and not bridge.channels and not bridge.destroyed:
            bridge.destroyed = True
            self.emit("BridgeDestroy", CALL, bridge.snapshot(count=0))

    def blind_transfer(self, transferer: Channel, context: str, exten: str) -> None:
        """AMI BlindTransfer: the transferer's bridge peer goes to `exten@context`, the transferer hangs up."""
        bridge = transferer.bridge
        if bridge is None or bridge.creator == "ConfBridge" or len(bridge.channels) != 2:
            raise ActionFailed("Transfer not permitted")
        if context not in KNOWN_CONTEXTS:
            raise ActionFailed("Transfer invalid")
        transferee = next(c for c in bridge.channels if c is not transferer)
        self.emit("BlindTransfer", CALL, [("Result", "Success"), *transferer.snapshot("Transferer"),
                                          *bridge.snapshot(), *transferee.snapshot("Transferee"),
                                          ("IsExternal", "No"), ("Context", context), ("Extension", exten)])
        for qcall in self.queue_calls:
            if qcall.state == "connected" and qcall.agent is not None and transferer is qcall.agent.chan:
                if not qcall.resumed:  # a resumed call is not app_queue's bridge: no AgentComplete then (02)
                    self._complete(qcall, "transfer")
                qcall.state = "done"
                self.queue_calls.remove(qcall)
                self.later(0, self._member_free, qcall)
                break
        transferee.after_bridge = None
        transferer.after_bridge = None
        bridge.channels.remove(transferee)
        transferee.bridge = None
        transferee.context, transferee.exten, transferee.priority = context, exten, 1  # as its BridgeLeave shows (02)
        self.emit("BridgeLeave", CALL, [*bridge.snapshot(), *transferee.snapshot()])
        self.hangup(transferer, 16)
        self.run_dialplan(transferee, context, exten)

    def music_on_hold(self, chan: Channel, on: bool) -> None:
        if chan.moh == on or chan.hung_up:
            return
        chan.moh = on
        if on:
            self.emit("MusicOnHoldStart", CALL, [*chan.snapshot(), ("Class", "default")])
        else:
            self.emit("MusicOnHoldStop", CALL, chan.snapshot())

    # ------------------------------------------------------------------------------------------------ phone hold
    def phone_hold(self, chan: Channel, on: bool) -> None:
        """The agent presses hold on the phone: Hold/Unhold on the agent's channel, music to the peer."""
        self.emit("Hold" if on else "Unhold", CALL, [*chan.snapshot(), *([("MusicClass", "default")] if on else [])])
        if chan.bridge is not None:
            for peer in chan.bridge.channels:
                if peer is not chan:
                    self.music_on_hold(peer, on)

    # ------------------------------------------------------------------------------------------------ queue admin
    def queue_add(self, queue_name: str, interface: str, member_name: str, *, penalty: int = 0,
                  paused: bool = False, reason: str = "") -> None:
        queue = self.queues.get(queue_name)
        if queue is None:
            raise ActionFailed("Unable to add interface to queue: No such queue")
        if queue.member(interface) is not None:
            raise ActionFailed("Unable to add interface: Already there")
        member = QueueMember(queue=queue_name, name=member_name or interface, interface=interface, penalty=penalty,
                             login_time=int(self.now()), paused=paused, paused_reason=reason if paused else "")
        agent = self.scenario.agent_by_interface(interface)
        if agent is not None and agent.busy:
            member.status = 3
        queue.members[interface.lower()] = member
        self.device_state(f"Queue:{queue_name}_pause_{interface}", "INUSE" if paused else "NOT_INUSE")
        self.emit("QueueMemberAdded", AGENT, member.fields())
        self.device_state(f"Queue:{queue_name}_avail", "NOT_INUSE")
        if not paused:
            self._wake_queue(queue)

    def queue_remove(self, queue_name: str, interface: str) -> None:
        queue = self.queues.get(queue_name)
        if queue is None:
            raise ActionFailed("Unable to remove interface from queue: No such queue")
        member = queue.member(interface)
        if member is None:
            raise ActionFailed("Unable to remove interface: Not there")
        del queue.members[interface.lower()]
        self.emit("QueueMemberRemoved", AGENT, member.fields())
        self.device_state(f"Queue:{queue_name}_avail", "INUSE" if not queue.members else "NOT_INUSE")

    def queue_pause(self, interface: str, paused: bool, queue_name: str | None, reason: str) -> None:
        members = [q.member(interface) for q in self.queues.values() if queue_name in (None, "", q.name)]
        found = [m for m in members if m is not None]
        if not found:
            raise ActionFailed("Interface not found")
        for member in found:
            member.paused = paused
            member.paused_reason = reason if paused else ""
            member.last_pause = int(self.now()) if paused else member.last_pause
            self.emit("QueueMemberPause", AGENT, member.fields())
            self.device_state(f"Queue:{member.queue}_pause_{interface}", "INUSE" if paused else "NOT_INUSE")
            if not paused:
                self._wake_queue(self.queues[member.queue])

    # ------------------------------------------------------------------------------------------------ look-ups
    def find_channel(self, name: str) -> Channel | None:
        chan = self.channels.get(name)
        if chan is not None:
            return chan
        folded = name.lower()
        return next((c for c in self.channels.values() if c.name.lower() == folded or c.uniqueid == name), None)


def _number_behaviour(number: NumberSpec) -> Behaviour:
    return Behaviour(outcome=number.outcome, answer_after_s=number.answer_after_s,
                     hangup_after_s=number.hangup_after_s, dtmf=number.dtmf, name=number.name, audio=number.audio)


def _parse_callerid(text: str) -> tuple[str, str]:
    """`"王女士" <13800138000>` → ("13800138000", "王女士"); a bare number is both."""
    text = text.strip()
    match = re.match(r'^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$', text)
    if match:
        return match.group(2).strip(), match.group(1).strip()
    return text, text
