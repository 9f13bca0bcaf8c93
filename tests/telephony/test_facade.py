"""The telephony facade as a front end uses it: from another thread, through the runtime, by call id — against the
simulator PBX over real TCP. Health moves with the AMI connection; registrations return handles that unsubscribe."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from agent_desktop.core.errors import TelephonyError
from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.lifecycle import open_work_order
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Caller, Channel
from agent_desktop.runtime import Runtime
from telephony.ami.connection import AmiSettings
from telephony.control import SeatConfig
from telephony.interfaces import DomainEvent, LiveCall
from telephony.service import TelephonyService
from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
from telephony.simulator.server import SimulatorPbx

CALLER = "13800138000"
UNIT = "88886666"
IFACE = "PJSIP/1001"
SCENARIO = Scenario(
    pbx=PbxSettings(member_timeout_s=2.0, retry_s=0.05, queue_timeout_s=10.0),
    agents=(AgentSpec(name="agent1", interface=IFACE, ring_s=0.05),),
    numbers=(NumberSpec(CALLER, answer_after_s=0.05), NumberSpec(UNIT, answer_after_s=0.05)),
)


def wait_for(predicate: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Desk:
    """What a UI thread holds: the runtime and the facade; events collected from the loop thread."""

    def __init__(self, runtime: Runtime, pbx: SimulatorPbx, service: TelephonyService) -> None:
        self.runtime, self.pbx, self.service = runtime, pbx, service
        self.events: list[DomainEvent] = []
        self.health: list[Health] = []
        self.threads: set[str] = set()
        service.on_event(self._on_event)
        service.on_health(self.health.append)

    def _on_event(self, event: DomainEvent) -> None:
        self.threads.add(threading.current_thread().name)
        self.events.append(event)

    def do(self, coro: Any) -> Any:
        return self.runtime.submit(coro).result(15)

    def on_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        """The simulated PBX lives on the runtime's loop too (its phones, its timers)."""
        async def call() -> Any:
            return fn(*args)

        return self.runtime.run(call(), timeout=15)

    def of(self, name: str) -> list[DomainEvent]:
        return [e for e in self.events if name == e.EVENT]

    def wait(self, name: str, count: int = 1) -> DomainEvent:
        wait_for(lambda: len(self.of(name)) >= count, name)
        return self.of(name)[count - 1]

    def answered_call(self) -> LiveCall:
        self.do(self.service.queue_login())
        self.on_loop(self.pbx.place_call, CALLER, "王女士")
        wait_for(lambda: any(c.state == "answered" for c in self.service.calls), "answered call")
        (call,) = self.service.calls
        return call


@pytest.fixture
def desk() -> Iterator[Desk]:
    with Runtime() as runtime:
        pbx = SimulatorPbx(SCENARIO)
        runtime.run(pbx.start())

        async def build() -> TelephonyService:  # panoramisk's Manager is made inside the running loop
            return TelephonyService(
                AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0, reconnect_initial=0.05,
                            reconnect_max=0.2),
                SeatConfig(IFACE, after_call_work_seconds=0, ring_timeout_seconds=2.0, customer_answer_seconds=5.0))

        service = runtime.run(build())
        desk = Desk(runtime, pbx, service)
        assert service.health.state is HealthState.STOPPED
        runtime.run(service.start(runtime.supervisor), timeout=15)
        wait_for(lambda: service.resyncs >= 1, "first resync")
        try:
            yield desk
        finally:
            runtime.run(service.stop(), timeout=15)
            runtime.run(pbx.stop(), timeout=15)


def test_hold_resume_three_way_and_leave_by_call_id(desk: Desk) -> None:
    call = desk.answered_call()
    desk.do(desk.service.hold(call.call_id))
    assert desk.wait("call_held").call_id == call.call_id
    wait_for(lambda: desk.service.live_call(call.call_id).on_hold, "on hold in the live call")  # type: ignore[union-attr]
    with pytest.raises(TelephonyError) as twice:
        desk.do(desk.service.hold(call.call_id))
    assert twice.value.code == "call_action_not_allowed"
    desk.do(desk.service.resume(call.call_id))
    assert desk.wait("call_resumed").call_id == call.call_id

    result = desk.do(desk.service.three_way(call.call_id, UNIT))
    assert result.unit_number == UNIT and result.unit_channel
    desk.wait("conference_joined", 3)
    assert [e.party for e in desk.of("conference_joined")] == ["caller", "agent", "unit"]  # type: ignore[attr-defined]
    desk.do(desk.service.leave_conference(call.call_id))
    assert desk.wait("conference_left").call_id == call.call_id
    assert desk.threads == {"agent-desktop-io"}  # listeners run on the loop thread only


