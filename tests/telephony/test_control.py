"""Call control over real TCP against the simulator PBX: every action, success and failure."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from agent_desktop.core.errors import TelephonyError
from telephony.ami.connection import AmiSettings
from telephony.control import AFTER_CALL_WORK_REASON, CallControl, SeatConfig
from telephony.service import TelephonyService
from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
from telephony.simulator.server import SimulatorPbx
from telephony.tracking import tracker as tracker_module
from telephony.tracking.events import DomainEvent

from .ami.fake_peer import wait_until

CALLER = "13800138000"
UNIT = "88886666"
IFACE = "PJSIP/1001"


def scenario(time_scale: float = 1.0, **agent: Any) -> Scenario:
    spec = {"name": "agent1", "interface": IFACE, "ring_s": 0.05}
    spec.update(agent)
    return Scenario(
        pbx=PbxSettings(member_timeout_s=2.0, retry_s=0.05, queue_timeout_s=10.0, time_scale=time_scale),
        agents=(AgentSpec(**spec),),
        numbers=(
            NumberSpec(CALLER, answer_after_s=0.05),
            NumberSpec(UNIT, answer_after_s=0.05),
            NumberSpec("12300000001", outcome="busy", answer_after_s=0.05),
            NumberSpec("12300000002", outcome="noanswer", answer_after_s=0.05),
        ),
    )


class Seat:
    """A running PBX + the seat's service, and the domain events it produced."""

    def __init__(self, pbx: SimulatorPbx, service: TelephonyService):
        self.pbx = pbx
        self.service = service
        self.events: list[DomainEvent] = []
        service.add_listener(self.events.append)

    @property
    def control(self) -> CallControl:
        assert self.service.control is not None
        return self.service.control

    def of(self, name: str) -> list[DomainEvent]:
        return [e for e in self.events if name == e.EVENT]

    async def wait(self, name: str, count: int = 1, timeout: float = 5.0) -> DomainEvent:
        await wait_until(lambda: len(self.of(name)) >= count, timeout, what=name)
        return self.of(name)[count - 1]

    async def answered_call(self) -> tuple[str, str, str]:
        """Log in, let a caller in, wait until the agent talks; returns (call_id, caller channel, agent channel)."""
        await self.control.queue_login()
        caller_channel = self.pbx.place_call(CALLER, "王女士")
        await self.wait("call_answered")
        (call,) = self.service.snapshot()
        assert call.caller_channel == caller_channel and call.agent_channel
        return call.call_id, call.caller_channel, call.agent_channel


@contextlib.asynccontextmanager
async def running_seat(sc: Scenario | None = None, **seat: Any) -> AsyncIterator[Seat]:
    pbx = SimulatorPbx(sc or scenario(), auth_failure_delay_s=0.05)
    await pbx.start()
    options: dict[str, Any] = {"after_call_work_seconds": 0, "ring_timeout_seconds": 2.0,
                               "customer_answer_seconds": 5.0}
    options.update(seat)
    service = TelephonyService(AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0,
                                           reconnect_initial=0.05, reconnect_max=0.2),
                               SeatConfig(IFACE, **options))
    try:
        await service.start()
        await wait_until(lambda: service.resyncs >= 1, what="first resync")
        yield Seat(pbx, service)
    finally:
        await service.aclose()
        await pbx.stop()


def test_after_call_work_reason_is_the_trackers() -> None:
    assert AFTER_CALL_WORK_REASON == tracker_module.AFTER_CALL_WORK_REASON


async def test_queue_login_logout_idempotent() -> None:
    async with running_seat() as seat:
        await seat.control.queue_login()
        joined = await seat.wait("queue_membership")
        assert joined.logged_in and joined.queue == "hotline"  # type: ignore[attr-defined]
        await seat.control.queue_login()  # "Already there" is success
        await seat.control.queue_logout()
        left = await seat.wait("queue_membership", 2)
        assert not left.logged_in  # type: ignore[attr-defined]
        await seat.control.queue_logout()  # "Not there" is success


