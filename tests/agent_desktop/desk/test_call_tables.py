"""The desk's call and seat tables, walked entry by entry (h11 style): every call action is offered only in the call
states where Asterisk can carry it out, every PBX event moves a call as the table says, and anything else is refused
(the local side) or recorded as an anomaly (the PBX) with the state left as it was."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from agent_desktop.desk import events as ev
from agent_desktop.desk.calls import (
    CALL_ACTIONS,
    CALL_TRANSITIONS,
    SEAT_ACTIONS,
    ActionNotAllowed,
    CallAction,
    CallEventKind,
    CallState,
    ConferenceParty,
    QueueState,
    SeatAction,
)
from agent_desktop.desk.intents import DoCallAction, DoSeatAction
from tests.agent_desktop.desk.desk_fixtures import CALL, PATHS, Seat, seat_with_call_in

UNIT_NUMBER = "073188880000"


def _request(action: CallAction) -> ev.RequestCallAction:
    return ev.RequestCallAction(CALL, action, UNIT_NUMBER if action.needs_number else "")


@pytest.mark.parametrize(("state", "action"), list(itertools.product(CallState, CallAction)))
def test_every_call_action_is_offered_exactly_where_the_table_says(state: CallState, action: CallAction) -> None:
    seat = seat_with_call_in(state)
    before = seat.state
    assert (action in before.call_actions(CALL)) is (action in CALL_ACTIONS[state])
    if action in CALL_ACTIONS[state]:
        assert seat(_request(action)) == [DoCallAction(CALL, action, UNIT_NUMBER if action.needs_number else "")]
        # the state moves when the PBX reports, not before (a three-way call only notes whom it asked for)
        assert replace(seat.state.call(CALL), three_way_target="") == before.call(CALL)
    else:
        with pytest.raises(ActionNotAllowed) as refused:
            seat(_request(action))
        assert refused.value.details["state"] == state.value
        assert seat.state is before


def test_the_table_holds_the_asterisk_facts() -> None:
    # nothing is bridged while the phone rings; a held call's legs sit in no bridge; only a room can be left
    assert CallAction.HOLD not in CALL_ACTIONS[CallState.RINGING] | CALL_ACTIONS[CallState.OFFERED]
    assert CallAction.BLIND_TRANSFER not in CALL_ACTIONS[CallState.HELD]
    assert {s for s, actions in CALL_ACTIONS.items() if CallAction.LEAVE_CONFERENCE in actions} == {
        CallState.CONFERENCE_WITH_UNIT}
    assert CALL_ACTIONS[CallState.ENDED] == frozenset()
    assert {s for s, actions in CALL_ACTIONS.items() if CallAction.RESUME in actions} == {CallState.HELD}


@pytest.mark.parametrize("state", list(CallState))
def test_no_call_action_is_offered_while_the_ami_connection_is_down(state: CallState) -> None:
    seat = seat_with_call_in(state, connected=False)
    assert seat.state.call_actions(CALL) == frozenset()
    for action in CallAction:
        with pytest.raises(ActionNotAllowed, match="AMI connection is down"):
            seat(_request(action))
    seat(ev.AmiConnectionRestored())
    assert seat.state.call_actions(CALL) == CALL_ACTIONS[state]


def test_a_transfer_or_three_way_call_needs_the_number() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    with pytest.raises(Exception, match="needs the number"):
        seat(ev.RequestCallAction(CALL, CallAction.BLIND_TRANSFER, "  "))


_EVENT_OF_KIND = {
    CallEventKind.RINGING: ev.CallRinging(CALL),
    CallEventKind.ANSWERED: ev.CallAnswered(CALL),
    CallEventKind.HELD: ev.CallHeld(CALL),
    CallEventKind.RESUMED: ev.CallResumed(CALL),
    CallEventKind.MOVED_TO_CONFERENCE: ev.ConferencePartyJoined(CALL, ConferenceParty.CALLER),
    CallEventKind.UNIT_JOINED: ev.ConferencePartyJoined(CALL, ConferenceParty.UNIT, UNIT_NUMBER),
    CallEventKind.UNIT_LEFT: ev.ConferencePartyLeft(CALL, ConferenceParty.UNIT, "073188880000"),
    CallEventKind.UNIT_UNREACHABLE: ev.ConferenceUnitUnreachable(CALL, UNIT_NUMBER, "busy"),
    CallEventKind.TRANSFERRED: ev.CallTransferred(CALL, "12345"),
    CallEventKind.ENDED: ev.CallEnded(CALL),
}


@pytest.mark.parametrize(("source", "kind"), list(CALL_TRANSITIONS))
def test_every_transition_of_the_table(source: CallState, kind: CallEventKind) -> None:
    seat = seat_with_call_in(source)
    seat(_EVENT_OF_KIND[kind])
    target = CALL_TRANSITIONS[source, kind]
    call = seat.state.find(CALL)
    if target is CallState.ENDED and source in (CallState.OFFERED, CallState.RINGING):
        assert call is None  # never answered here and never typed into: nothing to finish after the call
    else:
        assert call is not None and call.state is target
    assert seat.state.anomalies == ()


_NOT_IN_TABLE = [
    (state, kind) for state, kind in itertools.product(CallState, CallEventKind)
    if (state, kind) not in CALL_TRANSITIONS and (state, kind) != (CallState.ENDED, CallEventKind.ENDED)
]


@pytest.mark.parametrize(("source", "kind"), _NOT_IN_TABLE)
def test_an_event_the_table_does_not_expect_is_an_anomaly_and_changes_nothing(source: CallState,
                                                                              kind: CallEventKind) -> None:
    seat = seat_with_call_in(source)
    before = seat.state
    seat(_EVENT_OF_KIND[kind])
    assert seat.state.calls == before.calls
    [anomaly] = seat.state.anomalies
    assert (anomaly.call_id, anomaly.state) == (CALL, source)


def test_the_trackers_call_ended_after_a_transfer_is_no_anomaly() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.CallTransferred(CALL, "12345"))
    before = seat.state
    seat(ev.CallEnded(CALL))
    assert seat.state.calls == before.calls and seat.state.anomalies == ()


def test_events_of_an_unknown_call_are_anomalies() -> None:
    seat = Seat()
    seat(ev.CallHeld("nobody"))
    assert [a.call_id for a in seat.state.anomalies] == ["nobody"]


def test_a_second_unit_keeps_the_conference_with_a_unit_until_both_left() -> None:
    seat = seat_with_call_in(CallState.CONFERENCE_WITH_UNIT)
    seat(ev.ConferencePartyJoined(CALL, ConferenceParty.UNIT, "073122220000"))
    seat(ev.ConferencePartyLeft(CALL, ConferenceParty.UNIT, UNIT_NUMBER))
    assert seat.call.state is CallState.CONFERENCE_WITH_UNIT
    seat(ev.ConferencePartyLeft(CALL, ConferenceParty.UNIT, "073122220000"))
    assert seat.call.state is CallState.CONFERENCE


def test_the_unit_is_shown_as_the_agent_picked_it_not_by_its_legs_caller_id() -> None:
    # On Asterisk the unit's leg carries the hotline's own caller ID (12345): the desk names the unit it asked for.
    seat = seat_with_call_in(CallState.TALKING)
    assert seat(ev.RequestCallAction(CALL, CallAction.THREE_WAY, UNIT_NUMBER, "岳麓区住建局")) == [
        DoCallAction(CALL, CallAction.THREE_WAY, UNIT_NUMBER)]
    seat(ev.ConferencePartyJoined(CALL, ConferenceParty.CALLER))
    seat(ev.ConferencePartyJoined(CALL, ConferenceParty.AGENT))
    seat(ev.ConferencePartyJoined(CALL, ConferenceParty.UNIT, "12345"))
    assert seat.call.state is CallState.CONFERENCE_WITH_UNIT
    assert seat.call.units_in_conference == (f"岳麓区住建局 {UNIT_NUMBER}",)
    seat(ev.ConferencePartyLeft(CALL, ConferenceParty.UNIT, "12345"))
    assert seat.call.state is CallState.CONFERENCE and seat.call.units_in_conference == ()


def test_a_typed_number_is_shown_as_typed() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.RequestCallAction(CALL, CallAction.THREE_WAY, " 073100001111 "))
    seat(ev.ConferencePartyJoined(CALL, ConferenceParty.CALLER))
    seat(ev.ConferencePartyJoined(CALL, ConferenceParty.AGENT))
    seat(ev.ConferencePartyJoined(CALL, ConferenceParty.UNIT, "12345"))
    assert seat.call.units_in_conference == ("073100001111",)


# --- the seat in the queue -----------------------------------------------------------------------------------

_QUEUE_PATHS = {
    QueueState.LOGGED_OUT: (),
    QueueState.READY: (ev.QueueLoggedIn(),),
    QueueState.PAUSED: (ev.QueueLoggedIn(), ev.SeatPaused("休息")),
    QueueState.AFTER_CALL_WORK: (ev.QueueLoggedIn(), ev.AfterCallWorkStarted()),
}


def _seat_in(queue: QueueState) -> Seat:
    seat = Seat()
    seat(ev.AmiConnectionRestored())
    for event in _QUEUE_PATHS[queue]:
        seat(event)
    assert seat.state.queue is queue
    return seat


@pytest.mark.parametrize(("queue", "action"), list(itertools.product(QueueState, SeatAction)))
def test_every_seat_action_is_offered_exactly_where_the_table_says(queue: QueueState, action: SeatAction) -> None:
    seat = _seat_in(queue)
    before = seat.state
    request = ev.RequestSeatAction(action, reason="会议", order_id="WO-1")
    if action in SEAT_ACTIONS[queue]:
        assert seat(request) == [DoSeatAction(action, "会议", "WO-1")]
    else:
        with pytest.raises(ActionNotAllowed):
            seat(request)
        assert seat.state is before


def test_no_callback_while_on_a_call_and_no_pause_without_a_reason() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.SeatPaused("回拨"))
    with pytest.raises(ActionNotAllowed, match="on a call"):
        seat(ev.RequestSeatAction(SeatAction.CALLBACK, order_id="WO-1"))
    seat(ev.CallEnded(CALL))
    assert seat(ev.RequestSeatAction(SeatAction.CALLBACK, order_id="WO-1")) == [
        DoSeatAction(SeatAction.CALLBACK, "", "WO-1")]
    seat(ev.SeatReady())
    with pytest.raises(Exception, match="reason"):
        seat(ev.RequestSeatAction(SeatAction.PAUSE, reason=" "))


def test_queue_events_move_the_seat() -> None:
    seat = _seat_in(QueueState.READY)
    seat(ev.AfterCallWorkStarted())
    assert seat.state.queue is QueueState.AFTER_CALL_WORK
    seat(ev.AfterCallWorkEnded())
    assert seat.state.queue is QueueState.READY
    seat(ev.SeatPaused("培训"))
    assert (seat.state.queue, seat.state.pause_reason) == (QueueState.PAUSED, "培训")
    seat(ev.AfterCallWorkEnded())  # not in after-call work: nothing to end
    assert seat.state.queue is QueueState.PAUSED
    seat(ev.QueueLoggedOut())
    assert seat.state.queue is QueueState.LOGGED_OUT and seat.state.seat_actions() == {
        SeatAction.LOG_IN, SeatAction.CALLBACK, SeatAction.PLAY_RECORDING}


def test_paths_cover_every_call_state() -> None:
    assert set(PATHS) == set(CallState)
