"""The telephony facade against the simulator PBX: events flow to listeners, and after a reconnect the tracker is
resynchronised (a network cut keeps the live call; an Asterisk restart ends the ghost)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from agent_desktop.core.errors import TelephonyError
from telephony.ami.connection import AmiSettings, ConnectionState
from telephony.control import SeatConfig
from telephony.service import TelephonyService
from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
from telephony.simulator.server import SimulatorPbx
from telephony.tracking.events import DomainEvent
from telephony.tracking.tracker import LOST_DURING_RECONNECT

from .ami.fake_peer import wait_until

CALLER = "13800138000"
IFACE = "PJSIP/1001"
SCENARIO = Scenario(
    pbx=PbxSettings(member_timeout_s=2.0, retry_s=0.05),
    agents=(AgentSpec(name="agent1", interface=IFACE, ring_s=0.05, logged_in=True),),
    numbers=(NumberSpec(CALLER, answer_after_s=0.05),),
)


def settings(port: int, **overrides: Any) -> AmiSettings:
    options: dict[str, Any] = {"ping_interval": 30.0, "reconnect_initial": 0.05, "reconnect_max": 0.2}
    options.update(overrides)
    return AmiSettings("127.0.0.1", port, "desk", "desk123", **options)


def names(events: list[DomainEvent]) -> list[str]:
    return [e.EVENT for e in events]


async def test_network_cut_mid_call_keeps_the_call_after_resync() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        service = TelephonyService(settings(pbx.port), SeatConfig(IFACE, after_call_work_seconds=0))
        events: list[DomainEvent] = []
        states: list[ConnectionState] = []
        service.add_listener(events.append)
        service.add_state_listener(lambda state, _e: states.append(state))
        try:
            await service.start()
            caller_channel = pbx.place_call(CALLER, "王女士")
            await wait_until(lambda: "call_answered" in names(events), what="answered")
            (call,) = service.snapshot()
            assert call.caller_name == "王女士"
            pbx.drop_sessions()  # the network drops; the call goes on in the PBX
            await wait_until(lambda: ConnectionState.RECONNECTED in states, what="reconnected")
            await wait_until(lambda: service.resyncs >= 2, what="resync after reconnect")
            assert [c.call_id for c in service.snapshot()] == [call.call_id]  # not lost
            assert "call_ended" not in names(events)
            pbx.hangup_party(caller_channel)  # and it is still followed live
            await wait_until(lambda: "call_ended" in names(events), what="ended")
            assert service.snapshot() == ()
        finally:
            await service.aclose()


async def test_asterisk_restart_mid_call_ends_the_ghost_call() -> None:
    pbx = SimulatorPbx(SCENARIO)
    await pbx.start()
    port = pbx.port
    service = TelephonyService(settings(port), SeatConfig(IFACE, after_call_work_seconds=0))
    events: list[DomainEvent] = []
    service.add_listener(events.append)
    try:
        await service.start()
        pbx.place_call(CALLER)
        await wait_until(lambda: "call_answered" in names(events), what="answered")
        (call,) = service.snapshot()
        await pbx.stop()  # Asterisk restarts: every call is gone
        restarted = SimulatorPbx(SCENARIO, port=port)
        await restarted.start()
        try:
            await wait_until(lambda: "call_ended" in names(events), what="ghost ended by resync")
            ended = next(e for e in events if e.EVENT == "call_ended")
            assert ended.call_id == call.call_id
            assert ended.reason == LOST_DURING_RECONNECT  # type: ignore[attr-defined]
            assert service.snapshot() == ()
        finally:
            await service.aclose()
            await restarted.stop()
    finally:
        await pbx.stop()


async def test_call_offered_while_disconnected_appears_after_resync() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        service = TelephonyService(settings(pbx.port, reconnect_initial=0.3, reconnect_max=0.3, reconnect_jitter=0.0),
                                   SeatConfig(IFACE, after_call_work_seconds=0))
        events: list[DomainEvent] = []
        service.add_listener(events.append)
        try:
            await service.start()
            pbx.drop_sessions()
            await wait_until(lambda: not service.connected, what="disconnected")
            pbx.place_call(CALLER)  # offered and answered while the desktop is away
            await wait_until(lambda: pbx.agent_channel("agent1") is not None, what="agent talking")
            await wait_until(lambda: len(service.snapshot()) == 1, what="call recovered by resync")
            assert service.snapshot()[0].caller == CALLER
        finally:
            await service.aclose()


async def test_a_failing_domain_listener_does_not_stop_the_others(caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL)
    async with SimulatorPbx(SCENARIO) as pbx:
        service = TelephonyService(settings(pbx.port), SeatConfig(IFACE, after_call_work_seconds=0))
        events: list[DomainEvent] = []

        async def failing_async(_event: DomainEvent) -> None:
            raise RuntimeError("ui bug")

        service.add_listener(lambda _e: 1 / 0)
        service.add_listener(failing_async)
        service.add_listener(events.append)
        try:
            await service.start()
            pbx.place_call(CALLER)
            await wait_until(lambda: "call_answered" in names(events), what="answered")
            assert service.connected
        finally:
            await service.aclose()


async def test_watch_without_a_seat_follows_every_call() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        service = TelephonyService(settings(pbx.port))
        events: list[DomainEvent] = []
        service.add_listener(events.append)
        try:
            await service.start()
            assert service.control is None
            pong = await service.send_action("Ping")
            assert pong["Ping"] == "Pong"
            pbx.place_call(CALLER)
            await wait_until(lambda: "call_answered" in names(events), what="answered")
            offered = next(e for e in events if e.EVENT == "call_offered")
            assert offered.to_json()["caller"] == CALLER
        finally:
            await service.aclose()


async def test_recording_name_of_the_dialplan_reaches_the_work_order() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        service = TelephonyService(settings(pbx.port), SeatConfig(IFACE, after_call_work_seconds=0))
        events: list[DomainEvent] = []
        service.add_listener(events.append)
        recorded: list[str] = []  # what the PBX's MixMonitor really wrote (VarSet is never sent to the desktop)
        pbx.add_listener(lambda e: recorded.append(e.get("Value") or "")
                         if e.name == "VarSet" and e.get("Variable") == "MIXMONITOR_FILENAME" else None)
        try:
            await service.start()
            pbx.place_call(CALLER)
            await wait_until(lambda: "recording_started" in names(events), what="recording noted")
            (call,) = service.snapshot()
            assert call.recording and recorded and recorded[0].endswith("/" + call.recording)
        finally:
            await service.aclose()


async def test_service_recording_and_callback_inform_the_tracker() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        seat = SeatConfig(IFACE, after_call_work_seconds=0, dialplan_recording="", customer_answer_seconds=5)
        service = TelephonyService(settings(pbx.port), seat)
        events: list[DomainEvent] = []
        service.add_listener(events.append)
        try:
            await service.start()
            pbx.place_call(CALLER)
            await wait_until(lambda: "call_answered" in names(events), what="answered")
            (call,) = service.snapshot()
            assert call.recording is None  # the seat says the dialplan does not record
            name = await service.start_recording(call.caller_channel, call.call_id)
            assert service.snapshot()[0].recording == name
            started = [e for e in events if e.EVENT == "recording_started"]
            assert [e.recording for e in started] == [name]  # type: ignore[attr-defined]
            pbx.hangup_party(call.caller_channel)
            await wait_until(lambda: "call_ended" in names(events), what="ended")
            result = await service.callback(CALLER)
            assert result.connected and result.recording == f"callback-{CALLER}-{result.uniqueid}.wav"
        finally:
            await service.aclose()


async def test_no_seat_means_no_call_control() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        service = TelephonyService(settings(pbx.port))
        try:
            await service.start()
            with pytest.raises(TelephonyError) as info:
                await service.callback(CALLER)
            assert info.value.code == "no_seat"
        finally:
            await service.aclose()


async def test_least_privilege_sample_user_is_enough() -> None:
    """resources/asterisk/manager.conf's `desk` user (no `system` write): login, resync, call control all work;
    only the desktop's own MixMonitor is refused, clearly."""
    from pathlib import Path

    from telephony.simulator.server import load_manager_user

    sample = Path(__file__).resolve().parents[2] / "resources" / "asterisk" / "manager.conf"
    user = load_manager_user(sample, "desk")
    async with SimulatorPbx(SCENARIO, users=[user]) as pbx:
        service = TelephonyService(AmiSettings("127.0.0.1", pbx.port, "desk", user.secret, ping_interval=30.0),
                                   SeatConfig(IFACE, after_call_work_seconds=0))
        events: list[DomainEvent] = []
        service.add_listener(events.append)
        try:
            await service.start()
            await wait_until(lambda: service.resyncs >= 1, what="resync allowed")
            pbx.place_call(CALLER)
            await wait_until(lambda: "recording_started" in names(events), what="answered + recording name")
            (call,) = service.snapshot()
            assert service.control is not None
            await service.control.hold(call.caller_channel, call.agent_channel)
            await service.control.resume_call(call.caller_channel, call.agent_channel)
            await service.control.pause("培训")
            with pytest.raises(TelephonyError) as info:
                await service.start_recording(call.caller_channel, call.call_id)
            assert info.value.code == "recording_failed" and "Permission denied" in info.value.message
            await service.control.hangup(call.agent_channel)
            await wait_until(lambda: "call_ended" in names(events), what="ended")
        finally:
            await service.aclose()