async def test_pause_with_reason_and_resume() -> None:
    async with running_seat() as seat:
        await seat.control.queue_login()
        await seat.control.pause("午休")
        paused = await seat.wait("pause_state")
        assert paused.paused and paused.reason == "午休"  # type: ignore[attr-defined]
        await seat.control.resume()
        ready = await seat.wait("pause_state", 2)
        assert not ready.paused  # type: ignore[attr-defined]
        with pytest.raises(TelephonyError) as info:
            await seat.control.pause("  ")
        assert info.value.code == "pause_failed"


async def test_pause_when_not_a_member_is_a_clear_failure() -> None:
    async with running_seat() as seat:
        with pytest.raises(TelephonyError) as info:
            await seat.control.pause("lunch")
        assert info.value.code == "pause_failed" and info.value.details["message"]


async def test_after_call_work_pauses_then_readies() -> None:
    async with running_seat(after_call_work_seconds=0.2) as seat:
        _call_id, caller_channel, _agent = await seat.answered_call()
        seat.pbx.hangup_party(caller_channel)
        await seat.wait("call_ended")
        await seat.wait("after_call_work_started")
        await seat.wait("after_call_work_ended")
        pauses = [e for e in seat.of("pause_state") if e.paused]  # type: ignore[attr-defined]
        assert not pauses  # ACW pause is reported as after-call work, not as a plain pause


async def test_manual_pause_during_after_call_work_wins() -> None:
    async with running_seat(after_call_work_seconds=30) as seat:
        _call_id, caller_channel, _agent = await seat.answered_call()
        seat.pbx.hangup_party(caller_channel)
        await seat.wait("after_call_work_started")
        await wait_until(lambda: seat.control.in_after_call_work, what="acw timer")
        await seat.control.pause("training")
        assert not seat.control.in_after_call_work
        paused = await seat.wait("pause_state")
        assert paused.reason == "training"  # type: ignore[attr-defined]


async def test_hangup_agent_channel_ends_the_call() -> None:
    async with running_seat() as seat:
        call_id, _caller, agent_channel = await seat.answered_call()
        await seat.control.hangup(agent_channel)
        ended = await seat.wait("call_ended")
        assert ended.call_id == call_id
        with pytest.raises(TelephonyError) as info:
            await seat.control.hangup("PJSIP/9999-00000abc")
        assert info.value.code == "hangup_failed"
        with pytest.raises(TelephonyError) as empty:
            await seat.control.hangup("")
        assert empty.value.code == "invalid_channel"


async def test_hold_and_resume() -> None:
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        await seat.control.hold(caller_channel, agent_channel)
        held = await seat.wait("call_held")
        assert held.call_id == call_id
        assert seat.service.snapshot()[0].on_hold
        await seat.control.resume_call(caller_channel, agent_channel)
        resumed = await seat.wait("call_resumed")
        assert resumed.call_id == call_id
        assert not seat.service.snapshot()[0].on_hold
        seat.pbx.hangup_party(caller_channel)
        ended = await seat.wait("call_ended")
        assert ended.call_id == call_id
        with pytest.raises(TelephonyError) as info:
            await seat.control.hold(caller_channel, agent_channel)  # both channels are gone now
        assert info.value.code == "hold_failed"


async def test_blind_transfer() -> None:
    async with running_seat() as seat:
        call_id, _caller, agent_channel = await seat.answered_call()
        await seat.control.blind_transfer(agent_channel, UNIT)
        transferred = await seat.wait("call_transferred")
        assert transferred.call_id == call_id
        with pytest.raises(TelephonyError) as bad_number:
            await seat.control.blind_transfer(agent_channel, "12\r\nAction: Hangup")
        assert bad_number.value.code == "invalid_number"
        with pytest.raises(TelephonyError) as gone:
            await seat.control.blind_transfer(agent_channel, UNIT)
        assert gone.value.code == "transfer_failed"


