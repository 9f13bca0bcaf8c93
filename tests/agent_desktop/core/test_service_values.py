"""The small values every service shares: health, listener registrations with handles, the reconnect backoff."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import pytest

from agent_desktop.core.backoff import Backoff, backoff_delays
from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.listeners import Listeners, call_safely

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_health_moves_its_since_only_when_the_state_changes() -> None:
    health = Health("sync", HealthState.STARTING, "connecting", T0)
    same = health.moved_to(HealthState.STARTING, "connecting", T0 + timedelta(seconds=5))
    assert same is health
    detail = health.moved_to(HealthState.STARTING, "connecting; 3 waiting", T0 + timedelta(seconds=5))
    assert detail.since == T0 and detail.detail == "connecting; 3 waiting"
    up = detail.moved_to(HealthState.UP, "online", T0 + timedelta(seconds=9))
    assert up.since == T0 + timedelta(seconds=9) and up.state is HealthState.UP
    assert {s.zh for s in HealthState} and len({s.zh for s in HealthState}) == len(HealthState)


def test_listeners_are_called_in_order_and_a_handle_unsubscribes() -> None:
    listeners: Listeners[[int]] = Listeners("test")
    seen: list[tuple[str, int]] = []
    first = listeners.add(lambda n: seen.append(("a", n)))
    listeners.add(lambda n: seen.append(("b", n)))
    listeners.emit(1)
    first.cancel()
    first.cancel()  # again: harmless
    listeners.emit(2)
    assert seen == [("a", 1), ("b", 1), ("b", 2)]
    assert not first.active and len(listeners) == 1


def test_the_same_callback_twice_is_two_registrations_removed_one_at_a_time() -> None:
    listeners: Listeners[[int]] = Listeners("test")
    seen: list[int] = []
    one = listeners.add(seen.append)
    listeners.add(seen.append)
    one.cancel()
    listeners.emit(7)
    assert seen == [7]


def test_a_failing_listener_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    listeners: Listeners[[str]] = Listeners("telephony")
    seen: list[str] = []
    listeners.add(lambda _v: 1 / 0)
    listeners.add(seen.append)
    listeners.emit("x")
    assert seen == ["x"]
    assert any("telephony listener failed" in r.getMessage() for r in caplog.records)


def test_a_listener_may_unsubscribe_itself_while_being_called() -> None:
    listeners: Listeners[[int]] = Listeners("test")
    seen: list[int] = []

    def once(n: int) -> None:
        seen.append(n)
        handle.cancel()

    handle = listeners.add(once)
    listeners.emit(1)
    listeners.emit(2)
    assert seen == [1]


def test_awaitable_results_go_to_the_owner_or_are_closed(caplog: pytest.LogCaptureFixture) -> None:
    handed: list[Any] = []

    async def later(_v: int) -> None:
        return None

    listeners: Listeners[[int]] = Listeners("speech", on_awaitable=handed.append)
    listeners.add(later)
    listeners.emit(1)
    assert len(handed) == 1
    handed[0].close()
    caplog.set_level(logging.WARNING)
    assert call_safely(later, 2, owner="sync") is True  # nobody runs it: closed, with a warning (no "never awaited")
    assert any("awaitable nobody runs" in r.getMessage() for r in caplog.records)
    assert call_safely(lambda: 1 / 0) is False


def test_backoff_doubles_up_to_the_cap_and_stays_in_its_jitter_band() -> None:
    symmetric = Backoff(initial_s=1.0, max_s=30.0, jitter=0.25, jitter_above=0.25)
    rng = random.Random(3)
    for attempt in range(10):
        base = min(30.0, 2.0**attempt)
        assert 0.75 * base <= symmetric.delay(attempt, rng) <= 1.25 * base
    below = list(islice(backoff_delays(Backoff(initial_s=0.5, max_s=4.0), random.Random(7)), 6))
    for delay, top in zip(below, [0.5, 1.0, 2.0, 4.0, 4.0, 4.0], strict=True):
        assert top * 0.5 <= delay <= top
    assert list(islice(backoff_delays(Backoff(initial_s=1, max_s=10, jitter=0.0)), 6)) == [1, 2, 4, 8, 10, 10]
    assert Backoff(initial_s=1.0, max_s=5.0, jitter=0.0).delay(10_000, random.Random()) == 5.0  # no overflow
