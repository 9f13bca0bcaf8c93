"""The six defects found on a real Asterisk 20 (tests/data/ami/live-2026-12/) end to end: the seat's telephony service
and call control over real TCP against the simulator PBX, which behaves as the real one did there (the agent's
parked leg keeps the queue member "In use"; a ConfBridge member joining without the quiet profile is announced).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from agent_desktop.core.errors import TelephonyError
from telephony.control import SeatConfig
from telephony.simulator.model import MEMBER_INUSE, MEMBER_NOT_INUSE
from telephony.simulator.scenario import NumberSpec, PbxSettings

from .ami.fake_peer import wait_until
from .test_control import CALLER, IFACE, UNIT, Seat, running_seat, scenario

BUSY_UNIT = "12300000001"
SURVEYED = "13900139000"


def _member_status(seat: Seat) -> int:
    (member,) = [m for q in seat.pbx.engine.queues.values() for m in q.members.values() if m.interface == IFACE]
    return member.status


def _channel_alive(seat: Seat, name: str) -> bool:
    return seat.pbx.engine.find_channel(name) is not None


async def test_d1_the_unit_joins_the_room_with_the_quiet_profile() -> None:
    """03: the unit's Originate `Data: <room>` joined with `default_user`, and the caller heard `confbridge-join` and
    `confbridge-leave`. Call control passes the hotline's profiles; nothing is announced."""
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        room = call_id.replace(".", "")
        await seat.control.start_three_way(caller_channel, agent_channel, UNIT, room=room)
        await seat.wait("conference_joined", 3)
        conference = seat.pbx.engine.conferences[room]
        assert set(conference.profiles.values()) == {"hotline_user"} and len(conference.profiles) == 3
        await seat.control.leave_conference(room, agent_channel)
        await seat.wait("conference_left")
        assert conference.announcements == []


async def test_d1_the_simulator_announces_a_default_profile_member() -> None:
    """What the caller heard on the real Asterisk with the old Originate (`Data: <room>` only)."""
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        room = call_id.replace(".", "")
        control = seat.control
        control.seat = dataclasses.replace(control.seat, conference_bridge_profile="", conference_user_profile="")
        await control.start_three_way(caller_channel, agent_channel, UNIT, room=room)
        await seat.wait("conference_joined", 3)
        conference = seat.pbx.engine.conferences[room]
        assert sorted(conference.profiles.values()) == ["default_user", "hotline_user", "hotline_user"]
        assert conference.announcements == ["confbridge-join"]


async def test_d2_d6_unreachable_unit_then_the_caller_hangs_up() -> None:
    """13: the busy unit is the room's unreachable party (not a callback); when the caller then hangs up, the agent's
    leg alone in the room is hung up by the service and the queue member is free again."""
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        with pytest.raises(TelephonyError) as info:
            await seat.control.start_three_way(caller_channel, agent_channel, BUSY_UNIT, room="4242")
        assert info.value.code == "conference_unit_unreachable"
        unreachable = await seat.wait("conference_unreachable")
        assert info.value.details["reason"] == "failed"  # the Originate's Reason 0, as on Asterisk 20
        assert (unreachable.call_id, unreachable.number, unreachable.outcome) == (  # type: ignore[attr-defined]
            call_id, BUSY_UNIT, "busy")
        assert seat.of("callback_outcome") == []
        await seat.wait("conference_joined", 2)
        assert _member_status(seat) == MEMBER_INUSE
        seat.pbx.hangup_party(caller_channel)
        stranded = await seat.wait("seat_leg_stranded")
        assert (stranded.channel, stranded.reason) == (agent_channel, "alone_in_conference")  # type: ignore[attr-defined]
        await wait_until(lambda: not _channel_alive(seat, agent_channel), 5, what="the agent's leg released")
        await wait_until(lambda: _member_status(seat) == MEMBER_NOT_INUSE, 5, what="member free")
        assert "4242" not in seat.pbx.engine.conferences


async def test_d5_the_held_caller_hangs_up() -> None:
    """14: no `call_resumed`; the agent's leg waiting in hold-agent is hung up, the member is free for the next call."""
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        await seat.control.hold(caller_channel, agent_channel)
        await seat.wait("call_held")
        seat.pbx.hangup_party(caller_channel)
        ended = await seat.wait("call_ended")
        assert ended.call_id == call_id
        await wait_until(lambda: not _channel_alive(seat, agent_channel), 5, what="the agent's leg released")
        await wait_until(lambda: _member_status(seat) == MEMBER_NOT_INUSE, 5, what="member free")
        assert seat.of("call_resumed") == []
        assert [e.EVENT for e in seat.events if e.call_id == call_id][-2:] == ["seat_leg_stranded", "call_ended"]
        seat.pbx.place_call(CALLER, "王女士")  # the seat takes the next call
        await seat.wait("call_answered", 2)


