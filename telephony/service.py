"""The telephony facade a front end (the desktop, the CLI, the survey dialer) uses: one AMI connection + the call
tracker + call control, driven by call id.

Kept thin on purpose: the connection guards the wire, the tracker owns call state, control owns actions. The service
only wires them together:
- every AMI event goes to the tracker; its domain events go to the service's listeners;
- on every (re)connect it lists CoreShowChannels + QueueStatus and hands them to `tracker.resync`, so after Asterisk
  restarts mid-call no ghost call stays on screen and no live call is missed;
- when a seat's answered call ends, it starts after-call work (pause, then ready after the configured time);
- before each Originate, control tells the tracker its ActionID so callback outcomes are attributed to this seat.

Front-end contract (the same shape as `asr.service` and `sync.service`):
- `await start()` / `await stop()` on the runtime's loop; `health` (one `Health` value) and `on_health(cb)`;
- `on_event(cb)` for the tracker's domain events; every registration returns a `Subscription` (`.cancel()`);
- call actions by call id, not channel name — `hold`, `resume`, `blind_transfer`, `three_way`, `leave_conference`,
  `hangup` — and seat actions: `callback` / `callback_order`, `queue_login` / `queue_logout`, `pause(reason)`,
  `ready`, `after_call_work`. They are coroutines: a UI thread submits them (`Runtime.submit`) and gets a future at
  once. `calls` is the tracker's live calls as an immutable tuple, safe to read from any thread.
Listeners run on the loop thread; they must not block (a Qt bridge re-emits them as queued signals).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from agent_desktop.core.errors import TelephonyError
from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.listeners import Listeners, Subscription
from agent_desktop.core.services import TaskSupervisor
from agent_desktop.core.work_order import WorkOrder
from telephony.ami.connection import AmiConnection, AmiSettings, ConnectionState
from telephony.ami.protocol import AmiMessage, FieldValue
from telephony.control import (
    AFTER_CALL_WORK_REASON,
    CallbackResult,
    CallControl,
    PlaybackResult,
    SeatConfig,
    SurveyCall,
    ThreeWayResult,
)
from telephony.tracking.events import (
    AfterCallWorkEnded,
    AfterCallWorkStarted,
    CallAnswered,
    CallEnded,
    DomainEvent,
    LiveCall,
    PauseStateChanged,
    SeatLegStranded,
)
from telephony.tracking.tracker import CallTracker

# The UI imports only this module (tests/test_layering.py): everything it needs is re-exported here.
__all__ = [
    "AmiSettings",
    "CallControl",
    "CallbackResult",
    "ConnectionState",
    "DomainEvent",
    "DomainListener",
    "Health",
    "HealthState",
    "LiveCall",
    "SeatConfig",
    "Subscription",
    "SurveyCall",
    "TelephonyService",
    "ThreeWayResult",
]

log = logging.getLogger(__name__)

DomainListener = Callable[[DomainEvent], Awaitable[object] | object]

#: Events held back while a resync collects its lists (a few hundred ms); a bound so a flood cannot exhaust memory.
_MAX_HELD = 100_000


class TelephonyService:
    """Create and use on one asyncio loop (a UI thread submits the coroutines through `Runtime.submit`)."""

    SERVICE = "telephony"

    def __init__(
        self,
        settings: AmiSettings,
        seat: SeatConfig | None = None,
        *,
        interface: str | None = None,
        queues: tuple[str, ...] | None = None,
        clock: Callable[[], datetime] | None = None,
        connection: AmiConnection | None = None,
        resync_interval: float | None = 300.0,
    ):
        self.settings = settings
        self.seat = seat
        self._clock = clock or (lambda: datetime.now(UTC))
        self.connection = connection or AmiConnection(settings)
        tracked_queues = queues if queues is not None else (seat.queues if seat else None)
        # A seat's tracker follows that phone; without a seat (calls watch) `interface` may narrow it, or all calls.
        self.tracker = CallTracker(interface=seat.interface if seat else interface, queues=tracked_queues)
        self.control: CallControl | None = (
            CallControl(self.connection, seat, on_originate=self.tracker.expect_originate, clock=self._clock)
            if seat
            else None
        )
        self._events: Listeners[[DomainEvent]] = Listeners("telephony", on_awaitable=self._spawn_listener)
        self._states: Listeners[[ConnectionState, TelephonyError | None]] = Listeners(
            "telephony state", on_awaitable=self._spawn_listener)
        self._health_listeners: Listeners[[Health]] = Listeners("telephony health")
        self._health = Health(self.SERVICE, HealthState.STOPPED, "not started", self._clock())
        self._calls: tuple[LiveCall, ...] = ()
        self._rooms: dict[str, str] = {}  # call id -> conference room this desktop opened for it
        self._tasks: set[asyncio.Task[Any]] = set()
        self._resync_lock = asyncio.Lock()
        self._held: list[tuple[AmiMessage, datetime]] | None = None  # events held back during a resync
        self.resyncs = 0
        #: seconds between resyncs while connected: calls Asterisk no longer has (their end never reported) are
        #: dropped, so the tracker's memory stays bounded on a stream that loses events; None = only on (re)connect
        self.resync_interval = resync_interval
        self._periodic: asyncio.Task[None] | None = None
        self.connection.add_event_listener(self._on_ami_event)
        self.connection.add_state_listener(self._on_state)

    # Wiring -----------------------------------------------------------------------------------------------------------
    def on_event(self, callback: DomainListener) -> Subscription:
        """`callback(domain_event)` for each tracker event, on the loop thread (sync or async; exceptions logged)."""
        return self._events.add(callback)

    def on_dial_progress(self, callback: Callable[[str, str], Any]) -> Callable[[AmiMessage], None]:
        """`callback(channel, dialled)` when a dialled leg signals progress with early media (app_dial's `DialState
        DialStatus: PROGRESS`, the trunk's 183: a carrier's recording before any answer). `channel` is the dialling
        channel (a survey's Local `;2`), `dialled` the trunk leg."""

        def listen(message: AmiMessage) -> None:
            if message.get("DialStatus") == "PROGRESS":
                callback(str(message.get("Channel") or ""), str(message.get("DestChannel") or ""))

        return self.connection.add_event_listener(listen, "DialState")

    def on_connection(self, callback: Callable[[ConnectionState, TelephonyError | None], Any]) -> Subscription:
        """`callback(state, error)` on every change of the AMI connection."""
        return self._states.add(callback)

    def on_health(self, callback: Callable[[Health], Any]) -> Subscription:
        """`callback(health)` whenever the health value changes."""
        return self._health_listeners.add(callback)

    def add_listener(self, callback: DomainListener) -> DomainListener:
        """`on_event` for callers that keep the callback rather than a handle."""
        self._events.add(callback)
        return callback

    def add_state_listener(self, callback: Callable[[ConnectionState, TelephonyError | None], Any]) -> None:
        self._states.add(callback)

    @property
    def health(self) -> Health:
        return self._health

    @property
    def calls(self) -> tuple[LiveCall, ...]:
        """The live calls as of the last tracker event: an immutable value, safe to read from any thread."""
        return self._calls

    def snapshot(self) -> tuple[LiveCall, ...]:
        return self.tracker.snapshot()

    def live_call(self, call_id: str) -> LiveCall | None:
        return next((call for call in self._calls if call.call_id == call_id), None)

    @property
    def connected(self) -> bool:
        return self.connection.connected

    async def start(self, supervisor: TaskSupervisor | None = None) -> None:
        """Connect now (TelephonyError on failure); resync runs as soon as the session is up. (`supervisor`: the
        service contract's; telephony's one long-lived task, the connection's reconnect loop, guards itself.)"""
        self._set_health(HealthState.STARTING, f"connecting to AMI {self.settings.host}:{self.settings.port}")
        await self.connection.start()

    def start_in_background(self) -> None:
        self.connection.start_in_background()

    async def stop(self) -> None:
        """Log off and end every task of the service (the same contract as the speech and sync services)."""
        await self.aclose()

    async def aclose(self) -> None:
        if self.control is not None:
            await self.control.aclose()
        await self.connection.aclose()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._set_health(HealthState.STOPPED, "stopped")

    # Event flow -------------------------------------------------------------------------------------------------------
    def _on_ami_event(self, message: AmiMessage) -> None:
        if self._held is not None:  # a resync is collecting its lists: apply this after the snapshot
            if len(self._held) < _MAX_HELD:
                self._held.append((message, self._clock()))
            else:
                log.warning("AMI events arrive faster than the resync completes; an event was dropped")
            return
        self._emit(self.tracker.feed(message, self._clock()))

    def _emit(self, events: list[DomainEvent]) -> None:
        if events:
            self._calls = self.tracker.snapshot()  # before the listeners: they may ask for the call's channels
        for event in events:
            if isinstance(event, CallEnded):
                self._rooms.pop(event.call_id, None)
            self._events.emit(event)
            if self.control is None:
                continue
            if isinstance(event, PauseStateChanged | AfterCallWorkStarted | AfterCallWorkEnded):
                if not event.interface or event.interface.lower() == self.control.seat.interface.lower():
                    paused = isinstance(event, AfterCallWorkStarted) or (
                        isinstance(event, PauseStateChanged) and event.paused)
                    reason = AFTER_CALL_WORK_REASON if isinstance(event, AfterCallWorkStarted) else (
                        event.reason if isinstance(event, PauseStateChanged) else "")
                    self.control.observe_pause(paused, reason)
            elif isinstance(event, SeatLegStranded) and event.channel:
                # Parked in hold-agent or alone in a ConfBridge room: only a hangup frees the phone and the member.
                self._spawn(self._release(event.channel), "release-seat-leg")
            elif isinstance(event, CallEnded) and event.answered:
                self._spawn(self._after_call_work(), "after-call-work")
            elif isinstance(event, CallAnswered) and event.recording is None and event.direction == "inbound":
                # Asterisk's events do not name the dialplan's recording; its name follows from the dialplan.
                name = self.control.dialplan_recording_name(event.caller, event.caller_uniqueid)
                if name:
                    self._emit(self.tracker.note_recording(event.caller_uniqueid, name, self._clock()))

    async def send_action(self, name: str, fields: Mapping[str, FieldValue] | None = None, **options: Any) -> Any:
        """A raw AMI action through the guarded connection (e.g. the audio fork's Originate); see
        `AmiConnection.send_action` for the options and the TelephonyError codes."""
        return await self.connection.send_action(name, fields, **options)

    # Call actions by call id ------------------------------------------------------------------------------------------
    def _control(self) -> CallControl:
        if self.control is None:
            raise TelephonyError("this desktop has no seat configured (no phone interface)", code="no_seat")
        return self.control

    def _answered_call(self, call_id: str, action: str) -> LiveCall:
        """The live call `call_id`, answered, with both legs known — else a TelephonyError that says why."""
        call = self.live_call(call_id) or next((c for c in self.tracker.snapshot() if c.call_id == call_id), None)
        if call is None:
            raise TelephonyError(f"no live call {call_id} (it may have ended)", code="unknown_call",
                                 details={"call_id": call_id, "action": action})
        if str(call.state) != "answered" or not call.caller_channel or not call.agent_channel:
            raise TelephonyError(f"{action} needs an answered call; call {call_id} is {call.state}",
                                 code="call_action_not_allowed",
                                 details={"call_id": call_id, "action": action, "state": str(call.state)})
        return call

    async def hold(self, call_id: str) -> None:
        """The caller hears music on hold; the agent's phone waits in silence."""
        call = self._answered_call(call_id, "hold")
        if call.on_hold:
            raise TelephonyError(f"call {call_id} is already on hold", code="call_action_not_allowed",
                                 details={"call_id": call_id, "action": "hold"})
        await self._control().hold(call.caller_channel, call.agent_channel)

    async def resume(self, call_id: str) -> None:
        """Caller and agent talk again (after `hold`)."""
        call = self._answered_call(call_id, "resume")
        await self._control().resume_call(call.caller_channel, call.agent_channel)

    async def blind_transfer(self, call_id: str, number: str) -> None:
        """The caller goes to `number`; the agent's leg ends."""
        call = self._answered_call(call_id, "blind_transfer")
        await self._control().blind_transfer(call.agent_channel, number)

    async def three_way(self, call_id: str, unit_number: str) -> ThreeWayResult:
        """Caller and agent into a conference, then the responsible unit's number rung into it (三方通话)."""
        call = self._answered_call(call_id, "three_way")
        if call.conference:
            raise TelephonyError(f"call {call_id} is already a conference", code="call_action_not_allowed",
                                 details={"call_id": call_id, "action": "three_way"})
        try:
            result = await self._control().start_three_way(call.caller_channel, call.agent_channel, unit_number)
        except TelephonyError as exc:
            room = exc.details.get("room")
            if room:  # the unit was not reached, but caller and agent are in the room now
                self._rooms[call_id] = str(room)
            raise
        self._rooms[call_id] = result.room
        return result

    async def leave_conference(self, call_id: str) -> None:
        """The agent leaves the three-way call; the caller and the unit stay."""
        call = self._answered_call(call_id, "leave_conference")
        room = call.conference or self._rooms.get(call_id)
        if not room:
            raise TelephonyError(f"call {call_id} is not a conference", code="call_action_not_allowed",
                                 details={"call_id": call_id, "action": "leave_conference"})
        await self._control().leave_conference(room, call.agent_channel)

    async def hangup(self, call_id: str) -> None:
        """End the call from the agent's side (the agent's leg; a call still ringing: the caller's)."""
        call = self.live_call(call_id) or next((c for c in self.tracker.snapshot() if c.call_id == call_id), None)
        if call is None:
            raise TelephonyError(f"no live call {call_id} (it may have ended)", code="unknown_call",
                                 details={"call_id": call_id, "action": "hangup"})
        await self._control().hangup(call.agent_channel or call.caller_channel)

    async def hangup_channel(self, channel: str) -> None:
        """Hang up one channel by name (a survey call's Local `;1`, `SurveyCall.channel`: Asterisk ends its `;2` half
        and the citizen's leg with it). `TelephonyError` `hangup_failed` when it is already gone."""
        await self._control().hangup(channel)

    async def start_recording(self, channel: str, call_id: str) -> str:
        """MixMonitor the call; the file name goes to the tracker (RecordingStarted) and is returned."""
        name = await self._control().start_recording(channel, call_id)
        self._emit(self.tracker.note_recording(channel, name, self._clock()))
        return name

    # Seat actions -----------------------------------------------------------------------------------------------------
    async def callback(self, number: str, *, work_order_id: str | None = None) -> CallbackResult:
        result = await self._control().callback(number, work_order_id=work_order_id)
        if result.recording and result.agent_channel:
            self._emit(self.tracker.note_recording(result.agent_channel, result.recording, self._clock()))
        return result

    async def play_recording(self, recording: str) -> PlaybackResult:
        """Ring the seat's phone and play it a recording (an automated visit's, for the manual revisit)."""
        return await self._control().play_recording(recording)

    async def survey(self, number: str, *, work_order_id: str = "", attempt_id: str = "") -> SurveyCall:
        """Call a citizen into the survey; the result arrives as `survey_result` tied to this number and order (and,
        with `attempt_id`, is kept in AstDB under survey/<attempt_id> the moment it is pressed)."""
        return await self._control().survey(number, work_order_id=work_order_id, attempt_id=attempt_id)

    async def astdb_get(self, family: str, key: str) -> str | None:
        """AstDB's value under family/key (None: no such entry)."""
        return await self._control().astdb_get(family, key)

    async def astdb_del(self, family: str, key: str) -> bool:
        """Delete family/key from AstDB (False: there was none); `astdb_not_permitted` without `system` write."""
        return await self._control().astdb_del(family, key)

    async def _release(self, channel: str) -> None:
        assert self.control is not None
        try:
            await self.control.hangup(channel)
        except TelephonyError as exc:  # already gone (the phone hung up first): nothing is left to free
            log.info("stranded seat leg not hung up: %s (%s)", exc.message, exc.code)

    async def callback_order(self, order: WorkOrder) -> CallbackResult:
        """Call the caller of a work order back (回拨), the order's id passed to the dialplan. An anonymous caller's
        sealed number must be opened by the caller of this method first: `TelephonyError` `no_number` otherwise."""
        number = order.caller.phone
        if not isinstance(number, str) or not number.strip():
            raise TelephonyError(f"work order {order.order_id} has no plain callback number", code="no_number",
                                 details={"order_id": order.order_id})
        return await self.callback(number, work_order_id=order.order_id)

    async def queue_login(self, *, paused: bool = False) -> None:
        await self._control().queue_login(paused=paused)

    async def queue_logout(self) -> None:
        await self._control().queue_logout()

    async def pause(self, reason: str) -> None:
        """Not ready, with a reason (lunch, training, ...)."""
        await self._control().pause(reason)

    async def ready(self) -> None:
        """Ready again (ends a pause or after-call work)."""
        await self._control().resume()

    async def after_call_work(self, seconds: float | None = None) -> bool:
        """Pause for after-call work, ready again after `seconds` (default: the seat's setting). False when another
        pause is on (it wins)."""
        return await self._control().start_after_call_work(seconds)

    async def _after_call_work(self) -> None:
        assert self.control is not None
        try:
            await self.control.start_after_call_work()
        except TelephonyError as exc:
            log.warning("after-call work not started: %s (%s)", exc.message, exc.code)

    # Connection and health --------------------------------------------------------------------------------------------
    def _on_state(self, state: ConnectionState, error: TelephonyError | None) -> None:
        if state in (ConnectionState.CONNECTED, ConnectionState.RECONNECTED):
            self._spawn(self._resync_quietly(), "ami-resync")
            if self.resync_interval and (self._periodic is None or self._periodic.done()):
                self._periodic = asyncio.ensure_future(self._resync_periodically(self.resync_interval))
                self._tasks.add(self._periodic)
                self._periodic.add_done_callback(self._task_done)
        self._set_health(*_health_of(state, error))
        self._states.emit(state, error)

    def _set_health(self, state: HealthState, detail: str) -> None:
        health = self._health.moved_to(state, detail, self._clock())
        if health != self._health:
            self._health = health
            self._health_listeners.emit(health)

    def report_failure(self, task: str, error: BaseException) -> None:
        """A supervised task of this service died (the runtime's supervisor tells): shown in the health value."""
        self._set_health(HealthState.DEGRADED, f"{task} failed: {type(error).__name__}")

    async def _resync_periodically(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if self.connection.connected:
                await self._resync_quietly()

    async def _resync_quietly(self) -> None:
        try:
            await self.resync()
        except TelephonyError as exc:  # the next reconnect resyncs again
            log.warning("resync after connect failed: %s (%s)", exc.message, exc.code)

    async def resync(self) -> list[DomainEvent]:
        """Rebuild the tracker from CoreShowChannels + QueueStatus; returns (and emits) the correcting events.

        Live events that arrive while the lists are being collected are held back and applied AFTER the snapshot:
        the lists describe an earlier moment, so applying a newer event first (a call that just started) and then
        the older snapshot would end that call as a ghost."""
        async with self._resync_lock:
            self._held = []
            try:
                channels = await self.connection.send_action("CoreShowChannels", as_list=True)
                queue_fields = {"Queue": self.seat.queues[0]} if self.seat and len(self.seat.queues) == 1 else {}
                queues = await self.connection.send_action("QueueStatus", queue_fields, as_list=True)
                assert isinstance(channels, list) and isinstance(queues, list)
                channel_items = [m for m in channels if m.event == "CoreShowChannel"]
                queue_items = [m for m in queues if m.event in ("QueueParams", "QueueMember", "QueueEntry")]
                events = self.tracker.resync(channel_items, queue_items, self._clock())
                self.resyncs += 1
                self._calls = self.tracker.snapshot()
                self._emit(events)
            finally:
                held, self._held = self._held, None
                for message, seen_at in held:  # nothing is lost, even if the resync failed
                    self._emit(self.tracker.feed(message, seen_at))
        return events

    # Helpers ----------------------------------------------------------------------------------------------------------
    def _spawn_listener(self, awaitable: Awaitable[Any]) -> None:
        self._spawn(awaitable, "telephony-listener")

    def _spawn(self, awaitable: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(awaitable)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        with contextlib.suppress(asyncio.CancelledError):
            if task.exception() is not None:
                log.error("telephony task %s failed", task.get_name(), exc_info=task.exception())


def _health_of(state: ConnectionState, error: TelephonyError | None) -> tuple[HealthState, str]:
    reason = f": {error.message}" if error is not None else ""
    if state in (ConnectionState.CONNECTED, ConnectionState.RECONNECTED):
        return HealthState.UP, "AMI connected"
    if state is ConnectionState.CONNECTING:
        return HealthState.STARTING, "connecting to AMI"
    if state is ConnectionState.LOST:
        return HealthState.DEGRADED, f"AMI connection lost, reconnecting{reason}"
    if state is ConnectionState.FAILED:
        return HealthState.FAILED, f"AMI refused{reason}"
    return HealthState.STOPPED, "AMI closed"
