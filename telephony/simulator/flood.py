"""Benchmark load for `bench/ami_throughput.py`: N queue calls per second plus M noise events per second.

A flood call is a complete queue call on the wire, with the dialplan noise a `read = all` user sees on a real PBX
(Newexten of the inbound context, VarSet of the queue and member variables, DeviceStateChange): Newchannel,
QueueCallerJoin, AgentCalled (+ `SimSentNs`: `time.perf_counter_ns()` taken as the event is written, so a bench in
another process can measure the screen-pop latency), DialBegin/DialState/DialEnd, QueueCallerLeave, AgentConnect,
BridgeCreate/Enter, AgentComplete, BridgeLeave, Hangup — to one interface (ring-in-use, so calls overlap freely).
Noise is VarSet/Newexten/DeviceStateChange on a long-lived channel (about 80 VarSet per real queue call, ami/README
fact 6). Rates are kept by a 5 ms tick that emits whatever is due, so short stalls are caught up rather than lost.
With `calls_per_s = 0` and a call limit, calls go out as fast as the reader takes them (`congested` back-pressure).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from telephony.simulator.model import RING, RINGING, UP, Channel

if TYPE_CHECKING:
    from telephony.simulator.engine import Engine

TICK_S = 0.005
BURST = 20  # calls per loop turn when unpaced


class Flood:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._task: asyncio.Task[None] | None = None
        self.calls_started = 0
        self.calls_active = 0
        self.noise_sent = 0
        self.ring_s = 0.01  # real seconds, not scenario time: the flood is for benchmarks
        self.talk_s = 0.05

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, calls_per_s: float, noise_per_s: float, duration_s: float = 0.0, *,
              interface: str | None = None, calls_limit: int = 0, on_complete: Callable[[], None] | None = None,
              congested: Callable[[], bool] | None = None) -> None:
        if calls_per_s < 0 or noise_per_s < 0 or duration_s < 0 or calls_limit < 0:
            raise ValueError("flood rates, duration and call count must be non-negative")
        if self.running:
            raise RuntimeError("a flood is already running; stop it first")
        agents = self.engine.scenario.agents
        target = interface or (agents[0].interface if agents else "PJSIP/8001")
        self.calls_started = self.noise_sent = 0
        self._task = asyncio.get_running_loop().create_task(
            self._run(calls_per_s, noise_per_s, duration_s, interface=target, calls_limit=calls_limit,
                      on_complete=on_complete, congested=congested))

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, calls_per_s: float, noise_per_s: float, duration_s: float, *, interface: str,
                   calls_limit: int, on_complete: Callable[[], None] | None,
                   congested: Callable[[], bool] | None) -> None:
        engine = self.engine
        noise = engine._new_channel(f"PJSIP/noise-{engine._next_seq()}", context="inbound", exten="s", state=UP,
                                    cid_num="0", cid_name="noise")
        kinds = itertools.cycle(("VarSet", "VarSet", "Newexten", "VarSet", "DeviceStateChange"))
        started = time.monotonic()
        noise_done = 0
        unpaced = calls_per_s == 0 and calls_limit > 0
        try:
            while True:
                if congested is not None and congested():
                    await asyncio.sleep(0.001)
                    continue
                elapsed = time.monotonic() - started
                if duration_s and elapsed >= duration_s:
                    return
                for _ in range(int(noise_per_s * elapsed) - noise_done):
                    kind = next(kinds)
                    if kind == "VarSet":
                        engine.varset(noise, "FLOOD", str(noise_done))
                    elif kind == "Newexten":
                        engine.newexten(noise, "NoOp", f"flood {noise_done}")
                    else:
                        engine.device_state("PJSIP/noise", "NOT_INUSE")
                    noise_done += 1
                due = BURST if unpaced else int(calls_per_s * elapsed) - self.calls_started
                if calls_limit:
                    due = min(due, calls_limit - self.calls_started)
                for _ in range(max(0, due)):
                    self._call(interface, self.calls_started)
                    self.calls_started += 1
                self.noise_sent = noise_done
                if calls_limit and self.calls_started >= calls_limit:
                    if not self.calls_active:
                        if on_complete is not None:
                            on_complete()
                        return
                    unpaced = False  # every call is out: wait for the last ones at the tick's pace
                await asyncio.sleep(0 if unpaced else TICK_S)
        finally:
            if not noise.hung_up and not engine.closed:
                engine.hangup(noise, 16)

    def _call(self, interface: str, index: int) -> None:
        engine = self.engine
        settings = engine.settings
        number = f"139{index % 100000000:08d}"
        caller = engine._new_channel(f"PJSIP/{settings.trunk}-{engine._next_seq()}", context="inbound",
                                     exten=settings.hotline, state=RING, cid_num=number, cid_name=number)
        self.calls_active += 1
        for priority, (app, data) in enumerate((("NoOp", f"Inbound call from {number}"), ("Answer", ""),
                                                ("Set", "CDR(userfield)=hotline")), start=1):
            engine.newexten(caller, app, data, priority=priority)
        engine.newstate(caller, UP)
        engine.start_mixmonitor(caller, f"hotline-{number}-{caller.uniqueid}.wav", "b", priority=4)
        engine.newexten(caller, "Queue", f"{settings.queue},tc,,,120", priority=5)
        for var in ("ANSWEREDTIME", "DIALEDTIME", "QUEUEWAIT"):
            engine.varset(caller, var, "")
        queue = settings.queue
        engine.device_state(f"Queue:{queue}", "RINGING")
        engine.emit("QueueCallerJoin", ("agent",), [*caller.snapshot(), ("Queue", queue), ("Position", "1"),
                                                    ("Count", "1")])
        base = interface.split(";", 1)[0]
        agent = engine._new_channel(f"{base}-{engine._next_seq()}", context="agents", exten=settings.hotline,
                                    linkedid=caller.linkedid, cid_num=number, cid_name=number)
        member = interface.rsplit("/", 1)[-1]
        who = [("Queue", queue), ("Interface", interface), ("MemberName", member)]
        engine.emit("AgentCalled", ("agent",), [*caller.snapshot(), *agent.snapshot("Dest"), *who,
                                                ("SimSentNs", str(time.perf_counter_ns()))])
        engine.dial_begin(caller, agent, interface)
        engine.newstate(agent, RINGING)
        engine.dial_state(caller, agent, "RINGING")
        engine.later(self.ring_s / engine.scale, self._answer, caller, agent, who)

    def _answer(self, caller: Channel, agent: Channel, who: list[tuple[str, str]]) -> None:
        engine = self.engine
        if caller.hung_up or agent.hung_up:
            self.calls_active -= 1
            return
        engine.newstate(agent, UP)
        engine.dial_end(caller, agent, "ANSWER")
        for chan in (caller, agent):
            for var in ("MEMBERINTERFACE", "MEMBERNAME", "MEMBERCALLS", "QUEUENAME", "QUEUECALLS"):
                engine.varset(chan, var, who[1][1] if var == "MEMBERINTERFACE" else "1")
        engine.emit("QueueCallerLeave", ("agent",), [*caller.snapshot(), ("Queue", who[0][1]), ("Position", "1"),
                                                     ("Count", "0")])
        engine.emit("AgentConnect", ("agent",), [*caller.snapshot(), *agent.snapshot("Dest"), *who,
                                                 ("HoldTime", "0"), ("RingTime", "0")])
        engine.bridge_two(agent, caller)
        engine.later(self.talk_s / engine.scale, self._end, caller, agent, who)

    def _end(self, caller: Channel, agent: Channel, who: list[tuple[str, str]]) -> None:
        engine = self.engine
        self.calls_active -= 1
        if caller.hung_up:
            return
        engine.emit("AgentComplete", ("agent",), [*caller.snapshot(), *agent.snapshot("Dest"), *who,
                                                  ("HoldTime", "0"), ("TalkTime", "0"), ("Reason", "caller")])
        engine.remote_hangup(caller)
