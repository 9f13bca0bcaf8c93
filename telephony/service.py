"""The telephony facade the UI (and the CLI) use: one AMI connection + the call tracker + call control.

Kept thin on purpose: the connection guards the wire, the tracker owns call state, control owns actions. The service
only wires them together:
- every AMI event goes to the tracker; its domain events go to the service's listeners;
- on every (re)connect it lists CoreShowChannels + QueueStatus and hands them to `tracker.resync`, so after Asterisk
  restarts mid-call no ghost call stays on screen and no live call is missed;
- when a seat's answered call ends, it starts after-call work (pause, then ready after the configured time);
- before each Originate, control tells the tracker its ActionID so callback outcomes are attributed to this seat.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from agent_desktop.core.errors import TelephonyError
from telephony.ami.connection import AmiConnection, AmiSettings, ConnectionState
from telephony.ami.protocol import AmiMessage, FieldValue
from telephony.control import (
    AFTER_CALL_WORK_REASON,
    CallbackResult,
    CallControl,
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
    "LiveCall",
    "SeatConfig",
    "SurveyCall",
    "TelephonyService",
    "ThreeWayResult",
]

log = logging.getLogger(__name__)

DomainListener = Callable[[DomainEvent], Awaitable[object] | object]

#: Events held back while a resync collects its lists (a few hundred ms); a bound so a flood cannot exhaust memory.
_MAX_HELD = 100_000


class TelephonyService:
    """Create and use on one asyncio loop (the UI talks to it through `run_coroutine_threadsafe`)."""

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
        self._listeners: list[DomainListener] = []
        self._state_listeners: list[Callable[[ConnectionState, TelephonyError | None], Any]] = []
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
    def add_listener(self, callback: DomainListener) -> DomainListener:
        """`callback(domain_event)` for each tracker event (sync or async; exceptions are logged)."""
        self._listeners.append(callback)
        return callback

    def add_state_listener(self, callback: Callable[[ConnectionState, TelephonyError | None], Any]) -> None:
        self._state_listeners.append(callback)

    def snapshot(self) -> tuple[LiveCall, ...]:
        return self.tracker.snapshot()

    @property
    def connected(self) -> bool:
        return self.connection.connected

    async def start(self) -> None:
        """Connect now (TelephonyError on failure); resync runs as soon as the session is up."""
        await self.connection.start()

    def start_in_background(self) -> None:
        self.connection.start_in_background()

    async def aclose(self) -> None:
        if self.control is not None:
            await self.control.aclose()
        await self.connection.aclose()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

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
        for event in events:
            for callback in list(self._listeners):
                self._run(callback, event)
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

    # Call control that also informs the tracker ----------------------------------------------------------------------
    def _control(self) -> CallControl:
        if self.control is None:
            raise TelephonyError("this desktop has no seat configured (no phone interface)", code="no_seat")
        return self.control

    async def start_recording(self, channel: str, call_id: str) -> str:
        """MixMonitor the call; the file name goes to the tracker (RecordingStarted) and is returned."""
        name = await self._control().start_recording(channel, call_id)
        self._emit(self.tracker.note_recording(channel, name, self._clock()))
        return name

    async def callback(self, number: str, *, work_order_id: str | None = None) -> CallbackResult:
        result = await self._control().callback(number, work_order_id=work_order_id)
        if result.recording and result.agent_channel:
            self._emit(self.tracker.note_recording(result.agent_channel, result.recording, self._clock()))
        return result

    async def survey(self, number: str, *, work_order_id: str = "") -> SurveyCall:
        """Call a citizen into the survey; the result arrives as `survey_result` tied to this number and order."""
        return await self._control().survey(number, work_order_id=work_order_id)

    async def _release(self, channel: str) -> None:
        assert self.control is not None
        try:
            await self.control.hangup(channel)
        except TelephonyError as exc:  # already gone (the phone hung up first): nothing is left to free
            log.info("stranded seat leg not hung up: %s (%s)", exc.message, exc.code)

    async def _after_call_work(self) -> None:
        assert self.control is not None
        try:
            await self.control.start_after_call_work()
        except TelephonyError as exc:
            log.warning("after-call work not started: %s (%s)", exc.message, exc.code)

    def _on_state(self, state: ConnectionState, error: TelephonyError | None) -> None:
        if state in (ConnectionState.CONNECTED, ConnectionState.RECONNECTED):
            self._spawn(self._resync_quietly(), "ami-resync")
            if self.resync_interval and (self._periodic is None or self._periodic.done()):
                self._periodic = asyncio.ensure_future(self._resync_periodically(self.resync_interval))
                self._tasks.add(self._periodic)
                self._periodic.add_done_callback(self._task_done)
        for callback in list(self._state_listeners):
            self._run(callback, state, error)

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
                self._emit(events)
            finally:
                held, self._held = self._held, None
                for message, seen_at in held:  # nothing is lost, even if the resync failed
                    self._emit(self.tracker.feed(message, seen_at))
        return events

    # Helpers ----------------------------------------------------------------------------------------------------------
    def _run(self, callback: Callable[..., Any], *args: Any) -> None:
        try:
            result = callback(*args)
        except Exception:
            log.exception("telephony listener %r failed", callback)
            return
        if inspect.isawaitable(result):
            self._spawn(result, "telephony-listener")

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
