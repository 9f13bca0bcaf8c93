"""The seat's local store, off the caller's thread: one writer thread and a small reader pool, each call returning a
`concurrent.futures.Future` at once.

Why: a write waits for the store's write lock, which the sync client holds while it applies a batch of up to
`sync.client.MAX_BATCH` results in one transaction (a catch-up of thousands of changes is several of those). A UI
thread that saves a step must never wait for that; it gets a future and is told when the step is on disk. One
writer thread keeps the seat's own steps in the order they were asked for (a step on an order after its intake);
reads run beside it (SQLite in WAL mode: readers never wait for the writer).

May import `sync.local_store`; never `ui`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from agent_desktop.core.errors import SyncError
from sync.local_store import LocalStore

log = logging.getLogger(__name__)

T = TypeVar("T")


class StoreWorker:
    """`write(fn, ...)` runs `fn(store, ...)` on the store's writer thread, in submission order; `read(fn, ...)` on a
    reader thread. Both return at once with a future of the result (or of the error: TransitionRefused,
    InvalidCommand, SyncError ...)."""

    def __init__(self, store: LocalStore, *, readers: int = 2) -> None:
        self.store = store
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._readers = ThreadPoolExecutor(max_workers=max(1, readers), thread_name_prefix="store-reader")
        self._closed = False
        # A pool starts its threads on the first submits, and starting a thread waits for it to run: that wait
        # would fall on the caller of a facade (milliseconds when the other threads are busy). Start them now.
        _start_threads(self._writer, 1)
        _start_threads(self._readers, max(1, readers))

    def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        return self._submit(self._writer, fn, args, kwargs)

    def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        return self._submit(self._readers, fn, args, kwargs)

    def _submit(self, executor: ThreadPoolExecutor, fn: Callable[..., T], args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Future[T]:
        if self._closed:
            failed: Future[T] = Future()
            failed.set_exception(SyncError("the local store is closed", code="store_closed"))
            return failed
        return executor.submit(fn, self.store, *args, **kwargs)

    def close(self, *, wait: bool = True) -> None:
        """No new work; with `wait`, every write asked for so far is finished (nothing saved is dropped)."""
        self._closed = True
        self._writer.shutdown(wait=wait)
        self._readers.shutdown(wait=wait)


def _start_threads(executor: ThreadPoolExecutor, count: int) -> None:
    """Make `executor` start all `count` of its threads now (each waits until all have started)."""
    started = threading.Barrier(count + 1)
    for _ in range(count):
        executor.submit(started.wait, 10)
    started.wait(10)
