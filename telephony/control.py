"""Call control for one seat whose phone is a member of the hotline queue(s).

Every operation is a short, documented sequence of AMI actions that a stock Asterisk 20 accepts (tech brief §1.5–1.9,
§2) with the contexts of `resources/asterisk/extensions.conf`:

| operation          | AMI                                                                                          |
|--------------------|----------------------------------------------------------------------------------------------|
| queue log in / out | QueueAdd / QueueRemove (Queue, Interface, MemberName, Penalty, Paused)                       |
| pause / resume     | QueuePause (Interface, Paused, Reason) — no Queue = every queue of the interface             |
| after-call work    | QueuePause Reason=after-call-work, then QueuePause Paused=false after the configured time    |
| hang up            | Hangup (Channel, Cause 16)                                                                   |
| hold / resume      | Redirect caller→hold context (MusicOnHold) + ExtraChannel agent→agent-hold context (Wait);   |
|                    | resume: Bridge Channel1=caller Channel2=agent. AMI has no "hold" action: phones hold with    |
|                    | re-INVITE, the desktop parks both legs in dialplan and bridges them back.                    |
| blind transfer     | BlindTransfer (Channel = the agent's channel = transferer, Context, Exten)                   |
| attended transfer  | consult: dual Redirect caller→hold context + agent→consult context (Dial the unit, then     |
|                    | hold-agent); transfer: Bridge caller+unit, Hangup the agent; merge: Redirect caller→conf +   |
|                    | ExtraChannel unit→conf, then the agent; end: Hangup the unit, Bridge caller+agent            |
| three-way          | dual Redirect caller+agent → conference context (ConfBridge(room)), then Originate           |
|                    | Local/<unit>@outbound Application=ConfBridge Data=room,bridge profile,user profile (the      |
|                    | hotline's quiet profiles, as the conf context); the agent leaves with ConfbridgeKick         |
| callback           | Originate Channel=<seat interface> Context=callback Exten=<number> CallerID=<hotline>        |
|                    | Async=true; outcome from OriginateResponse (agent leg) then DialEnd (the caller's leg)       |
| survey             | Originate Channel=Local/<number>@outbound Context=survey Exten=s CallerID=<number>            |
|                    | Variable=WORK_ORDER; the result (UserEvent Survey) is tied to the Originate's ActionID       |
| recording          | MixMonitor (Channel, File, Options); StopMixMonitor                                          |
| play a recording   | Originate Channel=<seat interface> Application=Playback Data=<recordings dir>/<name, no      |
| to the seat        | extension> CallerID=<hotline> Async=true: the seat's phone rings, the agent hears the file   |

Each call returns a result or raises `TelephonyError` with a specific code (`queue_login_failed`, `pause_failed`,
`hangup_failed`, `hold_failed`, `transfer_failed`, `conference_failed`, `conference_unit_unreachable`,
`callback_failed`, `recording_failed`, `playback_failed`, `invalid_recording`, `invalid_number`,
`invalid_channel`) and Asterisk's own message in `details`.
Transport failures keep their connection codes (`ami_not_connected`, `ami_action_timeout`, `ami_connection_lost`):
a callback whose Originate was cut off is reported, never dialled again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from agent_desktop.core.errors import TelephonyError

from .ami.protocol import AmiMessage, FieldValue
from .tracking.events import ORIGINATE_REASONS, OriginateOutcome

__all__ = [
    "AFTER_CALL_WORK_REASON",
    "ORIGINATE_REASONS",
    "CallControl",
    "CallbackResult",
    "ConsultResult",
    "SeatConfig",
    "SurveyCall",
    "ThreeWayResult",
]

log = logging.getLogger(__name__)

#: QueuePause reason of after-call work; the tracker recognises it (telephony.tracking.tracker.AFTER_CALL_WORK_REASON).
AFTER_CALL_WORK_REASON = "after-call-work"

_NUMBER = re.compile(r"^\+?[0-9*#]{1,32}$")
_ROOM = re.compile(r"^[0-9]{1,40}$")
_ALREADY_MEMBER = "already there"
_NOT_MEMBER = "not there"


class AmiActions(Protocol):
    """What call control needs from the connection (AmiConnection satisfies it)."""

    async def send_action(
        self, name: str, fields: Mapping[str, FieldValue] | None = None, *, timeout: float | None = None,
        as_list: bool | None = None, check: bool = True, action_id: str | None = None,
    ) -> AmiMessage | list[AmiMessage]: ...

    def add_event_listener(self, callback: Callable[[AmiMessage], Any], pattern: str = "*") -> Any: ...


@dataclass(frozen=True)
class SeatConfig:
    """One seat: its phone's interface, the queues it serves, and the dialplan contexts of the hotline."""

    interface: str  # the seat phone's queue-member interface, e.g. PJSIP/1001
    queues: tuple[str, ...] = ("hotline",)  # queues the seat logs in to
    member_name: str = ""  # MemberName shown in queue status (default: the interface)
    penalty: int = 0  # queue penalty of the member
    hotline_number: str = "12345"  # caller ID number shown on callbacks and unit calls
    hotline_name: str = "12345"  # caller ID name shown with it
    hold_context: str = "hold"  # dialplan: exten s → MusicOnHold (the held caller)
    hold_agent_context: str = "hold-agent"  # dialplan: exten s → Wait (the agent's phone while holding)
    transfer_context: str = "transfer"  # dialplan: exten <number> → Dial out (blind transfer)
    consult_context: str = "consult"  # dialplan: exten <number> → Dial out (g), then hold-agent (attended transfer)
    conference_context: str = "conf"  # dialplan: exten <room> → ConfBridge(room,bridge profile,user profile)
    # confbridge.conf profiles of the three-way room: the unit joins with them too (Originate Application=ConfBridge),
    # or ConfBridge's default user profile plays join/leave sounds to the caller (live-2026-12/03).
    conference_bridge_profile: str = "hotline_bridge"
    conference_user_profile: str = "hotline_user"
    outbound_context: str = "outbound"  # dialplan: exten <number> → Dial out (three-way unit leg, Local channel)
    callback_context: str = "callback"  # dialplan: exten <number> → set hotline caller ID, Dial out
    survey_context: str = "survey"  # dialplan: exten s → the survey question, UserEvent Survey
    after_call_work_seconds: float = 30.0  # automatic pause after each answered call; 0 = none
    ring_timeout_seconds: float = 30.0  # how long the agent's phone / the unit rings on an Originate
    customer_answer_seconds: float = 45.0  # callback: after the agent answered, wait for the caller's DialEnd
    recording_prefix: str = "hotline-"  # file names of recordings the desktop starts
    recording_format: str = "wav"  # their extension (MixMonitor picks the format from it)
    recording_options: str = ""  # MixMonitor options, e.g. "b" (only while bridged)
    #: File names the dialplan's own MixMonitor gives (resources/asterisk/extensions.conf) — so the work order gets
    #: the recording even though Asterisk's events do not name it. "" = the dialplan does not record.
    dialplan_recording: str = "hotline-{caller}-{uniqueid}.wav"
    callback_recording: str = "callback-{number}-{uniqueid}.wav"
    #: where MixMonitor keeps a recording named without a directory (Asterisk's astspooldir/monitor): Playback
    #: looks in the sounds directory unless it is given the full path
    recordings_dir: str = "/var/spool/asterisk/monitor"

    def __post_init__(self) -> None:
        if not self.interface.strip() or any(c in self.interface for c in "\r\n"):
            raise TelephonyError("a seat needs its phone's interface, e.g. PJSIP/1001", code="invalid_channel")

    @property
    def caller_id(self) -> str:
        return f'"{self.hotline_name}" <{self.hotline_number}>'


