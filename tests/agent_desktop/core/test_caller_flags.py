"""Screen-pop flags and harassment marks (第13条(六), 第41条)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.caller_flags import (
    CallerRecord,
    lift_harassing_mark,
    mark_harassing,
    screen_pop_flags,
)
from agent_desktop.core.errors import InvalidCommand, TransitionRefused
from agent_desktop.core.privacy import FieldCipher, seal_caller
from agent_desktop.core.work_order import Caller, NotAcceptedReason
from tests.agent_desktop.core.lifecycle_fixtures import AGENT, CTX, SUPERVISOR, T0, opened, step

CIPHER = FieldCipher.generate()
KEY = CIPHER.phone_key("13812348000")


def _order_of(order_id: str, phone: str, *, anonymous: bool, closed: bool = False, days_ago: int = 0):
    when = T0 - timedelta(days=days_ago)
    order = replace(opened(now=when), order_id=order_id)
    caller = seal_caller(Caller(name="王女士", phone=phone, is_anonymous=anonymous), CIPHER, order_id)
    order = step(order, lc.EditFields({"caller": caller}), AGENT, when)
    if closed:
        order = step(order, lc.NotAccept(NotAcceptedReason.ALREADY_HANDLED), AGENT, when)
    return order


def test_frequent_calls_flag_the_number_at_the_threshold_inside_the_window() -> None:
    rules = CTX.rules
    calls = [T0 - timedelta(hours=h) for h in range(rules.frequent_caller_calls - 1)]
    flags = screen_pop_flags(KEY, orders=[], call_times=calls, record=None, now=T0, rules=rules)
    assert flags.calls_in_window == rules.frequent_caller_calls - 1 and not flags.is_frequent_caller
    assert not flags.needs_attention
    calls.append(T0 - timedelta(hours=rules.frequent_caller_window_h))  # on the window's edge: counts
    flags = screen_pop_flags(KEY, orders=[], call_times=calls, record=None, now=T0, rules=rules)
    assert flags.is_frequent_caller and flags.needs_attention
    old = [*calls[:-1], T0 - timedelta(hours=rules.frequent_caller_window_h, seconds=1)]
    assert not screen_pop_flags(KEY, orders=[], call_times=old, record=None, now=T0, rules=rules).is_frequent_caller


def test_open_and_recent_orders_of_an_anonymous_number_are_found_by_fingerprint() -> None:
    orders = [
        _order_of("WO-A", "13812348000", anonymous=True),
        _order_of("WO-B", "+86 138 1234 8000", anonymous=False, closed=True, days_ago=3),
        _order_of("WO-C", "13812348000", anonymous=False, days_ago=CTX.rules.repeat_caller_window_days + 1),
        _order_of("WO-D", "13900001111", anonymous=False),
    ]
    flags = screen_pop_flags(KEY, orders=orders, call_times=[], record=None, now=T0, rules=CTX.rules)
    assert flags.open_order_ids == ("WO-A", "WO-C")
    assert flags.recent_order_ids == ("WO-A", "WO-B")
    assert flags.needs_attention


def test_only_a_supervisor_marks_a_number_and_the_marks_are_kept_when_lifted() -> None:
    record = CallerRecord(KEY)
    with pytest.raises(TransitionRefused) as info:
        mark_harassing(record, actor=AGENT, now=T0, reason="辱骂坐席")
    assert info.value.code == "role_not_allowed"
    with pytest.raises(InvalidCommand):
        mark_harassing(record, actor=SUPERVISOR, now=T0, reason=" ")
    marked = mark_harassing(record, actor=SUPERVISOR, now=T0, reason="多次辱骂坐席")
    assert marked.is_marked_harassing
    with pytest.raises(TransitionRefused, match="already"):
        mark_harassing(marked, actor=SUPERVISOR, now=T0, reason="again")
    flags = screen_pop_flags(KEY, orders=[], call_times=[], record=marked, now=T0, rules=CTX.rules)
    assert flags.is_marked_harassing and flags.needs_attention

    lifted = lift_harassing_mark(marked, actor=SUPERVISOR, now=T0 + timedelta(days=30), reason="复核后解除")
    assert not lifted.is_marked_harassing
    assert len(lifted.marks) == 1 and lifted.marks[0].reason == "多次辱骂坐席"
    assert lifted.marks[0].lifted_by == SUPERVISOR.user_id
    with pytest.raises(TransitionRefused, match="no harassment mark"):
        lift_harassing_mark(lifted, actor=SUPERVISOR, now=T0 + timedelta(days=31), reason="x")
    with pytest.raises(InvalidCommand):
        lift_harassing_mark(marked, actor=SUPERVISOR, now=T0, reason="")
    remarked = mark_harassing(lifted, actor=SUPERVISOR, now=T0 + timedelta(days=40), reason="再次骚扰")
    assert remarked.is_marked_harassing and len(remarked.marks) == 2


def test_screen_pop_refuses_missing_fingerprint_and_naive_times() -> None:
    with pytest.raises(InvalidCommand):
        screen_pop_flags("", orders=[], call_times=[], record=None, now=T0, rules=CTX.rules)
    with pytest.raises(InvalidCommand):
        screen_pop_flags(KEY, orders=[], call_times=[T0.replace(tzinfo=None)], record=None, now=T0, rules=CTX.rules)
