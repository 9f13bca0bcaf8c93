"""Listener registrations with unsubscribe handles, and the one way listeners are called: safely.

Every service keeps its listeners in a `Listeners` and calls them with `emit(...)`: a listener that raises is logged
and the others still run (one faulty panel must not starve the rest, nor break the AMI reader or the sync loop).
A listener may return an awaitable (an `async def`); what to do with it is the owner's business (`on_awaitable`,
e.g. the service's task spawner), so this module stays free of asyncio.

    listeners: Listeners[[DomainEvent]] = Listeners("telephony")
    subscription = listeners.add(on_event)   # returns a handle
    listeners.emit(event)
    subscription.cancel()                    # unsubscribe (idempotent)

Pure but for logging a failing listener.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, ParamSpec

P = ParamSpec("P")

log = logging.getLogger(__name__)


class Subscription:
    """The handle a registration returns: `cancel()` removes the listener (again is harmless). Usable as a context
    manager (unsubscribed on exit)."""

    __slots__ = ("_cancel", "_cancelled")

    def __init__(self, cancel: Callable[[], None]) -> None:
        self._cancel = cancel
        self._cancelled = False

    @property
    def active(self) -> bool:
        return not self._cancelled

    def cancel(self) -> None:
        if not self._cancelled:
            self._cancelled = True
            self._cancel()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


class Listeners(Generic[P]):
    """An ordered set of callbacks. Adding and removing is safe from any thread; `emit` runs in the caller's thread
    over a snapshot, so a listener may unsubscribe itself (or another) while being called."""

    def __init__(self, owner: str, *, on_awaitable: Callable[[Any], None] | None = None) -> None:
        self._owner = owner
        self._on_awaitable = on_awaitable
        self._callbacks: tuple[Callable[P, Any], ...] = ()
        self._lock = threading.Lock()
        self.failures = 0

    def __len__(self) -> int:
        return len(self._callbacks)

    def add(self, callback: Callable[P, Any]) -> Subscription:
        with self._lock:
            self._callbacks = (*self._callbacks, callback)
        return Subscription(lambda: self._remove(callback))

    def _remove(self, callback: Callable[P, Any]) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
            for index, known in enumerate(callbacks):
                if known is callback:
                    del callbacks[index]
                    break
            self._callbacks = tuple(callbacks)

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for callback in self._callbacks:
            call_safely(callback, *args, owner=self._owner, on_awaitable=self._on_awaitable, **kwargs)


def call_safely(callback: Callable[..., Any], *args: Any, owner: str = "", on_awaitable: Callable[[Any], None] | None
                = None, **kwargs: Any) -> bool:
    """Call one listener; an exception is logged (with the owner's name), never raised. An awaitable result goes to
    `on_awaitable` (else it is closed, with a warning: nobody would run it). Returns False when the listener failed."""
    try:
        result = callback(*args, **kwargs)
    except Exception:
        log.exception("a %s listener failed: %r", owner or "service", callback)
        return False
    if inspect.isawaitable(result):
        if on_awaitable is not None:
            on_awaitable(result)
        else:
            log.warning("a %s listener returned an awaitable nobody runs: %r", owner or "service", callback)
            close = getattr(result, "close", None)
            if close is not None:
                close()
    return True