@dataclass(frozen=True)
class CallbackResult:
    """How a callback went: the agent's phone first (`agent_outcome`), then the caller (`customer_status`, Asterisk's
    DialStatus: ANSWER, BUSY, NOANSWER, CONGESTION, CHANUNAVAIL, CANCEL; None if unknown)."""

    action_id: str
    number: str
    agent_outcome: OriginateOutcome
    customer_status: str | None = None
    agent_channel: str | None = None
    uniqueid: str | None = None
    recording: str | None = None  # the dialplan's recording of the callback (SeatConfig.callback_recording)

    @property
    def connected(self) -> bool:
        return self.agent_outcome is OriginateOutcome.ANSWERED and self.customer_status == "ANSWER"

    def to_json(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id, "number": self.number, "agent_outcome": self.agent_outcome,
            "customer_status": self.customer_status, "connected": self.connected, "agent_channel": self.agent_channel,
            "uniqueid": self.uniqueid, "recording": self.recording,
        }


@dataclass(frozen=True)
class PlaybackResult:
    """A recording played to the seat's own phone: `outcome` of the Originate (answered: the agent is hearing it)."""

    action_id: str
    data: str  # Playback's argument: the file's path without its extension
    outcome: OriginateOutcome
    channel: str | None = None

    @property
    def answered(self) -> bool:
        return self.outcome is OriginateOutcome.ANSWERED


@dataclass(frozen=True)
class ConsultResult:
    """The agent's consultation call with a unit (attended transfer): `status` is the unit's DialStatus (ANSWER,
    BUSY, NOANSWER, ...); `unit_channel` the unit's leg, to transfer the caller to or merge into a three-way call."""

    unit_number: str
    status: str
    unit_channel: str | None

    @property
    def answered(self) -> bool:
        return self.status == "ANSWER"


@dataclass(frozen=True)
class SurveyCall:
    """A survey call placed: `outcome` of its Originate (answered, busy, no_answer, …); the citizen's answer comes
    later as the tracker's `survey_result` with this `action_id`, `number` and `work_order`."""

    action_id: str
    number: str
    work_order: str
    outcome: OriginateOutcome
    uniqueid: str | None = None
    channel: str | None = None  # the survey's Local `;1` (what an audio fork spies on)


