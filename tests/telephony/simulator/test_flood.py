"""Flood mode (for bench/ami_throughput.py): queue calls plus noise events at the asked rates, over real TCP."""

from __future__ import annotations

import asyncio

import pytest

from telephony.simulator import SimulatorPbx, scenario_from_mapping

from .client import AmiClient


async def test_flood_sends_complete_queue_calls_and_noise() -> None:
    scenario = scenario_from_mapping({"agents": [{"name": "agent1", "interface": "PJSIP/1001"}]})
    pbx = SimulatorPbx(scenario)
    await pbx.start()
    try:
        async with await AmiClient.connect(pbx.port) as ami:
            pbx.start_flood(calls_per_s=40, noise_per_s=2000)
            async with asyncio.timeout(20):
                while len(ami.events("AgentComplete")) < 5 or len(ami.events("VarSet")) < 500:
                    await asyncio.sleep(0.02)
            await pbx.stop_flood()
            called = ami.events("AgentCalled")[0]
            assert (called["Interface"], called["Queue"]) == ("PJSIP/1001", "hotline")
            call = called["Channel"]
            sequence = [m.event for m in ami.events() if m.get("Channel") == call and m.event in {
                "QueueCallerJoin", "AgentCalled", "DialEnd", "AgentConnect", "AgentComplete", "Hangup"}]
            assert sequence == ["QueueCallerJoin", "AgentCalled", "DialEnd", "AgentConnect", "AgentComplete",
                                "Hangup"]
            assert ami.events("Newexten")
            assert pbx.flood.noise_sent >= 500
    finally:
        await pbx.stop()


async def test_flood_refuses_negative_rates_and_a_second_flood() -> None:
    pbx = SimulatorPbx()
    await pbx.start()
    try:
        with pytest.raises(ValueError):
            pbx.start_flood(-1, 0)
        pbx.start_flood(0, 10)
        with pytest.raises(RuntimeError):
            pbx.start_flood(0, 10)
        await pbx.stop_flood()
        assert not pbx.flood.running
    finally:
        await pbx.stop()


async def test_simflood_action_sends_n_calls_with_send_stamps_then_completes() -> None:
    pbx = SimulatorPbx()
    await pbx.start()
    try:
        async with await AmiClient.connect(pbx.port) as ami:
            reply = await ami.action("SimFlood", {"Calls": 30, "CallRate": 0, "NoiseRate": 500,
                                                  "Interface": "Local/agent1@agents"})
            assert reply["Message"] == "Flood started"
            complete = await ami.wait_for(lambda m: m.event == "SimFloodComplete", timeout=30)
            assert complete.action_id == reply.action_id
            called = ami.events("AgentCalled")
            assert len(called) == 30 == int(complete["Calls"])
            assert all(int(m["SimSentNs"]) > 0 for m in called)
            assert len({m["Uniqueid"] for m in called}) == 30
            assert {m["Interface"] for m in called} == {"Local/agent1@agents"}
            received = len(ami.events()) - len(ami.events("SimFloodComplete"))
            assert int(complete["Events"]) <= received
            assert len(ami.events("AgentComplete")) == 30
            bad = await ami.action("SimFlood", {"Calls": "lots"})
            assert (bad.response, bad["Message"]) == ("Error", "Calls must be a number")
    finally:
        await pbx.stop()
