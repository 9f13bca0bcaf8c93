"""The composition root: the same contract for every service, start-up that cleans up after itself, shutdown that
loses nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent_desktop.app import App, AppParts, SyncParts, TelephonyParts
from agent_desktop.core.errors import TelephonyError
from agent_desktop.core.health import HealthState
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.services import ServiceFacade
from agent_desktop.core.work_order import Channel
from asr.service import SpeechService
from sync.local_store import LocalStore
from sync.service import SyncService, SyncSettings
from telephony.ami.connection import AmiSettings
from telephony.service import TelephonyService

AGENT = Actor("agent-a", Role.AGENT, seat="A01")


def test_every_facade_keeps_the_service_contract() -> None:
    for facade in (TelephonyService, SpeechService, SyncService):
        for name in ("start", "stop", "health", "on_health", "report_failure"):
            assert hasattr(facade, name), f"{facade.__name__} lacks {name}"


def test_an_offline_seat_saves_from_another_thread_and_stop_keeps_every_write(tmp_path: Path) -> None:
    store_path = tmp_path / "seat.sqlite3"
    app = App(AppParts(sync=SyncParts(store_path, SyncSettings())))
    app.start()
    try:
        assert isinstance(app.sync, ServiceFacade)
        health = app.health()["sync"]
        assert health.state is HealthState.DEGRADED and "no center" in health.detail
        futures = []
        ui = threading.Thread(target=lambda: futures.extend(
            app.sync.open_order(f"S-{i}", actor=AGENT, now=datetime.now(UTC), channel=Channel.PHONE,  # type: ignore[union-attr]
                                description="咨询") for i in range(20)))
        ui.start()
        ui.join(10)
        assert len(futures) == 20
    finally:
        app.stop()  # the writes asked for are finished before the store closes
    assert all(f.done() and f.exception() is None for f in futures)
    assert not app.runtime.running
    with LocalStore(store_path) as store:
        assert len(store.order_ids()) == 20 and store.queue_depth() == 20


def test_a_start_that_fails_stops_what_was_started_and_says_why(tmp_path: Path, unused_tcp_port: int) -> None:
    app = App(AppParts(
        telephony=TelephonyParts(AmiSettings("127.0.0.1", unused_tcp_port, "desk", "x", connect_timeout=1.0)),
        sync=SyncParts(tmp_path / "seat.sqlite3", SyncSettings()),
    ))
    with pytest.raises(TelephonyError) as caught:
        app.start()
    assert caught.value.code.startswith("ami_")
    assert not app.runtime.running  # the runtime it made is gone, the sync service stopped, the store closed
    assert app.telephony is not None and app.telephony.health.state is HealthState.STOPPED
    assert app.store is None
