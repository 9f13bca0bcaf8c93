"""Property tests: shuffled, duplicated or truncated AMI streams never break the tracker, and every offered call
ends once its channels have hung up."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.tracking.events import CallEnded, DomainEvent
from telephony.tracking.tracker import LOST_DURING_RECONNECT, CallTracker

from .helpers import T0, PjsipCall, capture

SEAT_LOCAL = "Local/agent1@agents"


def _messages(name: str) -> list[Mapping[str, str]]:
    return [msg for _, msg in capture(name)]


def _pjsip_calls() -> list[Mapping[str, str]]:
    a, b, c = PjsipCall(1), PjsipCall(2, number="13900139000"), PjsipCall(3)
    return [
        *a.offered(), *b.offered(), *a.answered(), *c.offered(), *b.answered(),
        *a.caller_hangs_up(), *b.agent_hangs_up_by_ami(), *b.caller_leaves_later(),
        c._q("AgentRingNoAnswer"), *c.caller_hangs_up(),
    ]


STREAMS = {
    "03": _messages("03_queue_inbound"),
    "06": _messages("06_callback"),
    "07": _messages("07_conference"),
    "09": _messages("09_survey"),
    "pjsip": _pjsip_calls(),
}
ALL = [m for stream in STREAMS.values() for m in stream]
TRACKERS = [CallTracker, lambda: CallTracker(interface=SEAT_LOCAL), lambda: CallTracker(interface="PJSIP/1001")]
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _feed(tracker: CallTracker, messages: list[Mapping[str, str]]) -> list[DomainEvent]:
    out: list[DomainEvent] = []
    for i, msg in enumerate(messages):
        out.extend(tracker.feed(msg, T0 + timedelta(milliseconds=i)))
    return out


def _no_internal_errors(tracker: CallTracker) -> None:
    assert not [k for k in tracker.anomalies if k.startswith(("handler_error", "resync_error"))], tracker.anomalies


def _every_offer_ends(events: list[DomainEvent]) -> None:
    """For each call, the last lifecycle event is its end."""
    last: dict[str, str] = {}
    for e in events:
        if e.EVENT in ("call_offered", "call_ringing", "call_answered", "conference_joined", "call_ended"):
            last[e.call_id] = e.EVENT
    assert all(kind == "call_ended" for kind in last.values()), last


@PROFILE
@given(order=st.permutations(ALL), which=st.integers(0, len(TRACKERS) - 1))
def test_shuffled_streams_never_raise_and_all_calls_end(order: list[Mapping[str, str]], which: int) -> None:
    tracker = TRACKERS[which]()
    events = _feed(tracker, order)
    _no_internal_errors(tracker)
    # Every Hangup of every channel was in the stream: nothing may stay on screen.
    assert tracker.snapshot() == ()
    _every_offer_ends(events)


@PROFILE
@given(repeats=st.lists(st.integers(1, 3), min_size=len(ALL), max_size=len(ALL)),
       which=st.integers(0, len(TRACKERS) - 1))
def test_duplicated_messages_change_nothing(repeats: list[int], which: int) -> None:
    # A repeated DTMF digit is a real second key press; repeats of anything else are duplicates.
    doubled = [m for m, n in zip(ALL, repeats, strict=True) for _ in range(1 if m.get("Event") == "DTMFEnd" else n)]
    once, twice = TRACKERS[which](), TRACKERS[which]()
    expected = [e.to_json() | {"time": None} for e in _feed(once, ALL)]
    got = [e.to_json() | {"time": None} for e in _feed(twice, doubled)]
    # talk_time_s and wait_s depend on arrival times, which duplicates shift
    for item in expected + got:
        item.pop("talk_time_s", None)
        item.pop("wait_s", None)
    assert got == expected
    _no_internal_errors(twice)


@PROFILE
@given(cut=st.integers(0, len(ALL)), which=st.integers(0, len(TRACKERS) - 1))
def test_truncated_stream_then_resync_leaves_no_ghost(cut: int, which: int) -> None:
    tracker = TRACKERS[which]()
    _feed(tracker, ALL[:cut])
    live = {c.call_id for c in tracker.snapshot()}
    events = tracker.resync([], [], T0 + timedelta(minutes=1))
    _no_internal_errors(tracker)
    assert tracker.snapshot() == ()
    lost = {e.call_id for e in events if isinstance(e, CallEnded) and e.reason == LOST_DURING_RECONNECT}
    assert lost == live


@PROFILE
@given(
    junk=st.lists(
        st.dictionaries(
            st.sampled_from(["Event", "Uniqueid", "Linkedid", "DestUniqueid", "Channel", "DestChannel", "Queue",
                             "Interface", "Conference", "Paused", "Reason", "Cause", "Variable", "Value", "UserEvent",
                             "DialStatus", "Response", "ActionID", "Location", "Result", "Application",
                             "ApplicationData", "BridgeId", "ChannelState"]),
            st.one_of(st.sampled_from(["AgentCalled", "AgentConnect", "Hangup", "ConfbridgeJoin", "ConfbridgeLeave",
                                       "QueueMemberPause", "OriginateResponse", "DialBegin", "DialEnd", "UserEvent",
                                       "Survey", "1", "0", "", "<unknown>", "AudioSocket/x", "PJSIP/1001-1", "hotline",
                                       "Hold", "MusicOnHoldStart", "BlindTransfer", "Success", "ConfBridge",
                                       "Queue", "AppQueue", "QueueMember", "QueueEntry", "6"]),
                      st.text(max_size=8)),
        ),
        max_size=60,
    ),
    which=st.integers(0, len(TRACKERS) - 1),
)
def test_random_messages_never_raise(junk: list[dict[str, str]], which: int) -> None:
    tracker = TRACKERS[which]()
    _feed(tracker, junk)
    tracker.resync(junk, junk, T0)
    _no_internal_errors(tracker)
