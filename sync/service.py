"""The front end's one handle on sync: the seat's local store (every step saved at once, offline or not) and the sync
client running in the application's asyncio loop.

Usage from the composition root::

    service = SyncService(LocalStore(path), settings=SyncSettings.from_environment())
    await service.start(supervisor)  # in the asyncio thread; returns at once, the client runs as a supervised task
    future = service.apply("WO-1", Sign(), actor, now)  # from any thread: returns at once; the future gives the
                                                        # order once it is saved (or the core's refusal)
    service.status                   # SyncStatus for the status bar (connected, queue depth, last error): no I/O
    service.health                   # the one health value of the service contract
    await service.stop()

Nothing here holds the caller's thread for I/O: writes go to the store's one writer thread (`sync.store_worker`), so
a step saved while the sync client holds the store's write lock for a catch-up batch returns at once; reads go to a
reader thread; both answer with a `concurrent.futures.Future`. A step the core refuses fails its future and saves
nothing; a step that is saved will reach the center (or come back as a rejection the UI lists).

Front-end contract (the same as `telephony.service` and `asr.service`): `await start()` / `await stop()`; `health`
and `on_health(cb)`; `on_status(cb)`, `on_changes(cb)` (ids of orders whose local view changed), `on_warnings(cb)`
(the centre's early warnings new to this desk; `warnings()` lists them all); every registration returns a
`Subscription`. Listeners run on the loop thread and must not block.

May import `agent_desktop.core` and `sync`; never `ui`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from agent_desktop.core.errors import ConfigError, SyncError
from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.lifecycle import Command
from agent_desktop.core.listeners import Listeners, Subscription
from agent_desktop.core.prefill_feedback import PrefillFeedback
from agent_desktop.core.privacy import FieldCipher
from agent_desktop.core.roles import Actor
from agent_desktop.core.services import TaskSupervisor
from agent_desktop.core.work_order import WorkOrder
from agent_desktop.resources import process_environment
from sync.client import ChangeListener, StatusListener, SyncClient, SyncState, SyncStatus, WarningListener
from sync.drafts import DraftStore, StoredDraft, StoredDrafts
from sync.local_store import CentreWarning, LocalStore, Rejection, StoreBrief
from sync.status import OrderSyncState, RejectionNote
from sync.store_worker import StoreWorker

__all__ = [
    "CentreWarning",
    "Health",
    "HealthState",
    "OrderSyncState",
    "Rejection",
    "StoredDraft",
    "StoredDrafts",
    "Subscription",
    "SyncService",
    "SyncSettings",
    "SyncState",
    "SyncStatus",
]

logger = logging.getLogger(__name__)

ENV_URL = "AGENT_DESKTOP_SYNC_URL"
ENV_TOKEN = "AGENT_DESKTOP_SYNC_TOKEN"  # the variable's name; the token itself is never a literal
ENV_SEAT = "AGENT_DESKTOP_SEAT"
ENV_CA_FILE = "AGENT_DESKTOP_SYNC_CA_FILE"
NO_CENTER = "no center configured"


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """Where the center is and who this desk is. `token` is a secret: hidden from repr and never logged."""

    url: str | None = None  # ws://host:port or wss://host:port; None: work offline only
    token: str | None = field(default=None, repr=False)
    seat: str | None = None
    ca_file: str | None = None  # trust this CA for wss (a center with its own certificate authority)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SyncSettings:
        env = process_environment() if environ is None else environ  # the desktop's one reader of it
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

    SERVICE = "sync"

    def __init__(self, store: LocalStore, settings: SyncSettings, *, clock: Callable[[], datetime] | None = None,
                 **client_options: Any) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock or (lambda: datetime.now(UTC))
        self._worker = StoreWorker(store)
        self._drafts: DraftStore | None = None
        self._client: SyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._status_listeners: Listeners[[SyncStatus]] = Listeners("sync status")
        self._change_listeners: Listeners[[list[str]]] = Listeners("sync changes")
        self._warning_listeners: Listeners[[list[CentreWarning]]] = Listeners("sync warnings")
        self._health_listeners: Listeners[[Health]] = Listeners("sync health")
        self._health = Health(self.SERVICE, HealthState.STOPPED, "not started", self._clock())
        self._status = SyncStatus(state=SyncState.STOPPED, last_error=None if settings.url else NO_CENTER)
        self._was_online = False
        if settings.url:
            if not settings.token:
                raise ConfigError(f"sync: a center URL is set but no token ({ENV_TOKEN})", code="missing_token")
            self._client = SyncClient(store, settings.url, settings.token, seat=settings.seat,
                                      ssl_context=settings.ssl_context(), **client_options)
            self._client.add_status_listener(self._on_client_status)
            self._client.add_change_listener(self._change_listeners.emit)
            self._client.add_warning_listener(self._warning_listeners.emit)

    def __repr__(self) -> str:
        return f"SyncService(store={self._store!r}, url={self._settings.url!r})"

    @property
    def store(self) -> LocalStore:
        """The store itself, for tools that may block (the CLI's `sync status`, tests); a UI uses the verbs."""
        return self._store

    @property
    def client(self) -> SyncClient | None:
        return self._client

    # --- lifecycle -------------------------------------------------------------------------------------------------

    async def start(self, supervisor: TaskSupervisor | None = None) -> None:
        """Seed the knowledge base if this seat has none yet (so a never-synced seat still has answers), then start
        syncing in the running loop (no sync without a center URL: the desk works offline). The client runs as a
        task of `supervisor` when given (restarted if it ever dies: it resumes from the store's cursor)."""
        self._loop = asyncio.get_running_loop()
        try:
            added = await asyncio.wrap_future(self._worker.write(_seed_knowledge))
            if added:
                logger.info("knowledge base seeded with %d entries", added)
        except ConfigError as exc:  # a broken seed file must not keep the desk from working
            logger.error("the knowledge-base seed could not be loaded: %s", exc.message)
        await self._refresh_status()
        if self._client is None:
            self._set_health(HealthState.DEGRADED, f"{NO_CENTER}: saved on this seat only")
            return
        if self._task is not None and not self._task.done():
            return
        self._client.resume()
        if supervisor is not None:
            entry = supervisor.start("sync-client", self._client.run, restart=True, on_failure=self.report_failure)
            self._task = entry.task
        else:
            self._task = asyncio.create_task(self._client.run(), name="sync-client")
            self._task.add_done_callback(_log_end)

    async def stop(self) -> None:
        """Stop syncing (the open connection is closed cleanly) and finish every write asked for so far."""
        if self._client is not None and self._task is not None:
            await self._client.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is None:
            self._set_health(HealthState.STOPPED, "stopped")

    def close(self) -> None:
        """Release the store's threads after `stop()` (waits for the writes still queued: nothing saved is lost)."""
        self._worker.close(wait=True)

    # --- status and health (no I/O) -------------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._client.status if self._client is not None else self._status

    @property
    def health(self) -> Health:
        return self._health

    def on_status(self, listener: StatusListener) -> Subscription:
        return self._status_listeners.add(listener)

    def on_changes(self, listener: ChangeListener) -> Subscription:
        """`listener(order_ids)` when orders changed by the center (acks, rejections, changes made elsewhere)."""
        return self._change_listeners.add(listener)

    def on_warnings(self, listener: WarningListener) -> Subscription:
        """`listener(warnings)` when the centre's early warnings (第33条) new to this desk arrived and are kept."""
        return self._warning_listeners.add(listener)

    def on_health(self, listener: Callable[[Health], Any]) -> Subscription:
        return self._health_listeners.add(listener)

    def add_status_listener(self, listener: StatusListener) -> None:
        self._status_listeners.add(listener)

    def add_change_listener(self, listener: ChangeListener) -> None:
        self._change_listeners.add(listener)

    def report_failure(self, task: str, error: BaseException) -> None:
        """A supervised task of this service died (told by the runtime's supervisor): shown in the health value."""
        self._set_health(HealthState.DEGRADED, f"{task} failed and is restarted: {type(error).__name__}")

    def _on_client_status(self, status: SyncStatus) -> None:
        self._status_listeners.emit(status)
        self._set_health(*self._health_of(status))

    def _health_of(self, status: SyncStatus) -> tuple[HealthState, str]:
        queue = f"{status.queue_depth} waiting to reach the center"
        if status.state is SyncState.ONLINE:
            self._was_online = True
            return HealthState.UP, f"online; {queue}" if status.queue_depth else "online"
        if status.state is SyncState.CATCHING_UP:
            return HealthState.UP, f"catching up; {queue}"
        if status.state is SyncState.CONNECTING:
            return (HealthState.DEGRADED if self._was_online else HealthState.STARTING), f"connecting; {queue}"
        if status.state is SyncState.OFFLINE:
            return HealthState.DEGRADED, f"offline, saved on this seat; {queue}: {status.last_error or ''}".rstrip(": ")
        if status.state is SyncState.FAILED:
            return HealthState.FAILED, f"refused by the center: {status.last_error or ''}".rstrip(": ")
        return HealthState.STOPPED, "stopped"

    def _set_health(self, state: HealthState, detail: str) -> None:
        health = self._health.moved_to(state, detail, self._clock())
        if health != self._health:
            self._health = health
            self._health_listeners.emit(health)

    async def _refresh_status(self) -> None:
        """Without a center the status is the store's own (queue depth, cursor): read off the loop."""
        if self._client is not None:
            return
        brief = await asyncio.wrap_future(self._worker.read(LocalStore.brief))
        self._publish_offline_status(brief)

    def _offline_status(self, brief: StoreBrief) -> SyncStatus:
        return replace(self._status, queue_depth=brief.queue_depth, cursor=brief.cursor,
                       last_sync_at=brief.last_sync_at, rejections=brief.rejections)

    def _publish_offline_status(self, brief: StoreBrief) -> None:
        status = self._offline_status(brief)
        if status != self._status:
            self._status = status
            self._status_listeners.emit(status)

    # --- the seat's steps (from any thread; each returns at once with a future) -------------------------------------

    def open_order(self, order_id: str, *, actor: Actor, now: datetime, **fields: Any) -> Future[WorkOrder]:
        """Intake: the future gives the order as saved (or InvalidCommand / TransitionRefused: nothing saved)."""
        return self._worker.write(self._saved, LocalStore.open_order, order_id, actor=actor, now=now, **fields)

    def apply(self, order_id: str, command: Command, actor: Actor, now: datetime, *,
              feedback: PrefillFeedback | None = None) -> Future[WorkOrder]:
        """One step on an order: the future gives the order as saved (or the core's refusal: nothing saved).
        `feedback`: the order's pre-fill feedback, pushed to the center with the step (the last step of a save)."""
        return self._worker.write(self._saved, LocalStore.apply_local, order_id, command, actor, now,
                                  feedback=feedback)

    def dismiss_rejection(self, op_id: str) -> Future[None]:
        return self._worker.write(self._saved, LocalStore.dismiss_rejection, op_id)

    def _saved(self, store: LocalStore, step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Runs on the writer thread: the step, then the client told (push now) or, offline, the status refreshed."""
        result = step(store, *args, **kwargs)
        if self._client is not None:
            self._client.wake()
        else:
            status = self._offline_status(store.brief())
            if status != self._status:
                self._status = status  # one reference, replaced whole: readable from any thread at once
                loop = self._loop
                if loop is not None and not loop.is_closed():
                    with contextlib.suppress(RuntimeError):  # the loop is closing: nobody listens any more
                        loop.call_soon_threadsafe(self._status_listeners.emit, status)
        return result

    # --- reading (from any thread; futures) -------------------------------------------------------------------------

    def order(self, order_id: str) -> Future[WorkOrder | None]:
        return self._worker.read(LocalStore.get_order, order_id)

    def orders(self) -> Future[list[WorkOrder]]:
        return self._worker.read(LocalStore.orders)

    def rejections(self) -> Future[list[Rejection]]:
        return self._worker.read(LocalStore.rejections)

    def warnings(self, *, include_seen: bool = True) -> Future[list[CentreWarning]]:
        """The centre's early warnings (第33条) this desk received, newest first: for "my tasks"."""
        return self._worker.read(LocalStore.warnings, include_seen=include_seen)

    def mark_warning_seen(self, warning_id: str) -> Future[bool]:
        return self._worker.write(LocalStore.mark_warning_seen, warning_id)

    def last_order_sequence(self, prefix: str) -> Future[int]:
        """The last order number this seat gave under `prefix` (agent_desktop.order_numbers), 0 when none."""
        return self._worker.read(LocalStore.last_order_sequence, prefix)

    def note_order_sequence(self, prefix: str, number: int) -> Future[int]:
        """Keep the number just given (on the writer thread, before the draft that carries it)."""
        return self._worker.write(LocalStore.note_order_sequence, prefix, number)

    def caller_orders(self, phone_key: str) -> Future[list[WorkOrder]]:
        """The orders of the number with this fingerprint, newest first (the screen pop)."""
        return self._worker.read(LocalStore.orders_of_caller, phone_key)

    def order_sync_states(self, order_ids: list[str]) -> Future[list[OrderSyncState]]:
        """Where each order stands with the center (acked, waiting, rejected with its article): what the desk
        makes of `on_changes`, which names the orders only."""
        return self._worker.read(_sync_states, list(order_ids))

    # --- the desk's autosaved drafts (`sync.drafts`), on the writer thread ----------------------------------------

    def enable_drafts(self, cipher: FieldCipher) -> Future[None]:
        """Open the drafts table (created on first use) with the desk's field cipher; before the other draft
        verbs."""

        def open_drafts(store: LocalStore) -> None:
            self._drafts = DraftStore(store, cipher)

        return self._worker.write(open_drafts)

    def save_draft(self, draft: StoredDraft) -> Future[None]:
        """Keep the draft, replacing its earlier copy (sealed as a whole)."""
        return self._worker.write(lambda _store: self._draft_store().save(draft))

    def delete_draft(self, draft_id: str) -> Future[None]:
        return self._worker.write(lambda _store: self._draft_store().delete(draft_id))

    def load_drafts(self) -> Future[StoredDrafts]:
        """Every stored draft (and those that cannot be opened); in order with the writes asked for before."""
        return self._worker.write(lambda _store: self._draft_store().load())

    def _draft_store(self) -> DraftStore:
        if self._drafts is None:
            raise SyncError("the drafts are not open: call enable_drafts(cipher) first", code="drafts_closed")
        return self._drafts

    # --- the knowledge base (信息库), searched offline in this seat's store ----------------------------------------

    def search_knowledge(self, query: str, now: datetime, *, limit: int = 10) -> Future[list[Any]]:
        """Published entries valid at `now` matching `query` (Chinese words), best first (`kb_index.KbHit`)."""
        return self._worker.read(lambda store: _knowledge(store).search(query, now, limit=limit))

    def knowledge_entry(self, entry_id: str) -> Future[Any]:
        return self._worker.read(lambda store: _knowledge(store).get(entry_id))


def _sync_states(store: LocalStore, order_ids: list[str]) -> list[OrderSyncState]:
    wanted = set(order_ids)
    rejections: dict[str, list[RejectionNote]] = {}
    for r in store.rejections():
        if r.order_id in wanted:
            rejections.setdefault(r.order_id, []).append(RejectionNote(r.op_id, r.code, r.text, r.article))
    states = []
    for order_id in order_ids:
        order = store.get_order(order_id)
        _server, version = store.server_copy(order_id)
        states.append(OrderSyncState(order_id, order.state if order is not None else None, version,
                                     store.is_pending(order_id), tuple(rejections.get(order_id, ()))))
    return states


def _knowledge(store: LocalStore) -> Any:
    from sync.kb_index import KnowledgeIndex  # noqa: PLC0415 (jieba loads on first use, not at import)

    return KnowledgeIndex(store.engine)


def _seed_knowledge(store: LocalStore) -> int:
    return int(_knowledge(store).seed_if_empty() or 0)


def _log_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        logger.error("the sync client ended with an error", exc_info=exc)
