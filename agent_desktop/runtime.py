"""The desktop's one runtime: an asyncio event loop in its own thread, a way in from other threads, and a supervisor
for every long-lived task.

Why a thread of its own (DESIGN.md, "Runtime shape"): Asterisk drops an AMI client that stops reading for about
100 ms, so nothing the UI (or a CLI's main thread) does may ever stall the loop that reads AMI, the AudioSocket
streams and the sync websocket. The other direction holds too: nothing on the loop may hold a caller's thread.

    runtime = Runtime()
    runtime.start()                                   # the loop runs in thread "agent-desktop-io"
    future = runtime.submit(telephony.hold(call_id))  # from any thread: a concurrent.futures.Future, at once
    runtime.call_soon(callback, arg)                  # a plain function on the loop thread
    value = runtime.run(coro, timeout=10)             # submit and wait (a CLI's main thread; never the loop's)
    runtime.supervise("sync-client", client.run, restart=True, on_failure=report)
    runtime.stop()                                    # supervised tasks cancelled, every task ended, loop closed

Crossing in: `submit` and `call_soon` put the work in a queue and return; a small relay thread hands it to the loop.
Waking the loop is a write to its wake-up socket, a system call that gives the GIL away — done on the caller's
thread, the caller would then wait for the GIL to come back (milliseconds when other threads are busy).

Supervision (`Supervisor`): a task is started from a factory (a coroutine function), so it can be started again.
When it raises, the failure is logged with its traceback, `on_failure(name, exc)` is told (the owning service puts
it in its health value), and — when the task was declared restartable — it is started again after a backoff delay
(`agent_desktop.core.backoff`); a task that returns normally has finished its work and is not restarted. Nothing
is fire-and-forget: every task the runtime runs is known to it and ended by `stop()`.

Shutdown order (`stop`): the supervised tasks are cancelled and awaited, then every other task still on the loop is
cancelled and awaited (as `asyncio.run` does), async generators and the default executor are shut down, the loop
stops and is closed, the thread is joined. Services stop themselves before that (`agent_desktop.app`), so a clean
shutdown never relies on the cancellation sweep.

May import the standard library and `agent_desktop.core`; never an adapter, Qt or the CLI.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import enum
import logging
import queue
import random
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from agent_desktop.core.backoff import Backoff
from agent_desktop.core.errors import AgentDesktopError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_RESTART_BACKOFF = Backoff(initial_s=0.5, max_s=30.0, jitter=0.2)
FailureCallback = Callable[[str, BaseException], None]


class RuntimeMisuse(AgentDesktopError):
    """The runtime was used wrongly: not started, stopped, or called from its own thread where that would deadlock
    (code `runtime_misuse`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="runtime_misuse")


class TaskState(enum.StrEnum):
    RUNNING = "running"
    RESTARTING = "restarting"  # failed; waiting for the backoff delay before it is started again
    FINISHED = "finished"  # returned normally
    FAILED = "failed"  # raised and is not restarted
    CANCELLED = "cancelled"


