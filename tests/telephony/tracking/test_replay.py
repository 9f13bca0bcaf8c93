"""Replaying the real Asterisk 20 captures (tests/data/ami) through the tracker gives the right domain events."""

from __future__ import annotations

import json

import pytest

from telephony.tracking.events import (
    CallAnswered,
    CallbackOutcome,
    CallEnded,
    CallOffered,
    CallRinging,
    ConferencePartyJoined,
    ConferencePartyLeft,
    OriginateOutcome,
    Party,
    QueueMembershipChanged,
    SurveyResult,
)
from telephony.tracking.tracker import CallTracker

from .helpers import CST, capture, kinds, replay

SEAT = "Local/agent1@agents"
CALL = "1795702470.0"


def test_queue_inbound_for_the_seat() -> None:
    tracker = CallTracker(interface=SEAT, queues=["hotline"])
    events = replay(tracker, capture("03_queue_inbound"))
    assert kinds(events) == [
        "queue_membership",
        "call_offered",
        "call_ringing",
        "call_answered",
        "call_ended",
        "queue_membership",
    ]
    login, offered, ringing, answered, ended, logout = events
    assert isinstance(login, QueueMembershipChanged) and login.logged_in and login.queue == "hotline"
    assert login.interface == SEAT and login.member_name == "agent1"
    assert isinstance(offered, CallOffered)
    assert (offered.call_id, offered.caller, offered.queue, offered.position) == (CALL, "13800138000", "hotline", 1)
    assert offered.caller_channel == "Local/complain@customer-00000000;1"
    assert offered.agent_channel == "Local/agent1@agents-00000001;1"
    assert offered.wait_s == pytest.approx(0.001)  # QueueCallerJoin at 0.006 s, AgentCalled at 0.007 s
    assert isinstance(ringing, CallRinging) and ringing.channel == offered.agent_channel
    assert isinstance(answered, CallAnswered)
    assert (answered.caller_uniqueid, answered.agent_uniqueid, answered.linkedid) == (CALL, "1795702470.2", CALL)
    assert answered.recording == "/var/spool/asterisk/monitor/hotline-13800138000-1795702470.0.wav"
    assert (answered.hold_time_s, answered.ring_time_s) == (2, 2)
    assert isinstance(ended, CallEnded)
    assert (ended.hangup_by, ended.cause, ended.cause_text) == (Party.CALLER, 16, "Normal Clearing")
    assert ended.answered and ended.reason == "completed"
    # The seat's leg hung up at 16.846 s: the call ends there, not at the later AgentComplete/caller Hangup.
    assert ended.time == answered.time.replace(second=46, microsecond=846000)
    assert isinstance(logout, QueueMembershipChanged) and not logout.logged_in
    assert tracker.snapshot() == ()
    assert not tracker.anomalies


def test_queue_inbound_supervisor_view_also_sees_the_test_rigs_originate() -> None:
    tracker = CallTracker()
    events = replay(tracker, capture("03_queue_inbound"))
    assert kinds(events) == [
        "queue_membership",
        "callback_outcome",  # the rig's Originate of the customer
        "call_offered",
        "call_ringing",
        "call_answered",
        "call_ended",
        "queue_membership",
    ]
    ended = events[5]
    assert isinstance(ended, CallEnded) and ended.hangup_by is Party.CALLER and ended.call_id == CALL


def test_queue_inbound_other_seat_and_other_queue_see_no_call() -> None:
    for tracker in (CallTracker(interface="PJSIP/1001"), CallTracker(interface=SEAT, queues=["other"])):
        events = replay(tracker, capture("03_queue_inbound"))
        assert not [e for e in events if e.call_id], kinds(events)
        assert tracker.snapshot() == ()


def test_snapshot_mid_call() -> None:
    tracker = CallTracker(interface=SEAT)
    stream = capture("03_queue_inbound")
    cut = next(i for i, (_, m) in enumerate(stream) if m.get("Event") == "AgentConnect") + 1
    replay(tracker, stream[:cut])
    (live,) = tracker.snapshot()
    assert (live.call_id, live.caller, live.state, live.queue) == (CALL, "13800138000", "answered", "hotline")
    assert live.recording and live.recording.endswith("1795702470.0.wav")
    assert json.dumps(live.to_json())


