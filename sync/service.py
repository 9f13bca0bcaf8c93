"""The UI's one handle on sync: the seat's local store (every step saved at once, offline or not) and the sync client
running in the application's asyncio loop.

Usage from the composition root::

    service = SyncService(LocalStore(path), settings=SyncSettings.from_environment())
    await service.start()          # in the asyncio thread; returns at once, the client runs as a task
    order = service.apply("WO-1", Sign(), actor, now)   # from any thread: saved, then pushed when possible
    service.status                 # SyncStatus for the status bar (connected, queue depth, last error)
    await service.stop()

A step the core refuses raises before anything is saved; a step that is saved is shown as saved and will reach the
center (or come back as a rejection the UI lists). May import `agent_desktop` and `sync`; never `ui`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent_desktop.core.errors import ConfigError
from agent_desktop.core.lifecycle import Command
from agent_desktop.core.roles import Actor
from agent_desktop.core.work_order import WorkOrder
from sync.client import ChangeListener, StatusListener, SyncClient, SyncState, SyncStatus
from sync.local_store import LocalStore, Rejection

logger = logging.getLogger(__name__)

ENV_URL = "AGENT_DESKTOP_SYNC_URL"
ENV_TOKEN = "AGENT_DESKTOP_SYNC_TOKEN"  # the variable's name; the token itself is never a literal
ENV_SEAT = "AGENT_DESKTOP_SEAT"
ENV_CA_FILE = "AGENT_DESKTOP_SYNC_CA_FILE"


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """Where the center is and who this desk is. `token` is a secret: hidden from repr and never logged."""

    url: str | None = None  # ws://host:port or wss://host:port; None: work offline only
    token: str | None = field(default=None, repr=False)
    seat: str | None = None
    ca_file: str | None = None  # trust this CA for wss (a center with its own certificate authority)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SyncSettings:
        env = os.environ if environ is None else environ
        return cls(
            url=env.get(ENV_URL) or None,
            token=env.get(ENV_TOKEN) or None,
            seat=env.get(ENV_SEAT) or None,
            ca_file=env.get(ENV_CA_FILE) or None,
        )

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.url or not self.url.startswith("wss://"):
            return None
        return ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()


class SyncService:
    """See the module docstring."""

    def __init__(self, store: LocalStore, settings: SyncSettings, **client_options: Any) -> None:
        self._store = store
        self._settings = settings
        self._client: SyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        if settings.url:
            if not settings.token:
                raise ConfigError(f"sync: a center URL is set but no token ({ENV_TOKEN})", code="missing_token")
            self._client = SyncClient(store, settings.url, settings.token, seat=settings.seat,
                                      ssl_context=settings.ssl_context(), **client_options)

    def __repr__(self) -> str:
        return f"SyncService(store={self._store!r}, url={self._settings.url!r})"

    @property
    def store(self) -> LocalStore:
        return self._store

    @property
    def client(self) -> SyncClient | None:
        return self._client

    # --- lifecycle -------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Seed the knowledge base if this seat has none yet (so a never-synced seat still has answers), then start
        syncing in the running loop (no sync without a center URL: the desk works offline)."""
        try:
            added = await asyncio.to_thread(self._knowledge().seed_if_empty)
            if added:
                logger.info("knowledge base seeded with %d entries", added)
        except ConfigError as exc:  # a broken seed file must not keep the desk from working
            logger.error("the knowledge-base seed could not be loaded: %s", exc.message)
        if self._client is None or (self._task is not None and not self._task.done()):
            return
        self._client.resume()
        self._task = asyncio.create_task(self._client.run(), name="sync-client")
        self._task.add_done_callback(_log_end)

    async def stop(self) -> None:
        if self._client is not None and self._task is not None:
            await self._client.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def status(self) -> SyncStatus:
        if self._client is None:
            depth = self._store.queue_depth()
            return SyncStatus(state=SyncState.STOPPED, queue_depth=depth, cursor=self._store.cursor(),
                              last_error="no center configured")
        return self._client.status

    def add_status_listener(self, listener: StatusListener) -> None:
        if self._client is not None:
            self._client.add_status_listener(listener)

    def add_change_listener(self, listener: ChangeListener) -> None:
        if self._client is not None:
            self._client.add_change_listener(listener)

    # --- the seat's steps (from any thread) -----------------------------------------------------------------------

    def open_order(self, order_id: str, *, actor: Actor, now: datetime, **fields: Any) -> WorkOrder:
        order = self._store.open_order(order_id, actor=actor, now=now, **fields)
        self._wake()
        return order

    def apply(self, order_id: str, command: Command, actor: Actor, now: datetime) -> WorkOrder:
        order = self._store.apply_local(order_id, command, actor, now)
        self._wake()
        return order

    def order(self, order_id: str) -> WorkOrder | None:
        return self._store.get_order(order_id)

    def orders(self) -> list[WorkOrder]:
        return self._store.orders()

    def rejections(self) -> list[Rejection]:
        return self._store.rejections()

    def dismiss_rejection(self, op_id: str) -> None:
        self._store.dismiss_rejection(op_id)

    # --- the knowledge base (信息库), searched offline in this seat's store ----------------------------------------

    def search_knowledge(self, query: str, now: datetime, *, limit: int = 10) -> list[Any]:
        """Published entries valid at `now` matching `query` (Chinese words), best first (`kb_index.KbHit`)."""
        return self._knowledge().search(query, now, limit=limit)

    def knowledge_entry(self, entry_id: str) -> Any:
        return self._knowledge().get(entry_id)

    def _knowledge(self) -> Any:
        from sync.kb_index import KnowledgeIndex  # noqa: PLC0415 (jieba loads on first use, not at import)

        return KnowledgeIndex(self._store.engine)

    def _wake(self) -> None:
        if self._client is not None:
            self._client.wake()


def _log_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        logger.error("the sync client ended with an error", exc_info=exc)