async def test_three_way_call_and_agent_leaves() -> None:
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        room = call_id.replace(".", "")
        result = await seat.control.start_three_way(caller_channel, agent_channel, UNIT, room=room)
        assert result.room == room and result.unit_channel
        await seat.wait("conference_joined", 3)
        assert [e.party for e in seat.of("conference_joined")] == ["caller", "agent", "unit"]  # type: ignore[attr-defined]
        await seat.control.leave_conference(room, agent_channel)
        left = await seat.wait("conference_left")
        assert left.call_id == call_id
        listing = await seat.service.connection.send_action("ConfbridgeList", {"Conference": room}, as_list=True)
        assert isinstance(listing, list)
        members = [m["Channel"] for m in listing if m.event == "ConfbridgeList"]
        assert caller_channel in members and agent_channel not in members and len(members) == 2


async def test_three_way_unit_not_answering_keeps_caller_and_agent() -> None:
    async with running_seat() as seat:
        call_id, caller_channel, agent_channel = await seat.answered_call()
        with pytest.raises(TelephonyError) as info:
            await seat.control.start_three_way(caller_channel, agent_channel, "12300000001", room="4242")
        assert info.value.code == "conference_unit_unreachable"
        # A Local unit's Originate fails with Reason 0 before its Dial ends BUSY (live-2026-12/13); the tracker's
        # conference_unreachable carries the busy.
        assert info.value.details["room"] == "4242" and info.value.details["reason"] == "failed"
        listing = await seat.service.connection.send_action("ConfbridgeList", {"Conference": "4242"}, as_list=True)
        assert isinstance(listing, list) and len([m for m in listing if m.event == "ConfbridgeList"]) == 2
        assert call_id


async def test_callback_connected() -> None:
    async with running_seat() as seat:
        result = await seat.control.callback(CALLER, work_order_id="WO-42")
        assert result.agent_outcome == "answered" and result.customer_status == "ANSWER" and result.connected
        originate = [e for e in seat.of("callback_outcome") if e.action_id == result.action_id]  # type: ignore[attr-defined]
        assert originate, "the tracker attributes the callback to this seat"


@pytest.mark.parametrize(("number", "status"), [("12300000001", "BUSY"), ("12300000002", "NOANSWER")])
async def test_callback_caller_not_reached(number: str, status: str) -> None:
    # the callback dialplan rings the caller for 30 s: run this PBX 50x faster
    async with running_seat(scenario(time_scale=0.02)) as seat:
        result = await seat.control.callback(number)
        assert result.agent_outcome == "answered" and result.customer_status == status and not result.connected


async def test_callback_agent_busy_is_reported_not_retried() -> None:
    async with running_seat(scenario(busy=True)) as seat:
        responses: list[Any] = []
        seat.pbx.add_listener(lambda e: responses.append(e) if e.name == "OriginateResponse" else None)
        result = await seat.control.callback(CALLER)
        assert result.agent_outcome == "busy" and not result.connected
        await seat.wait("callback_outcome")
        assert [e.action_id for e in seat.of("callback_outcome")] == [result.action_id]  # type: ignore[attr-defined]
        assert [e.get("ActionID") for e in responses] == [result.action_id]  # one Originate, never re-dialled


async def test_callback_refuses_a_bad_number() -> None:
    async with running_seat() as seat:
        with pytest.raises(TelephonyError) as info:
            await seat.control.callback("138 0013 8000\r\nAction: Originate")
        assert info.value.code == "invalid_number"