def _survey_scenario() -> Any:
    sc = scenario()
    return dataclasses.replace(sc, numbers=(*sc.numbers, NumberSpec(SURVEYED, answer_after_s=0.05, dtmf="2")))


async def test_d3_the_survey_result_names_its_number_and_order() -> None:
    """06: the survey Originate set no caller ID and `UserEvent: Survey` came with `Caller:` empty. The survey sets
    it, and the result is tied to the Originate's ActionID, number and work order."""
    async with running_seat(_survey_scenario()) as seat:
        call = await seat.service.survey(SURVEYED, work_order_id="WO-2026-0042")
        assert call.outcome == "answered" and call.action_id.startswith("sv-")
        result = await seat.wait("survey_result")
        assert (result.caller, result.work_order, result.action_id, result.result) == (  # type: ignore[attr-defined]
            SURVEYED, "WO-2026-0042", call.action_id, "2")
        with pytest.raises(TelephonyError) as bad:
            await seat.service.survey("139\r\nAction: Hangup")
        assert bad.value.code == "invalid_number"


async def test_d4_a_callbacks_recording_is_asterisks_path() -> None:
    """04b/05: `call_answered` of a callback had `recording: null`, then a bare name. With manager.conf's
    `channelvars = MIXMONITOR_FILENAME` both name Asterisk's absolute path, as for inbound calls."""
    sc = scenario()
    sc = dataclasses.replace(sc, pbx=dataclasses.replace(sc.pbx, channelvars=("MIXMONITOR_FILENAME",)))
    async with running_seat(sc) as seat:
        result = await seat.service.callback(CALLER, work_order_id="WO-7")
        answered = await seat.wait("call_answered")
        assert answered.direction == "outbound"  # type: ignore[attr-defined]
        recording = answered.recording  # type: ignore[attr-defined]
        assert recording and recording.startswith("/var/spool/asterisk/monitor/callback-" + CALLER)
        assert result.recording == recording
        assert seat.of("recording_started") == []


def test_the_sample_profiles_are_the_seats_defaults() -> None:
    seat = SeatConfig(IFACE)
    assert (seat.conference_bridge_profile, seat.conference_user_profile) == ("hotline_bridge", "hotline_user")
    assert isinstance(PbxSettings().channelvars, tuple)


# ------------------------------------------------------------------------------------------------ the gaps, end to end

async def test_a_callback_ringing_while_the_desk_restarts_is_followed_afterwards() -> None:
    """The seat's callback rings the citizen when the desk goes away; the restarted desk's resync finds the seat's
    leg dialling and follows the callback to its answer and end."""
    from telephony.ami.connection import AmiSettings
    from telephony.service import TelephonyService

    sc = scenario()
    sc = dataclasses.replace(sc, numbers=(NumberSpec("13600136000", answer_after_s=1.0, hangup_after_s=0.5),
                                          *sc.numbers))
    async with running_seat(sc) as seat:
        pending = asyncio.ensure_future(seat.control.callback("13600136000"))
        await seat.wait("call_ringing")
        await seat.service.aclose()  # the desk goes away while the citizen's phone rings
        pending.cancel()
        restarted = TelephonyService(AmiSettings("127.0.0.1", seat.pbx.port, "desk", "desk123", ping_interval=30.0),
                                     SeatConfig(IFACE, after_call_work_seconds=0))
        events: list[Any] = []
        restarted.add_listener(events.append)
        try:
            await restarted.start()
            await wait_until(lambda: any(e.EVENT == "call_ended" for e in events), 10, what="the callback's end")
        finally:
            await restarted.aclose()
        names = [e.EVENT for e in events if e.call_id]
        assert names[:4] == ["call_ringing", "callback_outcome", "call_answered", "call_ended"]
        assert events[[e.EVENT for e in events].index("call_answered")].caller == "13600136000"


async def test_a_call_dialled_to_the_seat_pops() -> None:
    """A call to the seat's own number (context agents: `Dial(PJSIP/1001,30,tT)`), not through the queue."""
    async with running_seat() as seat:
        await seat.service.send_action("Originate", {
            "Channel": f"PJSIP/{CALLER}@trunk", "Context": "agents", "Exten": "1001", "Priority": 1,
            "CallerID": f'"王女士" <{CALLER}>', "Async": "true"})
        offered = await seat.wait("call_offered")
        answered = await seat.wait("call_answered")
        assert (offered.caller, offered.queue) == (CALLER, "")  # type: ignore[attr-defined]
        assert answered.call_id == offered.call_id
        seat.pbx.hangup_party(answered.caller_channel)  # type: ignore[attr-defined]
        ended = await seat.wait("call_ended")
        assert ended.call_id == offered.call_id and ended.answered  # type: ignore[attr-defined]


