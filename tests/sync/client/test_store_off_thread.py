"""The sync facade never holds its caller's thread for I/O: a step saved from another thread while the sync client
holds the store's write lock for a catch-up batch returns at once, with a future that resolves once it is saved."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Category, Channel
from agent_desktop.runtime import Runtime
from sync.local_store import LocalStore, StoreResults
from sync.server import db
from sync.server.app import CentralServer
from sync.service import SyncService, SyncSettings, SyncState
from tests.sync.backlog import make_backlog

AGENT = Actor("agent-a", Role.AGENT, seat="A")
BACKLOG = 3000  # changes made elsewhere while this seat was away: six catch-up transactions of 500


class GatedStore(LocalStore):
    """The real store, whose first catch-up transaction waits (holding the write lock, as a long one does) until
    the test releases it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.inside = threading.Event()
        self.release = threading.Event()

    @contextmanager
    def results(self) -> Iterator[StoreResults]:
        with super().results() as results:
            if not self.inside.is_set():
                self.inside.set()
                self.release.wait(60)
            yield results


def test_a_step_saved_during_a_catch_up_returns_at_once_and_is_saved_after_it(tmp_path: Path) -> None:
    with Runtime() as runtime:
        server = CentralServer(f"sqlite:///{tmp_path / 'central.sqlite3'}")
        # the changes are made before the center starts, so it knows them from its first hello (a center learns of
        # rows written behind its back only at its next poll, and would first say "caught up" at 0)
        db.migrate(server.engine)
        token = server.store.add_user("agent-a", "agent")
        other = server.store.add_user("agent-b", "agent")
        head = make_backlog(server.store, other, BACKLOG)
        runtime.run(server.start(), timeout=30)
        store = GatedStore(tmp_path / "seat.sqlite3")
        try:

            async def build() -> SyncService:
                return SyncService(store, SyncSettings(url=server.url, token=token, seat="A"))

            service = runtime.run(build())
            runtime.run(service.start(runtime.supervisor), timeout=30)
            assert store.inside.wait(30), "the catch-up never started"
            assert store._write_lock.locked()  # the catch-up transaction holds the store now
            assert service.status.state in (SyncState.CONNECTING, SyncState.CATCHING_UP)

            returned: list[Any] = []
            ui = threading.Thread(target=lambda: returned.append(service.open_order(
                "S-1", actor=AGENT, now=datetime.now(UTC), channel=Channel.PHONE, category=Category.COMPLAINT,
                description="噪音扰民")), name="ui")
            ui.start()
            ui.join(10)  # it must come back while the lock is still held: the release below has not happened
            assert not ui.is_alive(), "saving a step waited for the catch-up transaction"
            [future] = returned
            assert not future.done() and store._write_lock.locked()  # queued behind the catch-up, not lost

            store.release.set()
            order = future.result(30)
            assert order.order_id == "S-1" and store.get_order("S-1") == order
            status = runtime.run(service.client.wait_synced(120), timeout=130)  # type: ignore[union-attr]
            assert status.state is SyncState.ONLINE and status.cursor is not None and status.cursor >= head
            assert len(store.order_ids()) == BACKLOG + 1 and store.server_copy("S-1")[1] == 1
            runtime.run(service.stop(), timeout=30)
            service.close()
        finally:
            store.release.set()
            store.close()
            runtime.run(server.stop(), timeout=30)
