"""The rejection throttle on its own, with a clock the test moves: when a user is slowed down, for how long, and
that it is reported once per episode."""

from __future__ import annotations

import logging

import pytest

from sync.server.throttle import RejectionThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_user_is_slowed_only_beyond_the_burst_and_until_the_rate_falls(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    throttle = RejectionThrottle(burst=10, rate=2, max_delay_s=5, clock=clock)
    with caplog.at_level(logging.WARNING, logger="sync.server.throttle"):
        started = [throttle.rejected("unit-a") for _ in range(10)]
        assert not any(started) and throttle.delay("unit-a") == 0  # within the burst: never slowed
        assert throttle.rejected("unit-a") and not throttle.rejected("unit-a")  # reported once
    assert throttle.delay("unit-a") == pytest.approx(1.0)  # 2 over the burst, draining 2 a second
    assert throttle.delay("unit-b") == 0 and not throttle.is_slowed("unit-b")  # per user
    for _ in range(100):
        throttle.rejected("unit-a")
    assert throttle.delay("unit-a") == 5  # capped
    reports = [r.getMessage() for r in caplog.records]
    assert len(reports) == 1 and "unit-a" in reports[0] and "11" in reports[0]
    clock.now += 60  # the rate fell: no longer slowed, and a new burst is reported again
    assert throttle.delay("unit-a") == 0 and not throttle.is_slowed("unit-a")
    assert not any(throttle.rejected("unit-a") for _ in range(10))
    assert throttle.rejected("unit-a") and throttle.slowed_users == 2