def test_blind_transfer_and_hangup_by_call_id(desk: Desk) -> None:
    call = desk.answered_call()
    desk.do(desk.service.blind_transfer(call.call_id, UNIT))
    assert desk.wait("call_transferred").call_id == call.call_id
    wait_for(lambda: desk.service.calls == (), "transferred call gone from the desk")

    desk.on_loop(desk.pbx.place_call, CALLER, "王女士")
    wait_for(lambda: any(c.state == "answered" for c in desk.service.calls), "second call answered")
    (second,) = desk.service.calls
    desk.do(desk.service.hangup(second.call_id))
    wait_for(lambda: any(e.call_id == second.call_id for e in desk.of("call_ended")), "ended")
    ended = next(e for e in desk.of("call_ended") if e.call_id == second.call_id)
    assert ended.hangup_by == "agent"  # type: ignore[attr-defined]
    assert desk.service.live_call(second.call_id) is None


def test_actions_on_a_call_that_is_not_there_are_clear_errors(desk: Desk) -> None:
    for action in (desk.service.hold("nope"), desk.service.resume("nope"), desk.service.hangup("nope"),
                   desk.service.blind_transfer("nope", UNIT), desk.service.three_way("nope", UNIT),
                   desk.service.leave_conference("nope")):
        with pytest.raises(TelephonyError) as caught:
            desk.do(action)
        assert caught.value.code == "unknown_call" and caught.value.details["call_id"] == "nope"
    call = desk.answered_call()
    with pytest.raises(TelephonyError) as caught:
        desk.do(desk.service.leave_conference(call.call_id))
    assert caught.value.code == "call_action_not_allowed"


def test_queue_pause_ready_and_after_call_work(desk: Desk) -> None:
    desk.do(desk.service.queue_login())
    assert desk.wait("queue_membership").logged_in  # type: ignore[attr-defined]
    desk.do(desk.service.pause("午休"))
    assert desk.wait("pause_state").reason == "午休"  # type: ignore[attr-defined]
    desk.do(desk.service.ready())
    assert not desk.wait("pause_state", 2).paused  # type: ignore[attr-defined]
    assert desk.do(desk.service.after_call_work(0.2)) is True
    desk.wait("after_call_work_started")
    desk.wait("after_call_work_ended")
    desk.do(desk.service.queue_logout())
    assert not desk.wait("queue_membership", 2).logged_in  # type: ignore[attr-defined]


def test_callback_from_a_work_order(desk: Desk) -> None:
    now = datetime.now(UTC)
    order = open_work_order("WO-77", channel=Channel.PHONE, actor=Actor("agent-1", Role.AGENT), now=now,
                            caller=Caller(name="王女士", phone=CALLER), description="回访")
    result = desk.do(desk.service.callback_order(order))
    assert result.connected and result.number == CALLER
    nameless = open_work_order("WO-78", channel=Channel.PHONE, actor=Actor("agent-1", Role.AGENT), now=now)
    with pytest.raises(TelephonyError) as caught:
        desk.do(desk.service.callback_order(nameless))
    assert caught.value.code == "no_number"


def test_health_follows_the_connection_and_a_cancelled_handle_hears_nothing(desk: Desk) -> None:
    assert desk.service.health.state is HealthState.UP
    states = [h.state for i, h in enumerate(desk.health) if i == 0 or desk.health[i - 1].state is not h.state]
    assert states[:2] == [HealthState.STARTING, HealthState.UP]
    assert len({h.since for h in desk.health if h.state is HealthState.STARTING}) == 1  # a new detail, same since
    later: list[DomainEvent] = []
    handle = desk.service.on_event(later.append)
    handle.cancel()
    desk.on_loop(desk.pbx.drop_sessions)  # the network drops
    wait_for(lambda: any(h.state is HealthState.DEGRADED for h in desk.health), "degraded")
    wait_for(lambda: desk.service.health.state is HealthState.UP, "up again")
    degraded = next(h for h in desk.health if h.state is HealthState.DEGRADED)
    assert "lost" in degraded.detail and degraded.since <= desk.service.health.since
    desk.answered_call()
    assert later == [] and desk.of("call_answered")


def test_after_leaving_a_three_way_call_the_seat_takes_calls_again(desk: Desk) -> None:
    # live-2026-12/03: the kicked agent leg's Hangup, AgentComplete (Reason agent), then QueueMemberStatus InCall 0
    # Status 1 — the queue offers the seat its next caller while the caller and the unit talk on.
    call = desk.answered_call()
    desk.do(desk.service.three_way(call.call_id, UNIT))
    desk.wait("conference_joined", 3)
    desk.do(desk.service.leave_conference(call.call_id))
    desk.wait("conference_left")
    wait_for(lambda: any(e.call_id == call.call_id for e in desk.of("call_ended")), "the seat's part ended")
    queue = desk.pbx.engine.queues[desk.pbx.engine.settings.queue]
    member = queue.members[IFACE.lower()]
    wait_for(lambda: not member.in_call, "the member free again")
    desk.on_loop(desk.pbx.place_call, "13900139000", "李先生")
    wait_for(lambda: any(e.call_id != call.call_id for e in desk.of("call_answered")), "the next call answered")