@dataclass(frozen=True)
class ThreeWayResult:
    room: str
    unit_number: str
    unit_channel: str | None


@dataclass
class _Originate:
    """An Originate waiting for its OriginateResponse (and, for a callback, the DialEnd of the caller's leg)."""

    response: asyncio.Future[AmiMessage]
    dial_end: asyncio.Future[AmiMessage] | None = None
    channel: str | None = None


class CallControl:
    """Call control of one seat. Create on the connection's event loop."""

    def __init__(
        self,
        connection: AmiActions,
        seat: SeatConfig,
        *,
        on_originate: Callable[..., None] | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        self.connection = connection
        self.seat = seat
        #: called with the ActionID before each Originate is sent (the tracker's expect_originate); a survey's adds
        #: `number=` and `work_order=`, a three-way unit's `number=` and `room=` (keywords)
        self.on_originate = on_originate
        self._clock = clock or (lambda: datetime.now(UTC))
        self._originates: dict[str, _Originate] = {}
        self._dial_ends: OrderedDict[str, AmiMessage] = OrderedDict()  # Channel → DialEnd seen (bounded)
        # Consultations (attended transfer) by the agent's channel: the unit's leg from the agent leg's DialBegin,
        # and the DialEnd the consult() call waits for.
        self._consults: dict[str, tuple[asyncio.Future[AmiMessage], list[str]]] = {}
        self._acw_task: asyncio.Task[None] | None = None
        self._acw_ending = False
        # As last known (own actions + observe_pause): paused by anyone, and why ("" = no reason given).
        self.paused = False
        self.paused_reason: str | None = None
        connection.add_event_listener(self._on_originate_response, "OriginateResponse")
        connection.add_event_listener(self._on_dial_end, "DialEnd")
        connection.add_event_listener(self._on_dial_begin, "DialBegin")
        add_state_listener = getattr(connection, "add_state_listener", None)
        if add_state_listener is not None:
            add_state_listener(self._on_connection_state)

    # Queue membership and pause -------------------------------------------------------------------------------------
    async def queue_login(self, *, paused: bool = False) -> None:
        """Join every queue of the seat. Already a member counts as success (a second click must not fail)."""
        for queue in self.seat.queues:
            fields: dict[str, FieldValue] = {
                "Queue": queue, "Interface": self.seat.interface, "Penalty": self.seat.penalty, "Paused": paused,
            }
            if self.seat.member_name:
                fields["MemberName"] = self.seat.member_name
            await self._act("QueueAdd", fields, "queue_login_failed", ok_if=_ALREADY_MEMBER)

    async def queue_logout(self) -> None:
        self._cancel_after_call_work()
        for queue in self.seat.queues:
            await self._act("QueueRemove", {"Queue": queue, "Interface": self.seat.interface}, "queue_logout_failed",
                            ok_if=_NOT_MEMBER)

    async def pause(self, reason: str) -> None:
        """Pause in every queue with a reason (lunch, training, ...). A manual pause ends automatic after-call work."""
        if not reason.strip():
            raise TelephonyError("a pause needs a reason", code="pause_failed")
        self._cancel_after_call_work()
        await self._pause(reason)

    async def resume(self) -> None:
        """Ready again (also ends after-call work early)."""
        self._cancel_after_call_work()
        await self._act("QueuePause", {"Interface": self.seat.interface, "Paused": False}, "pause_failed")
        self.paused, self.paused_reason = False, None

    async def _pause(self, reason: str) -> None:
        await self._act("QueuePause", {"Interface": self.seat.interface, "Paused": True, "Reason": reason},
                        "pause_failed")
        self.paused, self.paused_reason = True, reason

    # After-call work --------------------------------------------------------------------------------------------------
    @property
    def in_after_call_work(self) -> bool:
        return self._acw_task is not None and not self._acw_task.done()

    async def start_after_call_work(self, seconds: float | None = None) -> bool:
        """Pause with the after-call-work reason, and unpause after `seconds` (default: the seat's setting).
        Returns False (and does nothing) when the agent is already paused for another reason — that pause wins."""
        duration = self.seat.after_call_work_seconds if seconds is None else seconds
        if duration <= 0:
            return False
        if self.paused and self.paused_reason != AFTER_CALL_WORK_REASON:
            return False
        self._cancel_after_call_work()
        await self._pause(AFTER_CALL_WORK_REASON)
        self._acw_task = asyncio.create_task(self._end_after_call_work(duration), name="after-call-work")
        return True

    def observe_pause(self, paused: bool, reason: str) -> None:
        """What the PBX reports about this seat's pause (tracker events), whoever caused it: the phone, a supervisor
        or this desktop. Someone else's pause or unpause during after-call work wins — the timer must not undo it."""
        if not paused:
            reason = ""
        if self.in_after_call_work and not self._acw_ending and reason != AFTER_CALL_WORK_REASON:
            self._cancel_after_call_work()
        self.paused = paused
        self.paused_reason = reason if paused else None

    async def _end_after_call_work(self, duration: float) -> None:
        await asyncio.sleep(duration)
        self._acw_ending = True
        try:
            await self._act("QueuePause", {"Interface": self.seat.interface, "Paused": False}, "pause_failed")
            self.paused, self.paused_reason = False, None
        except TelephonyError as exc:  # the UI shows "paused" from the tracker; the agent can resume by hand
            log.warning("after-call work could not end automatically: %s", exc.message)
        finally:
            self._acw_ending = False

    def _cancel_after_call_work(self) -> None:
        if self._acw_task is not None and not self._acw_task.done():
            self._acw_task.cancel()
        self._acw_task = None

    async def aclose(self) -> None:
        """Stop timers (does not unpause: the queue state belongs to the PBX)."""
        task, self._acw_task = self._acw_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for pending in self._originates.values():
            for future in (pending.response, pending.dial_end):
                if future is not None and not future.done():
                    future.cancel()

    # Calls ------------------------------------------------------------------------------------------------------------
    async def hangup(self, channel: str) -> None:
        await self._act("Hangup", {"Channel": _channel(channel), "Cause": 16}, "hangup_failed")

    async def hold(self, caller_channel: str, agent_channel: str) -> None:
        """Caller hears music on hold, the agent's phone stays up in a silent wait; the queue bridge is left."""
        await self._act(
            "Redirect",
            {
                "Channel": _channel(caller_channel), "Context": self.seat.hold_context, "Exten": "s", "Priority": 1,
                "ExtraChannel": _channel(agent_channel), "ExtraContext": self.seat.hold_agent_context,
                "ExtraExten": "s", "ExtraPriority": 1,
            },
            "hold_failed",
        )

    async def resume_call(self, caller_channel: str, agent_channel: str) -> None:
        """Bring the held caller and the agent back together (a new two-party bridge)."""
        await self._act(
            "Bridge", {"Channel1": _channel(caller_channel), "Channel2": _channel(agent_channel), "Tone": "no"},
            "hold_failed",
        )

    async def blind_transfer(self, agent_channel: str, number: str) -> None:
        """Send the caller (the agent's bridge peer) to `number` in the transfer context; the agent's leg ends."""
        await self._act(
            "BlindTransfer",
            {"Channel": _channel(agent_channel), "Context": self.seat.transfer_context, "Exten": _number(number)},
            "transfer_failed",
        )

    async def consult(self, caller_channel: str, agent_channel: str, unit_number: str) -> ConsultResult:
        """Attended transfer, first step: the caller hears music on hold while the agent's leg calls the unit (the
        consult context). Returns when the unit answered or could not be reached; the agent then transfers
        (`complete_transfer`), merges all three (`merge_consultation`) or goes back to the caller
        (`end_consultation`). A unit that hangs up leaves the agent's leg waiting in hold-agent."""
        number = _number(unit_number)
        agent = _channel(agent_channel)
        loop = asyncio.get_running_loop()
        waiting: tuple[asyncio.Future[AmiMessage], list[str]] = (loop.create_future(), [])
        self._consults[agent] = waiting
        try:
            await self._act(
                "Redirect",
                {
                    "Channel": _channel(caller_channel), "Context": self.seat.hold_context, "Exten": "s",
                    "Priority": 1, "ExtraChannel": agent, "ExtraContext": self.seat.consult_context,
                    "ExtraExten": number, "ExtraPriority": 1,
                },
                "transfer_failed",
            )
            limit = self.seat.ring_timeout_seconds + 15.0
            try:
                dial_end = await asyncio.wait_for(asyncio.shield(waiting[0]), limit)
            except TimeoutError:
                raise TelephonyError(f"the unit {number} was not dialled within {limit:g} s; the caller is on hold",
                                     code="transfer_failed", details={"number": number}) from None
        finally:
            if self._consults.get(agent) is waiting and not waiting[0].done():
                del self._consults[agent]
        status = dial_end.get("DialStatus") or "UNKNOWN"
        unit = dial_end.get("DestChannel") or (waiting[1][0] if waiting[1] else None)
        if status != "ANSWER":
            self._consults.pop(agent, None)
        return ConsultResult(number, status, unit if status == "ANSWER" else None)

    def _consulted(self, agent_channel: str) -> str:
        entry = self._consults.get(agent_channel.strip())
        if entry is None or not entry[1]:
            raise TelephonyError("no consultation in progress on this channel", code="transfer_failed",
                                 details={"channel": agent_channel})
        return entry[1][0]

    async def complete_transfer(self, caller_channel: str, agent_channel: str) -> None:
        """Attended transfer, done: the caller and the unit talk; the agent's leg is hung up."""
        unit = self._consulted(agent_channel)
        await self._act("Bridge", {"Channel1": _channel(caller_channel), "Channel2": unit, "Tone": "no"},
                        "transfer_failed")
        self._consults.pop(agent_channel.strip(), None)
        with contextlib.suppress(TelephonyError):  # the consult context may already have let it go
            await self.hangup(agent_channel)

    async def merge_consultation(self, caller_channel: str, agent_channel: str, *, room: str | None = None) -> str:
        """Attended transfer into a three-way call: caller, unit and agent in one ConfBridge room (returned)."""
        unit = self._consulted(agent_channel)
        room = room or _new_room()
        if not _ROOM.match(room):
            raise TelephonyError(f"conference room must be digits: {room!r}", code="conference_failed")
        where = {"Context": self.seat.conference_context, "Exten": room, "Priority": 1}
        await self._act(
            "Redirect",
            {"Channel": _channel(caller_channel), **where, "ExtraChannel": unit,
             **{"Extra" + k: v for k, v in where.items()}},
            "conference_failed",
        )
        await self._act("Redirect", {"Channel": _channel(agent_channel), **where}, "conference_failed")
        self._consults.pop(agent_channel.strip(), None)
        return room

    async def end_consultation(self, caller_channel: str, agent_channel: str) -> None:
        """Back to the caller without transferring: the unit's leg is hung up, the agent and the caller bridged."""
        entry = self._consults.pop(agent_channel.strip(), None)
        if entry is not None and entry[1]:
            with contextlib.suppress(TelephonyError):  # the unit may have hung up already
                await self.hangup(entry[1][0])
        await self.resume_call(caller_channel, agent_channel)

    async def start_three_way(
        self, caller_channel: str, agent_channel: str, unit_number: str, *, room: str | None = None
    ) -> ThreeWayResult:
        """Caller + agent into a ConfBridge room, then ring the responsible unit into it.

        Raises `conference_failed` if the two legs could not be moved, `conference_unit_unreachable` (details: room,
        reason) if the unit did not answer — the caller and the agent then stay together in the room."""
        number = _number(unit_number)
        room = room or _new_room()
        if not _ROOM.match(room):
            raise TelephonyError(f"conference room must be digits: {room!r}", code="conference_failed")
        await self._act(
            "Redirect",
            {
                "Channel": _channel(caller_channel), "Context": self.seat.conference_context, "Exten": room,
                "Priority": 1, "ExtraChannel": _channel(agent_channel),
                "ExtraContext": self.seat.conference_context, "ExtraExten": room, "ExtraPriority": 1,
            },
            "conference_failed",
        )
        data = ",".join(p for p in (room, self.seat.conference_bridge_profile, self.seat.conference_user_profile) if p)
        response = await self._originate(
            {
                "Channel": f"Local/{number}@{self.seat.outbound_context}", "Application": "ConfBridge", "Data": data,
                "CallerID": self.seat.caller_id, "Timeout": int(self.seat.ring_timeout_seconds * 1000),
                "Async": True,
            },
            "conference_failed", purpose={"number": number, "room": room},
        )
        outcome = _outcome(response)
        if outcome is not OriginateOutcome.ANSWERED:
            raise TelephonyError(
                f"the unit {number} was not reached ({outcome}); caller and agent stay in conference {room}",
                code="conference_unit_unreachable", details={"room": room, "reason": outcome, "number": number},
            )
        return ThreeWayResult(room=room, unit_number=number, unit_channel=response.get("Channel"))

    async def leave_conference(self, room: str, agent_channel: str) -> None:
        """The agent leaves; the caller and the unit stay."""
        await self._act("ConfbridgeKick", {"Conference": room, "Channel": _channel(agent_channel)},
                        "conference_failed")

    async def callback(self, number: str, *, work_order_id: str | None = None) -> CallbackResult:
        """Ring the agent's phone, then (from the callback context) the caller, showing the hotline's number.

        Never retried: if the connection breaks while the Originate is in flight, `ami_connection_lost` is raised
        with details may_have_run=True and the agent decides."""
        target = _number(number)
        variables = [f"CALLBACK_NUMBER={target}"]
        if work_order_id:
            variables.append(f"WORK_ORDER={work_order_id}")
        fields: dict[str, FieldValue] = {
            "Channel": self.seat.interface, "Context": self.seat.callback_context, "Exten": target, "Priority": 1,
            "CallerID": self.seat.caller_id, "Timeout": int(self.seat.ring_timeout_seconds * 1000), "Async": True,
            "Variable": variables,
        }
        action_id = _new_action_id("cb")
        loop = asyncio.get_running_loop()
        pending = _Originate(response=loop.create_future(), dial_end=loop.create_future())
        response = await self._originate(fields, "callback_failed", action_id=action_id, pending=pending)
        agent_channel = response.get("Channel")
        agent_outcome = _outcome(response)
        if agent_outcome is not OriginateOutcome.ANSWERED:
            return CallbackResult(action_id, target, agent_outcome, None, agent_channel, response.get("Uniqueid"))
        # The caller's leg: the DialEnd whose Channel is the agent's leg. It may already have arrived (cached).
        customer: str | None = None
        dial_end: AmiMessage | None = self._dial_ends.pop(agent_channel or "", None)
        if dial_end is not None:
            customer = dial_end.get("DialStatus")
        elif agent_channel and pending.dial_end is not None:
            pending.channel = agent_channel
            self._originates[action_id] = pending
            try:
                dial_end = await asyncio.wait_for(pending.dial_end, self.seat.customer_answer_seconds)
                customer = dial_end.get("DialStatus")
            except (TimeoutError, TelephonyError) as exc:  # the agent talks; we only do not know the caller's fate
                log.warning("callback %s: no DialEnd for the caller's leg (%s)", action_id, type(exc).__name__)
            finally:
                self._originates.pop(action_id, None)
        uniqueid = response.get("Uniqueid")
        # Asterisk's own name first (ChanVariable MIXMONITOR_FILENAME on the seat's leg: the absolute path, as for
        # inbound calls); the dialplan's pattern only when manager.conf has no channelvars.
        recording = (_chan_variable(dial_end, "MIXMONITOR_FILENAME") if dial_end is not None else "") or (
            self.seat.callback_recording.format(number=target, uniqueid=uniqueid)
            if self.seat.callback_recording and uniqueid else None)
        return CallbackResult(action_id, target, OriginateOutcome.ANSWERED, customer, agent_channel, uniqueid,
                              recording)

    def playback_data(self, recording: str) -> str:
        """Playback's argument for a recording's name: the path without the extension (Asterisk picks the format),
        in `recordings_dir` unless the name is a path already. `invalid_recording` for a name Playback would read as
        several files or options (`&`, `,`) or that leaves the directory (`..`)."""
        name = recording.strip()
        if (not name or any(c in name for c in ",&|\r\n\x00") or ".." in name.split("/")
                or not _RECORDING_NAME.fullmatch(name)):
            raise TelephonyError(f"not a recording's name: {recording!r}", code="invalid_recording",
                                 details={"recording": recording})
        stem, dot, extension = name.rpartition(".")
        if dot and "/" not in extension:
            name = stem
        if not name.startswith("/"):
            name = f"{self.seat.recordings_dir.rstrip('/')}/{name}"
        return name

    async def play_recording(self, recording: str) -> PlaybackResult:
        """Ring the seat's phone and play it `recording` (the agent hears an automated visit's recording without
        reaching the PBX's files). Never retried, like a callback."""
        data = self.playback_data(recording)
        fields: dict[str, FieldValue] = {
            "Channel": self.seat.interface, "Application": "Playback", "Data": data,
            "CallerID": self.seat.caller_id, "Timeout": int(self.seat.ring_timeout_seconds * 1000), "Async": True,
        }
        action_id = _new_action_id("pb")
        response = await self._originate(fields, "playback_failed", action_id=action_id)
        outcome = _outcome(response)
        return PlaybackResult(action_id, data, outcome,
                              response.get("Channel") if outcome is OriginateOutcome.ANSWERED else None)

    async def survey(self, number: str, *, work_order_id: str = "", attempt_id: str = "") -> SurveyCall:
        """Call a citizen into the survey (Local/<number>@outbound → survey,s). The Originate sets the citizen's number
        as the survey channel's caller ID, so Asterisk's `UserEvent: Survey` names it (`Caller:` is empty otherwise,
        live-2026-12/06); the tracker ties the result to this ActionID's number and order in any case. The citizen
        still sees the hotline's number: the outbound context sets it on the dialled leg.

        `attempt_id` goes to the dialplan as SURVEY_ATTEMPT: the survey context writes a valid digit to AstDB under
        `survey/<attempt_id>` before it reports it, so a dialer that dies before its report can be recovered from."""
        target = _number(number)
        fields: dict[str, FieldValue] = {
            "Channel": f"Local/{target}@{self.seat.outbound_context}", "Context": self.seat.survey_context,
            "Exten": "s", "Priority": 1, "CallerID": f"<{target}>",
            "Timeout": int(self.seat.ring_timeout_seconds * 1000), "Async": True,
        }
        variables = [f"WORK_ORDER={work_order_id}"] if work_order_id else []
        if attempt_id:
            if not _ASTDB_KEY.fullmatch(attempt_id):
                raise TelephonyError(f"not a survey attempt id for AstDB: {attempt_id!r}", code="bad_attempt_id",
                                     details={"attempt_id": attempt_id})
            variables.append(f"SURVEY_ATTEMPT={attempt_id}")
        if variables:
            fields["Variable"] = variables
        action_id = _new_action_id("sv")
        response = await self._originate(fields, "survey_failed", action_id=action_id,
                                         purpose={"number": target, "work_order": work_order_id})
        outcome = _outcome(response)
        uniqueid = response.get("Uniqueid")
        channel = response.get("Channel") or None
        return SurveyCall(action_id, target, work_order_id, outcome, uniqueid if uniqueid != "<unknown>" else None,
                          channel if outcome is OriginateOutcome.ANSWERED else None)

    # AstDB ------------------------------------------------------------------------------------------------------------
    async def astdb_get(self, family: str, key: str) -> str | None:
        """The value AstDB holds under family/key, None when there is none. Asterisk 20 answers a found key as a list
        (Success "Result will follow", `DBGetResponse` with Family/Key/Val, `DBGetComplete`) and a missing one with
        `Response: Error` "Database entry not found" (main/db.c manager_dbget). Needs `system` or `reporting` write."""
        _astdb_name(family, key)
        try:
            reply = await self.connection.send_action("DBGet", {"Family": family, "Key": key})
        except TelephonyError as exc:
            if exc.code == "ami_action_failed" and "not found" in str(exc.details.get("message", "")).lower():
                return None
            raise TelephonyError(f"DBGet {family}/{key} failed: {exc.message}", code="astdb_failed",
                                 details={"family": family, "key": key, "message": exc.details.get("message", "")}
                                 ) from exc
        for message in reply if isinstance(reply, list) else [reply]:
            if message.event == "DBGetResponse" and message.get("Key") == key:
                return message.get("Val", "")
        return None

    async def astdb_del(self, family: str, key: str) -> bool:
        """Delete family/key from AstDB: True when deleted, False when there was none. Needs `system` write, which the
        sample manager.conf does not grant (`TelephonyError` `astdb_not_permitted`)."""
        _astdb_name(family, key)
        try:
            await self.connection.send_action("DBDel", {"Family": family, "Key": key})
        except TelephonyError as exc:
            message = str(exc.details.get("message", ""))
            if exc.code == "ami_action_failed" and "not found" in message.lower():
                return False
            code = "astdb_not_permitted" if "permission denied" in message.lower() else "astdb_failed"
            raise TelephonyError(f"DBDel {family}/{key} failed: {exc.message}", code=code,
                                 details={"family": family, "key": key, "message": message}) from exc
        return True

    # Recording --------------------------------------------------------------------------------------------------------
    def recording_name(self, call_id: str) -> str:
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%d-%H%M%S")
        safe = re.sub(r"[^0-9A-Za-z._-]", "_", call_id)[:80] or "call"
        return f"{self.seat.recording_prefix}{stamp}-{safe}.{self.seat.recording_format}"

    def dialplan_recording_name(self, caller: str, uniqueid: str) -> str | None:
        """The name the dialplan's MixMonitor gave an inbound queue call (None if it does not record)."""
        if not self.seat.dialplan_recording or not uniqueid:
            return None
        return self.seat.dialplan_recording.format(caller=caller, uniqueid=uniqueid)

    async def start_recording(self, channel: str, call_id: str) -> str:
        """Record the call (both directions mixed) and return the file name to keep on the work order.

        Needs `system` write permission: with the least-privilege sample manager.conf Asterisk answers "Permission
        denied" (`recording_failed`) — the dialplan records every call there anyway (`dialplan_recording_name`)."""
        name = self.recording_name(call_id)
        fields: dict[str, FieldValue] = {"Channel": _channel(channel), "File": name}
        if self.seat.recording_options:
            fields["Options"] = self.seat.recording_options
        await self._act("MixMonitor", fields, "recording_failed")
        return name

    async def stop_recording(self, channel: str) -> None:
        await self._act("StopMixMonitor", {"Channel": _channel(channel)}, "recording_failed")

    # Internals --------------------------------------------------------------------------------------------------------
    async def _act(
        self, name: str, fields: Mapping[str, FieldValue], code: str, *, ok_if: str | None = None
    ) -> AmiMessage:
        try:
            reply = await self.connection.send_action(name, fields)
        except TelephonyError as exc:
            if exc.code != "ami_action_failed":
                raise
            message = str(exc.details.get("message", ""))
            if ok_if and ok_if in message.lower():
                log.info("%s: %s (already so; fine)", name, message)
                return AmiMessage([("Response", "Success"), ("Message", message)])
            raise TelephonyError(f"{name} refused by Asterisk: {message}", code=code,
                                 details={"action": name, "message": message}) from exc
        assert isinstance(reply, AmiMessage)
        return reply

    async def _originate(
        self, fields: Mapping[str, FieldValue], code: str, *, action_id: str | None = None,
        pending: _Originate | None = None, purpose: Mapping[str, str] | None = None,
    ) -> AmiMessage:
        """Send an async Originate and wait for its OriginateResponse (registered BEFORE sending: no race)."""
        action_id = action_id or _new_action_id("og")
        loop = asyncio.get_running_loop()
        pending = pending or _Originate(response=loop.create_future())
        self._originates[action_id] = pending
        if self.on_originate is not None:
            self.on_originate(action_id, **(purpose or {}))
        try:
            try:
                await self.connection.send_action("Originate", fields, action_id=action_id)
            except TelephonyError as exc:
                if exc.code != "ami_action_failed":
                    raise
                message = str(exc.details.get("message", ""))
                raise TelephonyError(f"Originate refused by Asterisk: {message}", code=code,
                                     details={"action": "Originate", "message": message}) from exc
            limit = self.seat.ring_timeout_seconds + 15.0
            try:
                return await asyncio.wait_for(asyncio.shield(pending.response), limit)
            except TimeoutError:
                raise TelephonyError(f"no OriginateResponse within {limit:g} s", code=code,
                                     details={"action_id": action_id}) from None
        finally:
            self._originates.pop(action_id, None)

    def _on_connection_state(self, state: Any, _error: TelephonyError | None) -> None:
        """The session dropped: an OriginateResponse can no longer arrive. Fail the waits now (never re-dial)."""
        if str(state) not in ("lost", "failed", "closed"):
            return
        for action_id, pending in list(self._originates.items()):
            for future in (pending.response, pending.dial_end):
                if future is not None and not future.done():
                    future.set_exception(TelephonyError(
                        "the AMI connection was lost while waiting for the outcome of an Originate; the call may be "
                        "ringing and was NOT placed again", code="ami_connection_lost",
                        details={"action_id": action_id, "may_have_run": True},
                    ))
                    future.exception()  # retrieved here; the waiter (if any) gets it too

    def _on_originate_response(self, message: AmiMessage) -> None:
        pending = self._originates.get(message.action_id or "")
        if pending is not None and not pending.response.done():
            pending.response.set_result(message)

    def _on_dial_begin(self, message: AmiMessage) -> None:
        consult = self._consults.get(message.get("Channel") or "")
        if consult is not None and message.get("DestChannel"):
            consult[1].insert(0, message["DestChannel"])

    def _on_dial_end(self, message: AmiMessage) -> None:
        channel = message.get("Channel")
        if not channel:
            return
        consult = self._consults.get(channel)
        if consult is not None and message.get("DialStatus") not in (None, "", "RINGING", "PROGRESS", "PROCEEDING"):
            if not consult[0].done():
                consult[0].set_result(message)
            return
        for pending in self._originates.values():
            if pending.channel == channel and pending.dial_end is not None and not pending.dial_end.done():
                pending.dial_end.set_result(message)
                return
        # The DialEnd may come before we learned the agent's channel from OriginateResponse: keep it briefly.
        self._dial_ends[channel] = message
        while len(self._dial_ends) > 200:
            self._dial_ends.popitem(last=False)


def _outcome(response: AmiMessage) -> OriginateOutcome:
    """An OriginateResponse's outcome (its Reason, the AST_CONTROL_* code: the tracker's table); a Failure is never
    answered."""
    reason = response.get("Reason", "")
    outcome = ORIGINATE_REASONS.get(int(reason) if reason.isdigit() else -1, OriginateOutcome.FAILED)
    if outcome is OriginateOutcome.ANSWERED and (response.response or "").lower() != "success":
        return OriginateOutcome.FAILED
    return outcome


#: What may name an AstDB entry of the survey (an attempt id is `<order id>#<n>`): no `/` (AstDB's separator), no
#: `,` (the Originate's Variable list separator), nothing the dialplan would expand.
#: a recording's name or path: letters, digits and the separators MixMonitor names use
_RECORDING_NAME = re.compile(r"[0-9A-Za-z_./*+:@=-]{1,255}")
_ASTDB_KEY = re.compile(r"[0-9A-Za-z_.:#-]{1,120}")


def _astdb_name(family: str, key: str) -> None:
    if not _ASTDB_KEY.fullmatch(family) or not _ASTDB_KEY.fullmatch(key):
        raise TelephonyError(f"not an AstDB family/key: {family!r}/{key!r}", code="bad_astdb_key",
                             details={"family": family, "key": key})


def _chan_variable(message: AmiMessage, name: str) -> str:
    prefix = name + "="
    for value in message.get_all("ChanVariable"):
        if value.startswith(prefix):
            return value[len(prefix):]
    return ""


def _channel(text: str) -> str:
    value = text.strip()
    if not value or any(c in value for c in "\r\n\x00"):
        raise TelephonyError("no channel given (the call may have ended)", code="invalid_channel")
    return value


def _number(text: str) -> str:
    value = re.sub(r"[\s-]", "", text)
    if not _NUMBER.match(value):
        raise TelephonyError(f"not a phone number: {text!r}", code="invalid_number")
    return value


def _new_room() -> str:
    return "9" + "".join(secrets.choice("0123456789") for _ in range(7))


def _new_action_id(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(6)}"


