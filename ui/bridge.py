"""The bridge between the seat session (run on the runtime's asyncio thread) and the Qt thread.

- `SeatDesk.subscribe` and `on_notice`, and the facades' `on_health` / sync's `on_status` and `on_warnings`, call
  their listeners on the loop thread. The listeners here only hand the immutable value to Qt. A state, the sync
  status (operations waiting, centre connected) and each service's health are kept as "the latest" and one queued
  signal per burst delivers them: a catch-up of thousands of changes, whose every page moves the sync cursor and
  so the status, costs the Qt thread one render, not one queued call per change. The centre's warnings are read
  again once per burst of notifications. A notice crosses by a queued signal of its own. Nothing here blocks the
  loop, and nothing runs I/O or reads the store on the Qt thread.
- The window's intents go to `seat_desk.send(event)`, which never blocks.

The desk and the facades are duck-typed (`DeskPort`, `HealthSource`): the window is tested on real widgets without
any of them, and the bridge is tested with a real thread calling its listeners.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from agent_desktop.core.health import Health
from agent_desktop.desk import DeskState
from ui.qt import QObject, Qt, Signal, Slot
from ui.values import ServicesView, SpeechModel

log = logging.getLogger(__name__)


class DeskPort(Protocol):
    @property
    def desk(self) -> DeskPort:
        """For the side panels' reads (futures resolved off the Qt thread)."""
        return self._desk

    @property
    def state(self) -> DeskState: ...
    def subscribe(self, listener: Callable[[DeskState], None]) -> Any: ...
    def on_notice(self, listener: Callable[[Any], None]) -> Any: ...
    def send(self, event: object) -> None: ...


class HealthSource(Protocol):
    @property
    def health(self) -> Health: ...
    def on_health(self, listener: Callable[[Health], None]) -> Any: ...


class DeskBridge(QObject):
    state_changed = Signal(object)  # DeskState, on the Qt thread
    notice_arrived = Signal(object)  # the desk's Notice, on the Qt thread
    services_changed = Signal(object)  # ServicesView, on the Qt thread
    warnings_changed = Signal(object)  # tuple of the centre's warnings (第33条) the desk keeps, on the Qt thread
    _state_waiting = Signal()
    _notice_waiting = Signal(object)
    _services_waiting = Signal()  # the latest health values and sync status are kept under the lock
    _warnings_waiting = Signal(object)

    def __init__(self, desk: DeskPort, *, telephony: HealthSource | None = None, sync: Any = None,
                 speech: HealthSource | None = None, model: SpeechModel | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._lock = threading.Lock()
        self._latest: DeskState | None = None
        self._scheduled = False
        self._latest_services: dict[str, Any] = {}  # ServicesView's fields, newest value of each
        self._services_scheduled = False
        self._warnings_reading = False
        self._warnings_again = False
        queued = Qt.ConnectionType.QueuedConnection
        self._state_waiting.connect(self._deliver_state, queued)
        self._notice_waiting.connect(self.notice_arrived, queued)
        self._services_waiting.connect(self._deliver_services, queued)
        self._warnings_waiting.connect(self._deliver_warnings, queued)
        self._sync = sync
        self.warnings: tuple[Any, ...] = ()
        self.services = ServicesView(
            telephony=telephony.health if telephony is not None else None,
            sync=sync.health if sync is not None else None,
            speech=speech.health if speech is not None else None,
            model=model or SpeechModel(),
        )
        status = getattr(sync, "status", None)
        if status is not None:
            self.services = replace(self.services, operations_waiting=status.queue_depth,
                                    center_connected=status.connected)
        self._subscriptions = [desk.subscribe(self._on_state), desk.on_notice(self._notice_waiting.emit)]
        for name, source in (("telephony", telephony), ("sync", sync), ("speech", speech)):
            if source is not None:
                self._subscriptions.append(source.on_health(
                    lambda health, name=name: self._services_moved(**{name: health})))
        if sync is not None and hasattr(sync, "on_status"):
            self._subscriptions.append(sync.on_status(
                lambda s: self._services_moved(operations_waiting=s.queue_depth, center_connected=s.connected)))
        if sync is not None and hasattr(sync, "on_warnings"):
            # new warnings name themselves only: read the kept list again (on the store's thread, not Qt's)
            self._subscriptions.append(sync.on_warnings(lambda _new: self._read_warnings()))
            self._read_warnings()

    @property
    def desk(self) -> DeskPort:
        """For the side panels' reads (futures resolved off the Qt thread)."""
        return self._desk

    @property
    def state(self) -> DeskState:
        return self._desk.state

    def send(self, event: object) -> None:
        """An intent of the window; returns at once."""
        self._desk.send(event)

    def mark_warning_seen(self, warning_id: str) -> None:
        """The agent read a warning: kept as seen by the store's writer; the list is read again when it is."""
        if self._sync is None:
            return
        self._sync.mark_warning_seen(warning_id).add_done_callback(lambda _done: self._read_warnings())

    def _read_warnings(self) -> None:
        """One reading at a time; notifications during it ask for one more reading after it, not one each."""
        with self._lock:
            if self._warnings_reading:
                self._warnings_again = True
                return
            self._warnings_reading, self._warnings_again = True, False

        def read(done: Any) -> None:
            try:
                self._warnings_waiting.emit(tuple(done.result()))
            except Exception as exc:  # a store error: the list shown stays, the log says so
                log.warning("the centre's warnings could not be read: %s", exc)
            with self._lock:
                self._warnings_reading = False
                again = self._warnings_again
            if again:
                self._read_warnings()

        try:
            self._sync.warnings().add_done_callback(read)
        except Exception:
            with self._lock:
                self._warnings_reading = False
            raise

    def close(self) -> None:
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions.clear()

    # --- the loop thread -------------------------------------------------------------------------------------

    def _on_state(self, state: DeskState) -> None:
        with self._lock:
            self._latest = state
            if self._scheduled:
                return  # the signal already queued will carry this newer state
            self._scheduled = True
        self._state_waiting.emit()

    def _services_moved(self, **fields: Any) -> None:
        with self._lock:
            self._latest_services.update(fields)
            if self._services_scheduled:
                return  # the signal already queued will carry these values too
            self._services_scheduled = True
        self._services_waiting.emit()

    # --- the Qt thread ---------------------------------------------------------------------------------------

    @Slot()
    def _deliver_state(self) -> None:
        with self._lock:
            state, self._latest, self._scheduled = self._latest, None, False
        if state is not None:
            self.state_changed.emit(state)

    @Slot()
    def _deliver_services(self) -> None:
        with self._lock:
            fields, self._latest_services, self._services_scheduled = self._latest_services, {}, False
        services = replace(self.services, **fields)
        if services != self.services:
            self.services = services
            self.services_changed.emit(services)

    @Slot(object)
    def _deliver_warnings(self, warnings: tuple[Any, ...]) -> None:
        self.warnings = warnings
        self.warnings_changed.emit(warnings)