@dataclass
class SupervisedTask:
    """What the supervisor knows of one long-lived task (read it from the loop thread, or as a rough view)."""

    name: str
    restart: bool
    state: TaskState = TaskState.RUNNING
    failures: int = 0
    last_error: BaseException | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class Supervisor:
    """Starts, watches and restarts long-lived tasks on the running loop. Create and use on the loop's thread."""

    def __init__(self, *, backoff: Backoff = DEFAULT_RESTART_BACKOFF, rng: random.Random | None = None) -> None:
        self._backoff = backoff
        self._rng = rng or random.Random()
        self._tasks: dict[str, SupervisedTask] = {}
        self._closing = False

    @property
    def tasks(self) -> dict[str, SupervisedTask]:
        return dict(self._tasks)

    def start(self, name: str, factory: Callable[[], Awaitable[Any]], *, restart: bool = False,
              on_failure: FailureCallback | None = None) -> SupervisedTask:
        """Run `factory()` as a task named `name` (unique among the running ones)."""
        if self._closing:
            raise RuntimeMisuse(f"the supervisor is stopping; {name} not started")
        known = self._tasks.get(name)
        if known is not None and known.task is not None and not known.task.done():
            raise RuntimeMisuse(f"a task named {name} is already running")
        entry = SupervisedTask(name, restart)
        entry.task = asyncio.get_running_loop().create_task(self._watch(entry, factory, on_failure), name=name)
        self._tasks[name] = entry
        return entry

    async def _watch(self, entry: SupervisedTask, factory: Callable[[], Awaitable[Any]],
                     on_failure: FailureCallback | None) -> None:
        attempt = 0
        while True:
            entry.state = TaskState.RUNNING
            try:
                await factory()
            except asyncio.CancelledError:
                entry.state = TaskState.CANCELLED
                raise
            except Exception as exc:
                entry.failures += 1
                entry.last_error = exc
                log.error("task %s died (failure %d)%s", entry.name, entry.failures,
                          "; restarting" if entry.restart and not self._closing else "", exc_info=exc)
                if on_failure is not None:
                    try:
                        on_failure(entry.name, exc)
                    except Exception:
                        log.exception("the failure report of task %s failed", entry.name)
                if not entry.restart or self._closing:
                    entry.state = TaskState.FAILED
                    return
                entry.state = TaskState.RESTARTING
                await asyncio.sleep(self._backoff.delay(attempt, self._rng))
                attempt += 1
                continue
            entry.state = TaskState.FINISHED
            return

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Cancel every supervised task and wait for them (at most `timeout_s`)."""
        self._closing = True
        tasks = [e.task for e in self._tasks.values() if e.task is not None and not e.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=timeout_s)
            for task in pending:
                log.warning("task %s did not end within %.1f s of being cancelled", task.get_name(), timeout_s)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error("task %s ended with an error while stopping", task.get_name(),
                              exc_info=task.exception())
        for entry in self._tasks.values():
            if entry.task is not None and entry.task.cancelled():
                entry.state = TaskState.CANCELLED  # also a task cancelled before its first step


class Runtime:
    """The event loop in its own thread. `start()` once, `stop()` once; everything else is safe from any thread."""

    def __init__(self, *, name: str = "agent-desktop-io", restart_backoff: Backoff = DEFAULT_RESTART_BACKOFF) -> None:
        self._name = name
        self._restart_backoff = restart_backoff
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._supervisor: Supervisor | None = None
        self._ready = threading.Event()
        self._stopped = False
        self._inbox: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._relay: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeMisuse("the runtime was already started")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        self._ready.wait()
        self._relay = threading.Thread(target=self._relay_submissions, name=f"{self._name}-submit", daemon=True)
        self._relay.start()

    def _relay_submissions(self) -> None:
        """Hand what other threads submit to the loop. Waking the loop is a write to its wake-up socket, a system
        call that gives the GIL away; the submitting thread (the UI's) would then wait for the GIL to come back,
        milliseconds when other threads are busy. It only puts the work in a queue (no system call, the GIL kept);
        this thread pays for the wake-up."""
        while True:
            item = self._inbox.get()
            if item is None:
                return
            try:
                item()
            except Exception:
                log.exception("a submission could not be handed to the loop")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_log_loop_exception)
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._supervisor = Supervisor(backoff=self._restart_backoff)
        loop.call_soon(self._ready.set)
        try:
            loop.run_forever()
        finally:
            asyncio.set_event_loop(None)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Orderly shutdown (see the module docstring). Call from any thread but the loop's; again is harmless."""
        if self._stopped or self._loop is None or self._thread is None:
            self._stopped = True
            return
        self._refuse_loop_thread("stop")
        self._stopped = True
        self._inbox.put(None)  # what was submitted before reaches the loop first (the queue is in order)
        if self._relay is not None:
            self._relay.join(timeout_s)
        loop = self._loop
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(timeout_s), loop).result(timeout_s + 5.0)
        except (concurrent.futures.TimeoutError, TimeoutError):
            log.error("the runtime did not shut down within %.1f s; stopping the loop anyway", timeout_s)
        except Exception:
            log.exception("the runtime's shutdown failed; stopping the loop anyway")
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout_s)
        if not self._thread.is_alive():
            loop.close()

    async def _shutdown(self, timeout_s: float) -> None:
        assert self._supervisor is not None
        await self._supervisor.stop(timeout_s / 2)
        current = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not current]
        for task in others:
            task.cancel()
        if others:
            done, pending = await asyncio.wait(others, timeout=timeout_s / 2)
            for task in pending:
                log.warning("task %s still running at shutdown", task.get_name())
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error("task %s ended with an error at shutdown", task.get_name(), exc_info=task.exception())
        loop = asyncio.get_running_loop()
        await loop.shutdown_asyncgens()
        await loop.shutdown_default_executor()

    def __enter__(self) -> Runtime:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- crossing into the loop ---------------------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeMisuse("the runtime is not started")
        return self._loop

    @property
    def running(self) -> bool:
        return self._loop is not None and not self._stopped and self._loop.is_running()

    def in_loop_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coro` on the loop; returns at once with a future of its result (its exception, if it raises)."""
        if not self.running:
            coro.close()
            raise RuntimeMisuse("the runtime is not running")
        outer: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._inbox.put(lambda: self._hand_over(coro, outer))
        return outer

    def _hand_over(self, coro: Coroutine[Any, Any, T], outer: concurrent.futures.Future[T]) -> None:
        """On the relay thread: start `coro` on the loop; its outcome goes to `outer`, and cancelling `outer`
        cancels it."""
        if outer.cancelled():
            coro.close()
            return
        try:
            inner = asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError as exc:  # the loop closed meanwhile
            coro.close()
            with contextlib.suppress(concurrent.futures.InvalidStateError):
                outer.set_exception(RuntimeMisuse(f"the runtime stopped before the coroutine ran: {exc}"))
            return
        _chain(inner, outer)

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Call a plain function on the loop thread, soon (its exceptions go to the loop's handler: logged)."""
        if not self.running:
            raise RuntimeMisuse("the runtime is not running")
        self._inbox.put(lambda: self.loop.call_soon_threadsafe(callback, *args))

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Submit and wait for the result, re-raising its exception. Not from the loop's own thread (deadlock)."""
        self._refuse_loop_thread("run", coro)
        future = self.submit(coro)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def supervise(self, name: str, factory: Callable[[], Awaitable[Any]], *, restart: bool = False,
                  on_failure: FailureCallback | None = None) -> concurrent.futures.Future[SupervisedTask]:
        """Start a supervised long-lived task (from any thread); the future gives its `SupervisedTask`."""

        async def start() -> SupervisedTask:
            return self.supervisor.start(name, factory, restart=restart, on_failure=on_failure)

        return self.submit(start())

    @property
    def supervisor(self) -> Supervisor:
        """The loop's supervisor (use it on the loop thread)."""
        if self._supervisor is None:
            raise RuntimeMisuse("the runtime is not started")
        return self._supervisor

    def _refuse_loop_thread(self, what: str, coro: Coroutine[Any, Any, Any] | None = None) -> None:
        if self.in_loop_thread():
            if coro is not None:
                coro.close()
            raise RuntimeMisuse(f"Runtime.{what}() called from the loop's own thread would wait for itself")


def _chain(inner: concurrent.futures.Future[T], outer: concurrent.futures.Future[T]) -> None:
    """`outer` gets `inner`'s outcome; cancelling `outer` cancels `inner` (the task on the loop)."""

    def copy(done: concurrent.futures.Future[T]) -> None:
        with contextlib.suppress(concurrent.futures.InvalidStateError):  # the caller cancelled `outer` meanwhile
            if done.cancelled():
                outer.cancel()
            elif done.exception() is not None:
                outer.set_exception(done.exception())
            else:
                outer.set_result(done.result())

    def cancel(done: concurrent.futures.Future[T]) -> None:
        if done.cancelled():
            inner.cancel()

    inner.add_done_callback(copy)
    outer.add_done_callback(cancel)


def _log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    message = context.get("message", "unhandled error on the event loop")
    if exc is not None:
        log.error("%s", message, exc_info=exc)
    else:
        log.error("%s", message)


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel a task and wait until it has ended (its CancelledError swallowed, any other error logged)."""
    if task is None or task.done():
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        try:
            await task
        except Exception:
            log.exception("task %s failed while being cancelled", task.get_name())