def _bridge_peers(seat: Seat, channel: str) -> set[str]:
    chan = seat.pbx.engine.find_channel(channel)
    assert chan is not None and chan.bridge is not None
    return {c.name for c in chan.bridge.channels if c is not chan}


async def test_attended_transfer_consults_the_unit_then_transfers() -> None:
    """Consult first (the caller on hold, the agent talks to the unit), then hand the caller to the unit."""
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        consult = await seat.control.consult(caller_channel, agent_channel, UNIT)
        assert consult.answered and consult.unit_channel
        assert _bridge_peers(seat, agent_channel) == {consult.unit_channel}
        assert (await seat.wait("call_held")).call_id == call_id
        await seat.control.complete_transfer(caller_channel, agent_channel)
        transferred = await seat.wait("call_transferred")
        assert (transferred.kind, transferred.target) == ("attended", UNIT)  # type: ignore[attr-defined]
        ended = await seat.wait("call_ended")
        assert (ended.call_id, ended.reason) == (call_id, "transferred")  # type: ignore[attr-defined]
        assert _bridge_peers(seat, caller_channel) == {consult.unit_channel}
        assert not _channel_alive(seat, agent_channel)
        await wait_until(lambda: _member_status(seat) == MEMBER_NOT_INUSE, 5, what="member free")


async def test_attended_transfer_merges_into_a_three_way_call() -> None:
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        consult = await seat.control.consult(caller_channel, agent_channel, UNIT)
        room = await seat.control.merge_consultation(caller_channel, agent_channel, room="5151")
        await seat.wait("conference_joined", 3)
        parties = {e.channel: e.party for e in seat.of("conference_joined")}  # type: ignore[attr-defined]
        assert parties == {caller_channel: "caller", agent_channel: "agent", consult.unit_channel: "unit"}
        assert {e.call_id for e in seat.of("conference_joined")} == {call_id}
        assert set(seat.pbx.engine.conferences[room].profiles.values()) == {"hotline_user"}


async def test_a_consultation_that_fails_goes_back_to_the_caller() -> None:
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        consult = await seat.control.consult(caller_channel, agent_channel, BUSY_UNIT)
        assert (consult.status, consult.unit_channel) == ("BUSY", None)
        with pytest.raises(TelephonyError) as info:
            await seat.control.complete_transfer(caller_channel, agent_channel)
        assert info.value.code == "transfer_failed"
        await seat.control.end_consultation(caller_channel, agent_channel)
        resumed = await seat.wait("call_resumed")
        assert resumed.call_id == call_id
        assert _bridge_peers(seat, caller_channel) == {agent_channel}
        assert seat.of("call_transferred") == [] and seat.of("call_ended") == []


def test_one_table_of_originate_reasons() -> None:
    """Call control and the tracker name an Originate's outcome with the same words (issue 10: two tables differed,
    `hangup` against `hung_up`)."""
    from telephony import control
    from telephony.ami.protocol import AmiMessage
    from telephony.tracking import events

    assert control.ORIGINATE_REASONS is events.ORIGINATE_REASONS
    for reason, word in (("1", "hung_up"), ("4", "answered"), ("5", "busy"), ("0", "failed"), ("x", "failed")):
        response = AmiMessage([("Event", "OriginateResponse"), ("Response", "Success"), ("Reason", reason)])
        assert control._outcome(response) == word
    failure = AmiMessage([("Event", "OriginateResponse"), ("Response", "Failure"), ("Reason", "4")])
    assert control._outcome(failure) is events.OriginateOutcome.FAILED


async def test_d6_the_caller_then_the_unit_leave_the_room() -> None:
    """The seat talks on with the unit after the caller hung up; when the unit hangs up too, the seat's leg left alone
    in the room is hung up and the member is free."""
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        result = await seat.control.start_three_way(caller_channel, agent_channel, UNIT, room="6161")
        await seat.wait("conference_joined", 3)
        seat.pbx.hangup_party(caller_channel)
        await seat.wait("call_ended")
        assert _channel_alive(seat, agent_channel) and seat.of("seat_leg_stranded") == []  # talking with the unit
        assert result.unit_channel
        seat.pbx.hangup_party(result.unit_channel)
        stranded = await seat.wait("seat_leg_stranded")
        assert (stranded.call_id, stranded.channel) == (call_id, agent_channel)  # type: ignore[attr-defined]
        await wait_until(lambda: not _channel_alive(seat, agent_channel), 5, what="the agent's leg released")
        await wait_until(lambda: _member_status(seat) == MEMBER_NOT_INUSE, 5, what="member free")
