"""The composition root: the one module that builds the services from the configuration and wires them together.
The desktop, the CLI's service commands (`calls watch [--transcribe]`, `calls callback`, `sync run`) and the bench
all stand on it.

    app = App(AppParts(telephony=TelephonyParts(ami_settings, seat=seat), speech=SpeechParts(options), ...))
    app.start()                        # from the main thread; TelephonyError / AsrError / SyncError if one cannot
    app.telephony.on_event(listener)   # (or between app.build() and app.start(), to hear the very first events)
    app.runtime.submit(app.telephony.hold(call_id))
    app.stop()

Start-up order (`start`), and why:
1. the runtime: the asyncio loop in its own thread (`agent_desktop.runtime`); every service lives on that loop and
   the caller's thread only submits to it. The interpreter's thread switch interval is shortened to
   `switch_interval_s` (1 ms; CPython's default is 5 ms): the UI thread, the loop, the store's threads and the
   pre-fill share one GIL, and a thread that wants it back waits up to that interval — a front end's call, or the
   AMI reader, must not wait 5 ms behind a thread that is merely busy;
2. the services are built on the loop (`build`): panoramisk's Manager, the sync client's events and the speech
   server must be created inside the running loop;
3. the seat's local store and sync: the store opens first, so a step the agent takes from the first second is saved
   (offline-first); the sync client then runs as a supervised task — restarted if it ever dies, resuming from the
   store's cursor;
4. speech: the model loads (seconds, in a worker thread) and the AudioSocket listener opens, with pre-fill warmed
   up, BEFORE telephony connects — the fork of the first answered call needs somewhere to stream to;
5. the seat session (`agent_desktop.seat.SeatDesk`, when the parts name a seat desk): it subscribes to the three
   facades before telephony connects (so it hears the first AMI events and the connection), opens the seat's
   stored drafts and offers them again, and starts its one-second timer;
6. the audio fork is registered as a telephony listener, so every answered call (even one found by the first
   resync) is forked to the listener;
7. telephony last: AMI logs in, and the first resync (CoreShowChannels + QueueStatus) rebuilds the calls already
   going on;
8. what start-up loaded for good (the speech model's tables, jieba's dictionary, the gazetteer, the unit directory)
   is moved out of the garbage collector's sight (`gc.freeze()`): a full collection otherwise walks those millions
   of objects, holding the GIL — every thread, the AMI reader included, stops for hundreds of milliseconds.

Shutdown order (`stop`), the reverse, so nothing is lost or left half-done:
1. telephony: log off (no new calls, no new forks); its after-call-work timer ends;
2. speech: the listener closes, the pre-fill passes in flight end, the pre-fill thread is released;
3. the seat session: unsubscribed, its timer and the actions in flight ended (its writes already asked for are
   finished by the store's writer below);
4. sync: the client closes its websocket cleanly (anything pending stays in the outbox for the next start); then
   the store's writer thread finishes every write already asked for, and the store is closed;
5. the runtime: supervised tasks, then any task left, are cancelled and awaited; the loop closes; its thread ends.

Health: `health()` gives each service's one `Health` value; a supervised task that dies is reported into the health
of the service it belongs to.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_desktop.core.health import Health
from agent_desktop.runtime import Runtime

if TYPE_CHECKING:
    from agent_desktop.desk import DeskSettings
    from agent_desktop.seat import SeatDesk
    from asr.fork import AudioFork
    from asr.service import SpeechService
    from sync.local_store import LocalStore
    from sync.service import SyncService, SyncSettings
    from telephony.ami.connection import AmiSettings
    from telephony.control import SeatConfig
    from telephony.service import TelephonyService

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.001


@dataclass(frozen=True)
class TelephonyParts:
    """The AMI connection and, for a seat that acts on calls, its `SeatConfig` (None: watch only)."""

    ami: AmiSettings
    seat: SeatConfig | None = None
    interface: str | None = None  # without a seat: only this phone's calls (None: all calls)
    queues: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SpeechParts:
    """`asr.service.SpeechService` keyword arguments (see `agent_desktop.settings.speech_service_options`)."""

    options: dict[str, Any]
    fork_by_uniqueid: bool = False
    prefill: bool = True
    prefill_debounce_s: float = 0.3


@dataclass(frozen=True)
class SyncParts:
    """The seat's local store file and the center (settings with `url` None: offline only)."""

    store: Path
    settings: SyncSettings
    client_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeskParts:
    """The seat session run on the services (`agent_desktop.seat.SeatDesk`): the agent, the field cipher, the
    rules (`agent_desktop.settings.desk_settings` builds them from the configuration)."""

    settings: DeskSettings
    tick_s: float = 1.0
    clock: Callable[[], datetime] | None = None  # the desk's time (None: the app's clock)


