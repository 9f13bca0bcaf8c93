"""The runtime: the loop in its own thread, submit from other threads, supervision of long-lived tasks, orderly
shutdown."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import pytest

from agent_desktop.core.backoff import Backoff
from agent_desktop.runtime import Runtime, RuntimeMisuse, Supervisor, TaskState

FAST = Backoff(initial_s=0.01, max_s=0.02, jitter=0.0)


def wait_for(predicate: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def test_the_loop_runs_in_its_own_thread_and_submit_returns_a_future() -> None:
    with Runtime() as runtime:
        caller = threading.current_thread()

        async def where() -> str:
            await asyncio.sleep(0)
            return threading.current_thread().name

        future = runtime.submit(where())
        assert future.result(5) == "agent-desktop-io" != caller.name
        seen: list[str] = []
        runtime.call_soon(lambda: seen.append(threading.current_thread().name))
        wait_for(lambda: seen == ["agent-desktop-io"], "call_soon")


def test_a_coroutine_error_comes_back_through_its_future() -> None:
    with Runtime() as runtime:
        async def fail() -> None:
            raise ValueError("bad")

        with pytest.raises(ValueError, match="bad"):
            runtime.run(fail(), timeout=5)


def test_run_from_the_loop_thread_is_refused_instead_of_deadlocking() -> None:
    with Runtime() as runtime:
        async def inner() -> None:
            async def nothing() -> None:
                return None

            runtime.run(nothing())

        with pytest.raises(RuntimeMisuse) as caught:
            runtime.run(inner(), timeout=5)
        assert caught.value.code == "runtime_misuse"


def test_submit_before_start_and_after_stop_is_refused() -> None:
    runtime = Runtime()

    async def nothing() -> None:
        return None

    with pytest.raises(RuntimeMisuse):
        runtime.submit(nothing())
    runtime.start()
    runtime.stop()
    with pytest.raises(RuntimeMisuse):
        runtime.submit(nothing())
    runtime.stop()  # again: harmless


def test_a_supervised_task_that_dies_is_logged_reported_and_restarted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    runs: list[int] = []
    reports: list[tuple[str, str]] = []
    release = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs) + 1)
        if len(runs) < 3:
            raise ConnectionError(f"boom {len(runs)}")
        await release.wait()  # the third run stays up

    with Runtime(restart_backoff=FAST) as runtime:
        entry = runtime.supervise("flaky", flaky, restart=True,
                                  on_failure=lambda name, exc: reports.append((name, str(exc)))).result(5)
        wait_for(lambda: len(runs) == 3 and entry.state is TaskState.RUNNING, "third run")
        assert reports == [("flaky", "boom 1"), ("flaky", "boom 2")]
        assert entry.failures == 2 and isinstance(entry.last_error, ConnectionError)
        assert sum("task flaky died" in r.getMessage() for r in caplog.records) == 2
    assert entry.state is TaskState.CANCELLED  # stop() cancelled the long-lived run


def test_a_task_not_safe_to_restart_stays_failed_and_one_that_returns_is_finished() -> None:
    with Runtime(restart_backoff=FAST) as runtime:
        async def once() -> None:
            raise RuntimeError("no retry")

        async def done() -> None:
            return None

        failed = runtime.supervise("once", once, restart=False).result(5)
        finished = runtime.supervise("done", done, restart=True).result(5)
        wait_for(lambda: failed.state is TaskState.FAILED and finished.state is TaskState.FINISHED, "ends")
        assert failed.failures == 1 and finished.failures == 0


def test_stop_ends_every_task_even_unsupervised_ones_and_closes_the_loop() -> None:
    runtime = Runtime()
    runtime.start()
    cancelled = threading.Event()

    async def stray() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cancelled.set()

    async def spawn() -> None:
        asyncio.get_running_loop().create_task(stray())

    runtime.run(spawn())
    loop = runtime.loop
    runtime.stop()
    assert cancelled.is_set() and loop.is_closed() and not runtime.running


async def test_the_supervisor_refuses_two_running_tasks_of_one_name() -> None:
    supervisor = Supervisor(backoff=FAST)
    block = asyncio.Event()
    supervisor.start("one", block.wait)
    with pytest.raises(RuntimeMisuse):
        supervisor.start("one", block.wait)
    await supervisor.stop()
    assert supervisor.tasks["one"].state is TaskState.CANCELLED


def test_submissions_reach_the_loop_in_order_and_a_cancelled_future_cancels_the_task() -> None:
    with Runtime() as runtime:
        seen: list[int] = []

        async def note(n: int) -> int:
            seen.append(n)
            return n

        futures = [runtime.submit(note(n)) for n in range(200)]
        assert [f.result(5) for f in futures] == list(range(200)) and seen == list(range(200))

        started, cancelled = threading.Event(), threading.Event()

        async def long() -> None:
            started.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        future = runtime.submit(long())
        assert started.wait(5)
        assert future.cancel()
        assert cancelled.wait(5)


def test_a_timed_out_run_cancels_its_coroutine() -> None:
    import concurrent.futures

    with Runtime() as runtime:
        cancelled = threading.Event()

        async def slow() -> None:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        with pytest.raises(concurrent.futures.TimeoutError):
            runtime.run(slow(), timeout=0.1)
        assert cancelled.wait(5)