def test_callback_for_the_seat() -> None:
    tracker = CallTracker(interface=SEAT)
    tracker.expect_originate("06_callback-3")  # the failing Originate dials a broken string, not the seat's name
    events = replay(tracker, capture("06_callback"))
    assert kinds(events) == [
        "call_ringing",
        "callback_outcome",
        "callback_outcome",
        "call_answered",
        "call_ended",
        "callback_outcome",
    ]
    ringing, agent_leg, customer, answered, ended, failed = events
    assert isinstance(ringing, CallRinging) and ringing.direction == "outbound"
    assert ringing.caller == "13800138000" and ringing.channel == "Local/13800138000@customer-00000008;1"
    assert isinstance(agent_leg, CallbackOutcome)
    assert (agent_leg.stage, agent_leg.outcome, agent_leg.reason_code) == ("originate", OriginateOutcome.ANSWERED, 4)
    assert agent_leg.action_id == "06_callback-2" and agent_leg.call_id == "1795702523.14"
    assert isinstance(customer, CallbackOutcome)
    assert (customer.stage, customer.outcome, customer.dial_status) == ("customer", OriginateOutcome.ANSWERED, "ANSWER")
    assert isinstance(answered, CallAnswered) and answered.direction == "outbound"
    assert answered.agent_channel == "Local/agent1@agents-00000007;1"
    assert isinstance(ended, CallEnded) and ended.hangup_by is Party.CALLER and ended.answered
    assert isinstance(failed, CallbackOutcome)
    assert (failed.outcome, failed.reason_code, failed.action_id) == (OriginateOutcome.FAILED, 0, "06_callback-3")
    assert failed.caller == "13800138000" and failed.call_id == "originate:06_callback-3"
    assert tracker.snapshot() == () and not tracker.anomalies


def test_callback_without_registration_other_dial_strings_are_not_the_seats() -> None:
    tracker = CallTracker(interface=SEAT)
    events = replay(tracker, capture("06_callback"))
    assert [e.action_id for e in events if isinstance(e, CallbackOutcome) and e.stage == "originate"] == [
        "06_callback-2"
    ]


def test_conference_supervisor_view() -> None:
    tracker = CallTracker()
    events = [e for e in replay(tracker, capture("07_conference")) if not isinstance(e, CallbackOutcome)]
    assert kinds(events) == ["conference_joined"] * 3 + ["conference_left"] * 3 + ["call_ended"]
    joined = [e for e in events if isinstance(e, ConferencePartyJoined)]
    assert [(e.number, e.name, e.party) for e in joined] == [
        ("13800138000", "Customer", Party.CALLER),
        ("agent1", "Agent 1", Party.UNIT),
        ("sup1", "Supervisor", Party.UNIT),
    ]
    assert {e.conference for e in joined} == {"700"}
    assert len({e.call_id for e in events}) == 1  # one call: the room
    left = [e for e in events if isinstance(e, ConferencePartyLeft)]
    assert [e.number for e in left] == ["agent1", "13800138000", "sup1"]  # the agent left first, the others stayed
    assert isinstance(events[-1], CallEnded) and events[-1].hangup_by is Party.UNIT
    assert tracker.snapshot() == () and not tracker.anomalies


def test_conference_rooms_of_other_seats_stay_out_of_a_seats_view() -> None:
    tracker = CallTracker(interface=SEAT)
    assert replay(tracker, capture("07_conference")) == []


def test_survey_result_with_chinese_name_stream() -> None:
    tracker = CallTracker()
    events = replay(tracker, capture("09_survey"))
    assert kinds(events) == ["callback_outcome", "survey_result"]
    survey = events[1]
    assert isinstance(survey, SurveyResult)
    assert (survey.result, survey.digits, survey.caller, survey.call_id) == ("1", "1", "13800138000", "1795702586.36")
    assert survey.time.utcoffset() == CST.utcoffset(None)


def test_survey_of_a_call_not_handled_by_the_seat_is_not_the_seats() -> None:
    assert replay(CallTracker(interface=SEAT), capture("09_survey")) == []


@pytest.mark.parametrize("name", ["01_login", "02_actions", "01b_login_fail"])
def test_captures_without_calls_give_nothing(name: str) -> None:
    for tracker in (CallTracker(), CallTracker(interface=SEAT)):
        assert replay(tracker, capture(name)) == []
        assert not tracker.anomalies and tracker.snapshot() == ()


@pytest.mark.parametrize("name", ["03_queue_inbound", "06_callback", "07_conference", "09_survey"])
def test_every_event_is_json_ready(name: str) -> None:
    for event in replay(CallTracker(), capture(name)):
        data = json.loads(json.dumps(event.to_json(), ensure_ascii=False))
        assert {"event", "call_id", "caller", "time"} <= data.keys()
        assert data["time"].endswith("+08:00")
