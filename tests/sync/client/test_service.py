"""The UI's facade: saving works with and without a center, sync status for the status bar, knowledge search."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import ConfigError, TransitionRefused
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Category, Channel, OrderState
from sync.client import SyncState
from sync.local_store import LocalStore
from sync.service import SyncService, SyncSettings
from tests.sync.client.conftest import LEAD, Central

AGENT = Actor("agent-a", Role.AGENT, seat="A")


def test_settings_from_the_environment_hide_the_token() -> None:
    settings = SyncSettings.from_environment({"AGENT_DESKTOP_SYNC_URL": "wss://center:8443",
                                              "AGENT_DESKTOP_SYNC_TOKEN": "s3cret", "AGENT_DESKTOP_SEAT": "A07"})
    assert (settings.url, settings.token, settings.seat) == ("wss://center:8443", "s3cret", "A07")
    assert "s3cret" not in repr(settings)
    assert settings.ssl_context() is not None
    assert SyncSettings(url="ws://center:8080").ssl_context() is None


def test_a_url_without_a_token_is_a_config_error(tmp_path: Path) -> None:
    with LocalStore(tmp_path / "s.sqlite3") as store, pytest.raises(ConfigError) as err:
        SyncService(store, SyncSettings(url="ws://127.0.0.1:9"))
    assert err.value.code == "missing_token"


async def test_offline_desk_saves_and_searches_the_seeded_knowledge_base(tmp_path: Path) -> None:
    with LocalStore(tmp_path / "s.sqlite3") as store:
        service = SyncService(store, SyncSettings())
        await service.start()
        order = service.open_order("S-1", actor=AGENT, now=datetime.now(UTC), channel=Channel.PHONE,
                                   category=Category.CONSULTATION, description="公积金怎么提取").result(10)
        assert service.order("S-1").result(10) == order
        with pytest.raises(TransitionRefused):
            service.apply("S-1", lc.Sign(), AGENT, datetime.now(UTC)).result(10)
        status = service.status
        assert status.state is SyncState.STOPPED and status.queue_depth == 1 and not status.connected
        hits = service.search_knowledge("公积金 提取", datetime.now(UTC)).result(10)
        assert hits, "the seed has provident-fund entries"
        await service.stop()


async def test_service_pushes_what_it_saves(central: Central, tmp_path: Path) -> None:
    with LocalStore(tmp_path / "s.sqlite3") as store:
        service = SyncService(store, SyncSettings(url=central.url, token=central.tokens["agent-a"], seat="A"))
        seen: list[SyncState] = []
        service.add_status_listener(lambda s: seen.append(s.state))
        await service.start()
        client = service.client
        assert client is not None
        await client.wait_for(lambda s: s.state is SyncState.ONLINE, 30)
        service.open_order("S-2", actor=AGENT, now=datetime.now(UTC), channel=Channel.PHONE,
                           category=Category.COMPLAINT, description="噪音扰民").result(10)
        service.apply("S-2", lc.Dispatch(LEAD), AGENT, datetime.now(UTC)).result(10)
        # the status follows the store once the client has read the new steps; wait on the store itself
        status = await client.wait_for(lambda s: store.server_copy("S-2")[1] == 2 and s.queue_depth == 0, 30)
        assert status.connected and status.last_sync_at is not None
        assert store.server_copy("S-2")[0].state is OrderState.DISPATCHED
        await service.stop()
        assert service.status.state is SyncState.STOPPED
        assert SyncState.CONNECTING in seen and SyncState.ONLINE in seen


async def test_stop_right_after_start_ends_and_a_second_start_syncs_again(central: Central, tmp_path: Path) -> None:
    with LocalStore(tmp_path / "s.sqlite3") as store:
        service = SyncService(store, SyncSettings(url=central.url, token=central.tokens["agent-a"]))
        await service.start()
        await service.stop()  # before the client's task even ran: must not hang
        assert service.status.state is SyncState.STOPPED
        service.open_order("S-3", actor=AGENT, now=datetime.now(UTC), channel=Channel.PHONE,
                           description="咨询").result(10)
        await service.start()
        assert service.client is not None
        await service.client.wait_synced(30)
        assert store.server_copy("S-3")[1] == 1
        await service.stop()