@dataclass(frozen=True)
class AppParts:
    """Which services this application runs (a command needs only some of them)."""

    telephony: TelephonyParts | None = None
    speech: SpeechParts | None = None
    sync: SyncParts | None = None
    desk: DeskParts | None = None  # the desktop's seat session (None: the CLI's commands, the bench)
    zone: tzinfo = UTC  # event times are given in the hotline's zone, as the seats read them


class App:
    """See the module docstring. `start()`/`stop()` from one thread other than the loop's (the main thread)."""

    def __init__(self, parts: AppParts, *, runtime: Runtime | None = None,
                 switch_interval_s: float | None = SWITCH_INTERVAL_S, freeze_after_start: bool = True) -> None:
        self.parts = parts
        self._freeze_after_start = freeze_after_start
        self._switch_interval_s = switch_interval_s
        self.runtime = runtime or Runtime()
        self._own_runtime = runtime is None
        self.telephony: TelephonyService | None = None
        self.speech: SpeechService | None = None
        self.sync: SyncService | None = None
        self.store: LocalStore | None = None
        self.fork: AudioFork | None = None
        self.desk: SeatDesk | None = None
        self._built = False
        self._started: list[Any] = []  # services started, in order (stopped in reverse)

    def clock(self) -> datetime:
        return datetime.now(self.parts.zone)

    # --- start-up --------------------------------------------------------------------------------------------------

    def build(self) -> None:
        """Start the runtime and build the services on its loop (not started yet: listeners may be added now)."""
        if self._built:
            return
        if self._switch_interval_s is not None:
            sys.setswitchinterval(self._switch_interval_s)
        if not self.runtime.running:
            self.runtime.start()
        self.runtime.run(self._build())
        self._built = True

    async def _build(self) -> None:
        parts = self.parts
        if parts.sync is not None:
            from sync.local_store import LocalStore  # noqa: PLC0415 (the composition root imports adapters lazily)
            from sync.service import SyncService  # noqa: PLC0415

            self.store = LocalStore(parts.sync.store)
            self.sync = SyncService(self.store, parts.sync.settings, clock=self.clock, **parts.sync.client_options)
        if parts.speech is not None:
            from agent_desktop.resources import load_unit_directory  # noqa: PLC0415
            from asr.service import SpeechService  # noqa: PLC0415

            directory = load_unit_directory() if parts.speech.prefill else None
            self.speech = SpeechService(**parts.speech.options, prefill=parts.speech.prefill,
                                        prefill_directory=directory, prefill_debounce_s=parts.speech.prefill_debounce_s,
                                        clock=self.clock)
        if parts.telephony is not None:
            from telephony.service import TelephonyService  # noqa: PLC0415

            t = parts.telephony
            self.telephony = TelephonyService(t.ami, t.seat, interface=t.interface, queues=t.queues, clock=self.clock)
        if parts.desk is not None:
            from agent_desktop.seat import SeatDesk  # noqa: PLC0415

            self.desk = SeatDesk(self, parts.desk.settings, tick_s=parts.desk.tick_s, clock=parts.desk.clock)

    def start(self) -> None:
        """Build if needed, then start the services in order (see the module docstring). On an error the services
        already started are stopped again, the runtime too, and the error is raised."""
        self.build()
        try:
            self.runtime.run(self._start())
        except BaseException:
            self.stop()
            raise
        if self._freeze_after_start:
            gc.collect()
            gc.freeze()

    async def _start(self) -> None:
        supervisor = self.runtime.supervisor
        if self.sync is not None:
            self._started.append(self.sync)
            await self.sync.start(supervisor)
        if self.speech is not None:
            self._started.append(self.speech)
            await self.speech.start(supervisor)
        if self.desk is not None:
            self._started.append(self.desk)
            await self.desk.start()
        if self.telephony is not None:
            if self.speech is not None:
                assert self.parts.speech is not None
                self.fork = self.speech.attach_fork(self.telephony.send_action,
                                                    by_uniqueid=self.parts.speech.fork_by_uniqueid)
                self.telephony.on_event(self.fork.on_call_event)
            self._started.append(self.telephony)
            await self.telephony.start(supervisor)

    # --- shutdown --------------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the services in reverse order, then the runtime (if this app made it). Again is harmless."""
        if self.runtime.running:
            try:
                self.runtime.run(self._stop(), timeout=30)
            except Exception:
                log.exception("the services did not stop cleanly")
        if self.sync is not None:
            self.sync.close()  # the writer thread finishes what was asked for
        if self.store is not None:
            self.store.close()
            self.store = None
        if self._own_runtime:
            self.runtime.stop()

    async def _stop(self) -> None:
        started, self._started = self._started, []
        for service in reversed(started):
            try:
                await service.stop()
            except Exception:
                log.exception("%s did not stop cleanly", type(service).__name__)

    def __enter__(self) -> App:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- for the status bar ----------------------------------------------------------------------------------------

    def health(self) -> dict[str, Health]:
        """Each service's health value (safe from any thread: immutable values)."""
        services = (self.telephony, self.speech, self.sync)
        return {s.health.service: s.health for s in services if s is not None}