async def test_events_arriving_during_resync_are_applied_after_the_snapshot() -> None:
    """The lists describe an earlier moment than the live events interleaved with them: a call that starts while
    CoreShowChannels is being listed must not be ended as a ghost by that (older) list."""
    from telephony.ami.capture import read_capture
    from tests.telephony.ami.fake_peer import FakePeer, frame
    from tests.telephony.ami.test_protocol import REFERENCE

    messages = read_capture(REFERENCE / "03_queue_inbound.ami.raw")
    live: list[bytes] = []
    for message in messages:
        if message.kind == "event" and message.action_id is None and message.event != "FullyBooted":
            live.append(message.to_bytes())
            if message.event == "AgentConnect":
                break

    def list_with_a_call_starting_meanwhile(_conn: Any, m: Any) -> list[bytes]:
        action_id = m.action_id or ""
        return [
            frame(("Response", "Success"), ("ActionID", action_id), ("EventList", "start"),
                  ("Message", "Channels will follow")),
            *live,  # the call happens while Asterisk is producing the (empty) list
            frame(("Event", "CoreShowChannelsComplete"), ("ActionID", action_id), ("EventList", "Complete"),
                  ("ListItems", "0")),
        ]

    def empty_queue_status(_conn: Any, m: Any) -> list[bytes]:
        action_id = m.action_id or ""
        return [frame(("Response", "Success"), ("ActionID", action_id), ("EventList", "start"),
                      ("Message", "Queue status will follow")),
                frame(("Event", "QueueStatusComplete"), ("ActionID", action_id), ("EventList", "Complete"),
                      ("ListItems", "0"))]

    peer = await FakePeer(secret="desk123").start()
    peer.replies["coreshowchannels"] = list_with_a_call_starting_meanwhile
    peer.replies["queuestatus"] = empty_queue_status
    service = TelephonyService(settings(peer.port),
                               SeatConfig("Local/agent1@agents", after_call_work_seconds=0, dialplan_recording=""))
    events: list[DomainEvent] = []
    service.add_listener(events.append)
    try:
        await service.start()
        await wait_until(lambda: service.resyncs >= 1 and "call_answered" in names(events), what="answered")
        assert "call_ended" not in names(events)
        (call,) = service.snapshot()
        assert call.caller == "13800138000" and call.state == "answered"
    finally:
        await service.aclose()
        await peer.stop()
