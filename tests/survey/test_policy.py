"""The survey's pure policy: calling windows per weekday and on statutory holidays, retries, the pacer."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

import pytest

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.survey import (
    DEFAULT_WINDOWS,
    AttemptOutcome,
    CallingPolicy,
    SurveySettings,
    Window,
    parse_settings,
    rating_of,
)
from agent_desktop.core.work_order import Rating
from telephony.survey.pacing import Pacer
from tests.survey.harness import local


def test_the_default_windows_and_the_next_opening() -> None:
    policy = CallingPolicy()
    assert policy.in_window(local(2026, 9, 29, 9, 0)) and policy.in_window(local(2026, 9, 29, 20, 29))
    assert not policy.in_window(local(2026, 9, 29, 12, 0)) and not policy.in_window(local(2026, 9, 29, 20, 30))
    assert policy.next_open(local(2026, 9, 29, 12, 0)) == local(2026, 9, 29, 14, 0)
    assert policy.next_open(local(2026, 9, 29, 21, 0)) == local(2026, 9, 30, 9, 0)
    assert policy.next_open(local(2026, 9, 29, 10, 15)) == local(2026, 9, 29, 10, 15)
    assert policy.first_call_at(local(2026, 9, 29, 11, 45)) == local(2026, 9, 29, 14, 0)


def test_statutory_holidays_are_told_from_ordinary_weekends_around_national_day() -> None:
    policy = CallingPolicy()
    holidays = [date(2026, 10, d) for d in range(1, 8)]
    assert all(policy.is_holiday(d) for d in holidays)  # Thursday 1 to Wednesday 7 October, weekend included
    assert not policy.is_holiday(date(2026, 10, 10))  # an adjusted working Saturday
    assert not policy.is_holiday(date(2026, 10, 17)) and not policy.is_holiday(date(2026, 10, 18))  # a weekend
    assert not policy.is_holiday(date(2026, 9, 30))


def test_holiday_and_weekday_windows_are_configurable_and_no_call_day_is_skipped() -> None:
    sunday_off = (DEFAULT_WINDOWS,) * 6 + ((),)
    settings = SurveySettings(weekday_windows=sunday_off, holiday_windows=(Window(time(10), time(11)),))
    policy = CallingPolicy(settings)
    assert policy.next_open(local(2026, 9, 30, 21, 0)) == local(2026, 10, 1, 10, 0)  # a holiday
    assert policy.next_open(local(2026, 10, 17, 21, 0)) == local(2026, 10, 19, 9, 0)  # Sunday: no calls
    assert policy.next_open(local(2026, 10, 9, 21, 0)) == local(2026, 10, 10, 9, 0)  # the working Saturday


def test_retries_end_with_the_attempts_or_a_dead_number() -> None:
    policy = CallingPolicy(SurveySettings(max_attempts=2, retry_interval=timedelta(hours=3)))
    assert policy.next_attempt_at(AttemptOutcome.BUSY, 1, local(2026, 9, 29, 10, 0)) == local(2026, 9, 29, 14, 0)
    assert policy.next_attempt_at(AttemptOutcome.BUSY, 2, local(2026, 9, 29, 10, 0)) is None
    assert policy.next_attempt_at(AttemptOutcome.NUMBER_VACANT, 1, local(2026, 9, 29, 10, 0)) is None
    assert policy.next_attempt_at(AttemptOutcome.POWERED_OFF, 1, local(2026, 9, 29, 18, 0)) == \
        local(2026, 9, 30, 9, 0)


def test_digits_and_bad_settings() -> None:
    assert [rating_of(d) for d in ("1", "2", "3", "4", "", None)] == [
        Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED, None, None, None]
    with pytest.raises(InvalidCommand):
        Window.parse("12:00-09:00")
    with pytest.raises(InvalidCommand):
        SurveySettings(weekday_windows=((Window(time(9), time(12)), Window(time(11), time(13))),) * 7)
    with pytest.raises(InvalidCommand):
        parse_settings({"windowz": []})
    parsed = parse_settings({"windows_sun": [], "holiday_windows": ["10:00-11:30"], "max_attempts": 5})
    assert parsed.weekday_windows[6] == () and parsed.max_attempts == 5


def test_the_pacer_spaces_starts_and_holds_the_cap() -> None:
    pacer = Pacer(channels=2, calls_per_minute=30)  # one start every 2 s
    assert pacer.wait_s(0.0, 0) == 0.0
    pacer.started(0.0)
    assert pacer.wait_s(0.5, 1) == pytest.approx(1.5)
    assert pacer.wait_s(2.0, 2) is None  # both channels busy
    pacer.started(2.0)
    pacer.started(9.0)  # a late start earns no burst afterwards
    assert pacer.wait_s(9.0, 0) == pytest.approx(2.0)


def test_an_announcement_detectors_verdict_becomes_an_outcome() -> None:
    from agent_desktop.core.announcement import AnnouncementKind
    from agent_desktop.core.survey import outcome_of_announcement

    class Detection:
        def __init__(self, kind: AnnouncementKind | None, announcement: bool = True) -> None:
            self.kind, self.announcement = kind, announcement

    assert outcome_of_announcement(Detection(AnnouncementKind.EMPTY_NUMBER)) is AttemptOutcome.NUMBER_VACANT
    assert outcome_of_announcement(Detection(None, announcement=False)) is None
    unknown = outcome_of_announcement(Detection(None))  # a recording of a kind nobody enrolled: retried
    assert unknown is AttemptOutcome.ANNOUNCEMENT_UNKNOWN and not unknown.ends_attempts and unknown.zh == "未知提示音"
    assert outcome_of_announcement("停机") is AttemptOutcome.NUMBER_SUSPENDED
    assert outcome_of_announcement(AnnouncementKind.BUSY) is AttemptOutcome.IN_CALL
    assert outcome_of_announcement(AttemptOutcome.POWERED_OFF) is AttemptOutcome.POWERED_OFF
    assert outcome_of_announcement(AnnouncementKind.SWITCHED_OFF).ends_attempts is False
    with pytest.raises(ValueError):
        outcome_of_announcement("彩铃")


def _paced_starts(pacer: Pacer, until: float, late_s) -> list[float]:
    """A dialer that starts a call whenever the pacer allows, waking `late_s(n)` after the moment it asked for."""
    starts: list[float] = []
    now = 0.0
    while now < until:
        wait = pacer.wait_s(now, 0)
        assert wait is not None
        now += wait + late_s(len(starts))
        pacer.started(now)
        starts.append(now)
    return starts


def test_the_pacer_makes_up_small_delays_instead_of_adding_them_up() -> None:
    """600 a minute with the event loop waking 1 ms late each time, and a 0.15 s stall at the 300th call: the pace
    and every 10 s window stay at the setting (before: each millisecond and the stall were lost for good, 593 a
    minute and a 10 s window short)."""
    starts = _paced_starts(Pacer(channels=8, calls_per_minute=600), 60.0,
                           lambda n: 0.001 + (0.15 if n == 300 else 0.0))
    assert 599 <= sum(1 for s in starts if s < 60.0) <= 601
    for window in range(6):
        assert 99 <= sum(1 for s in starts if 10 * window <= s < 10 * window + 10) <= 101
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.05 - 1e-9  # catching up never starts two calls closer than half an interval


def test_the_pacer_never_exceeds_the_pace_by_more_than_its_catch_up() -> None:
    import random

    chance = random.Random(13)
    pacer = Pacer(channels=8, calls_per_minute=600)
    starts = _paced_starts(pacer, 300.0, lambda _n: chance.choice((0.0, 0.0, 0.002, 0.03, 0.12, 0.25)))
    most = max(sum(1 for s in starts if a <= s < a + 60.0) for a in starts)
    assert most <= 600 + pacer.catch_up_intervals + 1
