"""`SyncClient.stop()` asked while the websocket is still opening: `run()` must end as soon as the connection is up,
not sync on until the center drops it (the demo's and the App's stop() waited for it forever)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from agent_desktop.core.roles import Role
from sync.client import SyncClient
from sync.local_store import LocalStore
from sync.server.app import CentralServer


async def test_a_stop_during_the_opening_handshake_ends_run(tmp_path: Path) -> None:
    center = CentralServer(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    opening, release = asyncio.Event(), asyncio.Event()
    original = center._process_request

    async def gated(connection: Any, request: Any) -> Any:  # the HTTP upgrade waits until the client was stopped
        opening.set()
        await release.wait()
        return await original(connection, request)

    center._process_request = gated  # type: ignore[method-assign]
    await center.start()
    token = await asyncio.to_thread(center.store.add_user, "agent-a", Role.AGENT)
    store = LocalStore(tmp_path / "seat.sqlite3")
    client = SyncClient(store, center.url, token, seat="A")
    task = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(opening.wait(), 10)
        await client.stop()  # no session yet: nothing to close
        release.set()
        await asyncio.wait_for(task, 10)  # before the fix: the session synced on and this timed out
    finally:
        if not task.done():
            task.cancel()
        await center.stop()
        store.close()