async def test_a_recording_is_played_to_the_seats_phone_then_the_channel_ends() -> None:
    """Originate Channel=<seat> Application=Playback Data=<monitor dir>/<name without extension>: the seat's phone
    answers, Asterisk reports the application, and the channel hangs up when the file ends."""
    async with running_seat(scenario(time_scale=0.02)) as seat:
        heard: list[Any] = []
        seat.pbx.add_listener(heard.append)
        result = await seat.service.play_recording("survey-13800138000-1795702525.17.wav")
        data = "/var/spool/asterisk/monitor/survey-13800138000-1795702525.17"
        assert result.answered and result.data == data and (result.channel or "").startswith(IFACE)
        (response,) = [e for e in heard if e.name == "OriginateResponse"]
        assert (response.get("Application"), response.get("Data")) == ("Playback", data)
        assert any(e.name == "Newexten" and e.get("Application") == "Playback" and e.get("AppData") == data
                   for e in heard)
        await wait_until(lambda: any(e.name == "Hangup" and e.get("Channel") == result.channel for e in heard),
                         5.0, what="the playback's hangup")
        # a path is kept; a name Playback would read as several files or that leaves the directory is refused
        assert (await seat.service.play_recording("/srv/rec/a.wav")).data == "/srv/rec/a"
        for bad in ("a.wav&b", "x,skip", "../../etc/passwd.wav", "a\r\nAction: Originate"):
            with pytest.raises(TelephonyError) as info:
                await seat.service.play_recording(bad)
            assert info.value.code == "invalid_recording"


async def test_a_seat_that_does_not_answer_hears_nothing() -> None:
    async with running_seat(scenario(busy=True)) as seat:
        result = await seat.service.play_recording("survey-1-2.wav")
        assert not result.answered and result.outcome == "busy" and result.channel is None


async def test_recording_name_is_returned_and_started() -> None:
    async with running_seat() as seat:
        call_id, caller_channel, _agent = await seat.answered_call()
        seen: list[Any] = []
        remove = seat.pbx.add_listener(lambda e: seen.append(e) if e.name == "MixMonitorStart" else None)
        name = await seat.control.start_recording(caller_channel, call_id)
        assert name.startswith("hotline-") and name.endswith(".wav") and call_id in name
        await wait_until(lambda: any(e.get("Channel") == caller_channel for e in seen), what="MixMonitorStart")
        remove()
        await seat.control.stop_recording(caller_channel)
        with pytest.raises(TelephonyError) as info:
            await seat.control.start_recording("PJSIP/9999-00000abc", call_id)
        assert info.value.code == "recording_failed"


async def test_control_while_disconnected_fails_at_once() -> None:
    async with running_seat() as seat:
        await seat.pbx.stop()
        await wait_until(lambda: not seat.service.connected, what="loss seen")
        with pytest.raises(TelephonyError) as info:
            await seat.control.callback(CALLER)
        assert info.value.code == "ami_not_connected"


async def test_connection_lost_during_callback_fails_fast_and_never_redials() -> None:
    # the agent's phone rings for 1 s: the AMI link drops while the Originate is in flight
    async with running_seat(scenario(ring_s=1.0)) as seat:
        originates: list[Any] = []
        seat.pbx.add_listener(
            lambda e: originates.append(e)
            if e.name == "DialBegin" and (e.get("DestChannel") or "").startswith(IFACE) else None)
        task = asyncio.ensure_future(seat.control.callback(CALLER))
        await wait_until(lambda: originates, what="the agent's phone ringing")
        seat.pbx.drop_sessions()
        with pytest.raises(TelephonyError) as info:
            await asyncio.wait_for(task, 5)
        assert info.value.code == "ami_connection_lost" and info.value.details["may_have_run"] is True
        await wait_until(lambda: seat.service.connected, what="reconnected")
        await seat.service.connection.send_action("Ping")
        assert len(originates) == 1  # the agent's phone was rung once; the callback was not placed again


async def test_a_supervisor_pause_during_after_call_work_is_not_undone() -> None:
    async with running_seat(after_call_work_seconds=0.3) as seat:
        _call_id, caller_channel, _agent = await seat.answered_call()
        seat.pbx.hangup_party(caller_channel)
        await seat.wait("after_call_work_started")
        await wait_until(lambda: seat.control.in_after_call_work, what="acw timer")
        # someone else (a supervisor's console, the phone) pauses the seat for another reason
        await seat.service.connection.send_action(
            "QueuePause", {"Interface": IFACE, "Paused": True, "Reason": "supervisor"})
        await wait_until(lambda: not seat.control.in_after_call_work, what="acw timer cancelled")
        assert seat.control.paused and seat.control.paused_reason == "supervisor"
        # and after-call work does not start over a foreign pause either
        assert await seat.control.start_after_call_work() is False
