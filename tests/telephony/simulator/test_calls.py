"""Call flows of the simulator over real TCP: queue calls, hangups from each side, abandon, no answer, hold, transfer,
three-way conference, callback/Originate outcomes, survey IVR. Scenario timings are scaled by 0.01."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from telephony.simulator import SimulatorPbx, scenario_from_mapping

from .client import AmiClient

SCALE = 0.01
SCENARIO: dict[str, Any] = {
    "pbx": {"time_scale": SCALE, "member_timeout_s": 5, "retry_s": 2, "caller_id": "12345"},
    "agents": [
        {"name": "agent1", "interface": "PJSIP/1001", "ring_s": 2, "logged_in": True},
    ],
    "numbers": [
        {"number": "13800000001", "name": "张先生", "outcome": "answer", "answer_after_s": 1, "hangup_after_s": 30},
        {"number": "13800000002", "outcome": "busy"},
        {"number": "13800000003", "outcome": "noanswer"},
        {"number": "13800000004", "outcome": "congestion"},
        {"number": "13800000005", "outcome": "failure"},
        {"number": "13800000006", "outcome": "answer", "answer_after_s": 0.5, "dtmf": "2"},
        {"number": "073188886666", "name": "岳麓区住建局", "outcome": "answer", "answer_after_s": 1},
    ],
}


def make_pbx(**overrides: Any) -> SimulatorPbx:
    data = {**SCENARIO, **overrides}
    return SimulatorPbx(scenario_from_mapping(data), auth_failure_delay_s=0.01)


@pytest.fixture
async def pbx() -> AsyncIterator[SimulatorPbx]:
    server = make_pbx()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=["PJSIP/1001", "Local/agent1@agents"])
async def any_seat(request: pytest.FixtureRequest) -> AsyncIterator[SimulatorPbx]:
    """A seat that is a SIP phone, or a Local channel pair as in the reference captures."""
    server = make_pbx(agents=[{"name": "agent1", "interface": request.param, "ring_s": 2, "logged_in": True}])
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def ami(pbx: SimulatorPbx) -> AsyncIterator[AmiClient]:
    client = await AmiClient.connect(pbx.port)
    yield client
    await client.close()


async def connected_call(pbx: SimulatorPbx, ami: AmiClient, **call: Any) -> tuple[str, str]:
    """Place a call, wait until the agent answers; returns (caller channel, agent channel)."""
    caller = pbx.place_call(call.pop("number", "13812345678"), call.pop("name", "王女士"), **call)
    connect = await ami.event("AgentConnect", Channel=caller)
    return caller, connect["DestChannel"]


async def test_queue_call_answered_then_caller_hangs_up(any_seat: SimulatorPbx) -> None:
    pbx = any_seat
    async with await AmiClient.connect(pbx.port) as ami:
        await _answered_then_caller_hangs_up(pbx, ami)


async def _answered_then_caller_hangs_up(pbx: SimulatorPbx, ami: AmiClient) -> None:
    interface = pbx.scenario.agents[0].interface
    caller = pbx.place_call("13812345678", "王女士", talk_s=3)
    called = await ami.event("AgentCalled", Channel=caller)
    assert called["Queue"] == "hotline"
    assert called["Interface"] == interface
    assert called["CallerIDName"] == "王女士"
    assert called["DestChannel"].startswith(f"{interface}-")
    assert not called["DestChannel"].endswith(";2")
    complete = await ami.event("AgentComplete", Channel=caller)
    assert complete["Reason"] == "caller"
    await ami.event("Hangup", Channel=caller)
    names = [m.event for m in ami.events() if m.event in {
        "QueueCallerJoin", "AgentCalled", "DialBegin", "DialEnd", "QueueCallerLeave", "AgentConnect", "BridgeEnter",
        "AgentComplete", "BridgeLeave", "BridgeDestroy", "MixMonitorStart"}]
    assert names == ["MixMonitorStart", "QueueCallerJoin", "AgentCalled", "DialBegin", "DialEnd",
                     "QueueCallerLeave", "AgentConnect", "BridgeEnter", "BridgeEnter", "AgentComplete",
                     "BridgeLeave", "BridgeLeave", "BridgeDestroy"]
    status = await ami.wait_for(lambda m: m.event == "QueueMemberStatus" and m["Status"] == "1"
                                and m.get("CallsTaken") == "1")
    assert status["InCall"] == "0"


async def test_agent_phone_hangs_up_gives_agent_complete_at_once(any_seat: SimulatorPbx) -> None:
    pbx = any_seat
    ami = await AmiClient.connect(pbx.port)
    caller, agent = await connected_call(pbx, ami)
    pbx.agent_hangs_up("agent1")
    complete = await ami.event("AgentComplete", Channel=caller)
    assert complete["Reason"] == "agent"
    await ami.event("Hangup", Channel=caller)
    assert ami.index(lambda m: m.event == "AgentComplete") < ami.index(
        lambda m: m.event == "Hangup" and m["Channel"] == agent)
    await ami.close()


async def test_ami_hangup_of_agent_gives_no_agent_complete_until_caller_side_ends(any_seat: SimulatorPbx) -> None:
    pbx = any_seat
    ami = await AmiClient.connect(pbx.port)
    caller, agent = await connected_call(pbx, ami)
    reply = await ami.action("Hangup", {"Channel": agent})
    assert (reply.response, reply["Message"]) == ("Success", "Channel Hungup")
    await ami.event("Hangup", Channel=caller)
    agent_hangup = ami.index(lambda m: m.event == "Hangup" and m["Channel"] == agent)
    complete = ami.index(lambda m: m.event == "AgentComplete")
    assert complete > agent_hangup  # ami/README fact 1
    assert ami.messages[complete]["Reason"] == "caller"
    await ami.close()


async def test_phone_side_hold_and_resume(pbx: SimulatorPbx, ami: AmiClient) -> None:
    caller, agent = await connected_call(pbx, ami)
    pbx.phone_hold("agent1", True)
    hold = await ami.event("Hold", Channel=agent)
    assert hold["MusicClass"] == "default"
    after_hold = ami.index(lambda m: m.event == "Hold")
    await ami.wait_for(lambda m: m.event == "MusicOnHoldStart" and m["Channel"] == caller, start=after_hold)
    pbx.phone_hold("agent1", False)
    await ami.event("Unhold", Channel=agent)
    after_unhold = ami.index(lambda m: m.event == "Unhold")
    await ami.wait_for(lambda m: m.event == "MusicOnHoldStop" and m["Channel"] == caller, start=after_unhold)


async def test_caller_abandons_while_waiting() -> None:
    server = make_pbx(agents=[])
    await server.start()
    try:
        async with await AmiClient.connect(server.port) as ami:
            caller = server.place_call("13812345678", abandon_after_s=3)
            abandon = await ami.event("QueueCallerAbandon", Channel=caller)
            assert abandon["Queue"] == "hotline"
            assert abandon["Position"] == abandon["OriginalPosition"] == "1"
            await ami.event("Hangup", Channel=caller)
            assert not ami.events("AgentComplete")
    finally:
        await server.stop()


async def test_agent_ring_no_answer_reports_ms_and_rings_again() -> None:
    server = make_pbx(agents=[{"name": "agent1", "interface": "PJSIP/1001", "answers": False, "logged_in": True}])
    await server.start()
    try:
        async with await AmiClient.connect(server.port) as ami:
            caller = server.place_call("13812345678", abandon_after_s=20)
            first = await ami.event("AgentRingNoAnswer", Channel=caller)
            assert int(first["RingTime"]) >= 40  # 5 s scenario time × 0.01 = 50 ms, in milliseconds
            await ami.wait_for(lambda m: m.event == "AgentCalled", start=ami.index(
                lambda m: m.event == "AgentRingNoAnswer") + 1)
            await ami.event("QueueCallerAbandon", Channel=caller)
    finally:
        await server.stop()


async def test_hold_by_redirect_and_resume_by_bridge(pbx: SimulatorPbx, ami: AmiClient) -> None:
    caller, agent = await connected_call(pbx, ami)
    reply = await ami.action("Redirect", {
        "Channel": caller, "Context": "hold", "Exten": "s", "Priority": 1,
        "ExtraChannel": agent, "ExtraContext": "hold-agent", "ExtraExten": "s", "ExtraPriority": 1})
    assert reply["Message"] == "Dual Redirect successful"
    await ami.event("MusicOnHoldStart", Channel=caller)
    assert not [m for m in ami.events("Hangup") if m["Channel"] in (caller, agent)]
    reply = await ami.action("Bridge", {"Channel1": caller, "Channel2": agent, "Tone": "no"})
    assert reply["Message"] == "Channels have been bridged"
    await ami.event("MusicOnHoldStop", Channel=caller)
    start = ami.index(lambda m: m.event == "MusicOnHoldStop" and m["Channel"] == caller)
    entered = await ami.wait_for(lambda m: m.event == "BridgeEnter" and m["Channel"] == agent, start=start)
    assert entered["BridgeNumChannels"] in ("1", "2")
    pbx.hangup_party(caller)
    complete = await ami.event("AgentComplete", Channel=caller)
    assert complete["Reason"] == "caller"


async def test_blind_transfer(pbx: SimulatorPbx, ami: AmiClient) -> None:
    caller, agent = await connected_call(pbx, ami)
    reply = await ami.action("BlindTransfer", {"Channel": agent, "Context": "transfer",
                                               "Exten": "073188886666"})
    assert reply["Message"] == "Transfer succeeded"
    event = await ami.event("BlindTransfer")
    assert (event["Result"], event["TransfererChannel"], event["TransfereeChannel"]) == ("Success", agent, caller)
    assert (await ami.event("AgentComplete", Channel=caller))["Reason"] == "transfer"
    await ami.event("Hangup", Channel=agent)
    after = ami.index(lambda m: m.event == "BlindTransfer")
    dial = await ami.wait_for(lambda m: m.event == "DialEnd" and m["Channel"] == caller, start=after)
    assert dial["DialStatus"] == "ANSWER"
    assert dial["DestChannel"].startswith("PJSIP/trunk-")
    assert dial["DestCallerIDNum"] == "073188886666"
    assert dial["CallerIDNum"] == "13812345678"  # a transfer keeps the citizen's number


async def test_three_way_conference_agent_leaves_others_stay(pbx: SimulatorPbx, ami: AmiClient) -> None:
    caller, agent = await connected_call(pbx, ami)
    room = "179570254426"
    reply = await ami.action("Redirect", {
        "Channel": caller, "Context": "conf", "Exten": room, "Priority": 1,
        "ExtraChannel": agent, "ExtraContext": "conf", "ExtraExten": room, "ExtraPriority": 1})
    assert reply.response == "Success"
    await ami.event("ConfbridgeStart", Conference=room)
    await ami.event("ConfbridgeJoin", Channel=agent)
    reply = await ami.action("Originate", {"Channel": "Local/073188886666@outbound",
                                           "Application": "ConfBridge", "Data": room,
                                           "CallerID": '"12345" <12345>', "Timeout": 30000, "Async": "true"})
    assert reply["Message"] == "Originate successfully queued"
    originated = await ami.wait_for(lambda m: m.event == "OriginateResponse" and m.action_id == reply.action_id)
    assert (originated["Response"], originated["Reason"]) == ("Success", "4")
    await ami.event("ConfbridgeJoin", Channel=originated["Channel"])
    kick = await ami.action("ConfbridgeKick", {"Conference": room, "Channel": agent})
    assert kick["Message"] == "User kicked"
    await ami.event("ConfbridgeLeave", Channel=agent)
    await ami.event("Hangup", Channel=agent)
    _reply, members = await ami.list_action("ConfbridgeList", {"Conference": room})
    assert sorted(m["Channel"] for m in members) == sorted([caller, originated["Channel"]])
    assert not ami.events("ConfbridgeEnd")
    complete = await ami.event("AgentComplete", Channel=caller)  # the queue reports it at the first later hangup
    assert complete["Reason"] == "agent"


@pytest.mark.parametrize(("number", "response", "reason"), [
    ("13800000001", "Success", "4"), ("13800000002", "Failure", "5"), ("13800000003", "Failure", "3"),
    ("13800000004", "Failure", "8"), ("13800000005", "Failure", "0"),
])
async def test_originate_outcomes(pbx: SimulatorPbx, ami: AmiClient, number: str, response: str,
                                  reason: str) -> None:
    reply = await ami.action("Originate", {"Channel": f"PJSIP/{number}@trunk", "Context": "conf",
                                           "Exten": "900", "Priority": 1, "Timeout": 3000, "Async": "true"})
    assert reply["Message"] == "Originate successfully queued"
    event = await ami.wait_for(lambda m: m.event == "OriginateResponse" and m.action_id == reply.action_id)
    assert (event["Response"], event["Reason"]) == (response, reason)


async def test_callback_dials_agent_then_customer_with_hotline_caller_id(pbx: SimulatorPbx, ami: AmiClient) -> None:
    reply = await ami.action("Originate", {
        "Channel": "PJSIP/1001", "Context": "callback", "Exten": "13800000001", "Priority": 1,
        "CallerID": '"12345" <12345>', "Timeout": 30000, "Async": "true",
        "Variable": ["CALLBACK_NUMBER=13800000001", "WORK_ORDER=WO-1"]})
    event = await ami.wait_for(lambda m: m.event == "OriginateResponse" and m.action_id == reply.action_id)
    assert (event["Response"], event["Reason"]) == ("Success", "4")
    agent_leg = event["Channel"]
    assert agent_leg.startswith("PJSIP/1001-")
    dial = await ami.event("DialEnd", Channel=agent_leg)
    assert dial["DialStatus"] == "ANSWER"
    assert dial["CallerIDNum"] == "12345"
    assert any(m.event == "MixMonitorStart" and m["Channel"] == agent_leg for m in ami.messages)


async def test_callback_to_busy_customer(pbx: SimulatorPbx, ami: AmiClient) -> None:
    reply = await ami.action("Originate", {"Channel": "PJSIP/1001", "Context": "callback",
                                           "Exten": "13800000002", "Priority": 1, "Async": "true"})
    event = await ami.wait_for(lambda m: m.event == "OriginateResponse" and m.action_id == reply.action_id)
    assert event["Reason"] == "4"  # the agent answered
    dial = await ami.event("DialEnd", Channel=event["Channel"])
    assert dial["DialStatus"] == "BUSY"
    await ami.event("Hangup", Channel=event["Channel"])


async def test_originate_errors(pbx: SimulatorPbx, ami: AmiClient) -> None:
    unknown_context = await ami.action("Originate", {"Channel": "PJSIP/1001", "Context": "nowhere", "Exten": "1",
                                                     "Priority": 1, "Async": "true"})
    assert (unknown_context.response, unknown_context["Message"]) == ("Error", "Extension does not exist.")
    bad_channel = await ami.action("Originate", {"Channel": "Bogus", "Application": "Wait", "Async": "true"})
    assert (bad_channel.response, bad_channel["Message"]) == ("Error", "Invalid channel")
    unknown_seat = await ami.action("Originate", {"Channel": "PJSIP/9999", "Context": "callback",
                                                  "Exten": "1", "Priority": 1, "Async": "true"})
    failed = await ami.wait_for(lambda m: m.event == "OriginateResponse" and m.action_id == unknown_seat.action_id)
    assert (failed["Response"], failed["Reason"], failed["Uniqueid"]) == ("Failure", "0", "<unknown>")


async def test_sync_originate_answers_at_the_outcome(pbx: SimulatorPbx, ami: AmiClient) -> None:
    ok = await ami.action("Originate", {"Channel": "PJSIP/13800000001@trunk", "Application": "Wait",
                                        "Data": "5", "Async": "false"})
    assert (ok.response, ok["Message"]) == ("Success", "Originate successfully queued")
    busy = await ami.action("Originate", {"Channel": "PJSIP/13800000002@trunk", "Application": "Wait",
                                          "Data": "5", "Async": "false"})
    assert (busy.response, busy["Message"]) == ("Error", "Originate failed")
    assert not [m for m in ami.events("OriginateResponse") if m.action_id in (ok.action_id, busy.action_id)]


async def test_survey_ivr_reports_dtmf_and_user_event(pbx: SimulatorPbx, ami: AmiClient) -> None:
    reply = await ami.action("Originate", {"Channel": "PJSIP/13800000006@trunk", "Context": "survey",
                                           "Exten": "s", "Priority": 1, "CallerID": '"王女士" <13800000006>',
                                           "Async": "true"})
    assert reply.response == "Success"
    survey = await ami.event("UserEvent", UserEvent="Survey")
    assert (survey["Result"], survey["Caller"]) == ("2", "13800000006")
    begin = ami.index(lambda m: m.event == "DTMFBegin")
    end = ami.index(lambda m: m.event == "DTMFEnd")
    assert begin < end < ami.index(lambda m: m.event == "UserEvent")
    assert ami.messages[end]["Digit"] == "2"
    assert ami.messages[end]["Direction"] == "Received"
    await ami.event("Hangup", Channel=survey["Channel"])


async def test_core_show_channels_lists_a_live_call(pbx: SimulatorPbx, ami: AmiClient) -> None:
    caller, agent = await connected_call(pbx, ami)
    reply, items = await ami.list_action("CoreShowChannels")
    assert reply["EventList"] == "start"
    listed = {m["Channel"]: m for m in items}
    assert {caller, agent} <= set(listed)
    assert listed[caller]["BridgeId"] == listed[agent]["BridgeId"] != ""
    complete = ami.messages[-1] if ami.messages[-1].event == "CoreShowChannelsComplete" else None
    assert complete is None or complete["ListItems"] == str(len(items))
    _reply, status = await ami.list_action("QueueStatus", {"Queue": "hotline"})
    member = next(m for m in status if m.event == "QueueMember")
    assert (member["Name"], member["Location"], member["InCall"]) == ("agent1", "PJSIP/1001", "1")


async def test_two_callers_two_seats_and_a_third_caller_waits_for_the_first_free_seat() -> None:
    server = make_pbx(agents=[
        {"name": "agent1", "interface": "PJSIP/1001", "ring_s": 1, "logged_in": True},
        {"name": "agent2", "interface": "PJSIP/1002", "ring_s": 2, "logged_in": True},
    ])
    await server.start()
    try:
        async with await AmiClient.connect(server.port) as ami:
            first = server.place_call("13800000011", talk_s=20)
            second = server.place_call("13800000012", talk_s=500)
            third = server.place_call("13800000013", talk_s=5)
            one = await ami.event("AgentConnect", Channel=first)
            two = await ami.event("AgentConnect", Channel=second)
            assert {one["MemberName"], two["MemberName"]} == {"agent1", "agent2"}
            waiting = await ami.event("QueueCallerJoin", Channel=third)
            assert waiting["Position"] == "3"
            await ami.event("Hangup", Channel=first)  # frees that seat: the third caller gets it
            three = await ami.event("AgentConnect", Channel=third, timeout=10)
            assert three["MemberName"] == one["MemberName"]
            assert not [m for m in ami.events("AgentConnect") if m["Channel"] == third][1:]
    finally:
        await server.stop()


async def test_seat_rejects_a_ringing_call_and_is_rung_again_at_the_retry() -> None:
    server = make_pbx(agents=[{"name": "agent1", "interface": "PJSIP/1001", "ring_s": 4, "logged_in": True}])
    await server.start()
    try:
        async with await AmiClient.connect(server.port) as ami:
            caller = server.place_call("13812345678", talk_s=5)
            called = await ami.event("AgentCalled", Channel=caller)
            server.hangup_party(called["DestChannel"])
            rejected = await ami.wait_for(lambda m: m.event == "DialEnd" and m.get("DialStatus") == "BUSY")
            assert rejected["DestChannel"] == called["DestChannel"]
            await ami.event("AgentRingNoAnswer", Channel=caller)
            connect = await ami.event("AgentConnect", Channel=caller)
            assert connect["DestChannel"] != called["DestChannel"]
    finally:
        await server.stop()


async def test_status_lists_channels_and_refuses_an_unknown_one(pbx: SimulatorPbx, ami: AmiClient) -> None:
    caller, agent = await connected_call(pbx, ami)
    reply, items = await ami.list_action("Status")
    assert reply["Message"] == "Channel status will follow"
    assert {caller, agent} <= {m["Channel"] for m in items}
    complete = await ami.event("StatusComplete")
    assert complete["Items"] == str(len(items))
    _reply, one = await ami.list_action("Status", {"Channel": caller})
    assert [m["Channel"] for m in one] == [caller]
    missing = await ami.action("Status", {"Channel": "PJSIP/none-1"})
    assert (missing.response, missing["Message"]) == ("Error", "No such channel")


async def test_recording_name_travels_as_a_channel_variable() -> None:
    """manager.conf `channelvars = MIXMONITOR_FILENAME`: the name reaches a desktop that has no `dialplan` read."""
    pbx = make_pbx(pbx={**SCENARIO["pbx"], "channelvars": ["MIXMONITOR_FILENAME"]})
    await pbx.start()
    try:
        async with await AmiClient.connect(pbx.port) as ami:
            await _recording_as_channel_variable(pbx, ami)
        plain = make_pbx()  # without channelvars (Asterisk's default) snapshots carry none
        await plain.start()
        try:
            async with await AmiClient.connect(plain.port) as ami:
                caller = plain.place_call("13812345678", talk_s=50)
                assert "ChanVariable" not in await ami.event("AgentConnect", Channel=caller)
        finally:
            await plain.stop()
    finally:
        await pbx.stop()


async def _recording_as_channel_variable(pbx: SimulatorPbx, ami: AmiClient) -> None:
    caller = pbx.place_call("13812345678", "王女士", talk_s=50)
    connect = await ami.event("AgentConnect", Channel=caller)
    uniqueid = connect["Uniqueid"]
    expected = f"MIXMONITOR_FILENAME=/var/spool/asterisk/monitor/hotline-13812345678-{uniqueid}.wav"
    assert connect.get_all("ChanVariable") == [expected]
    assert connect.get_all("DestChanVariable") == ["MIXMONITOR_FILENAME="]
    joined = await ami.event("QueueCallerJoin", Channel=caller)
    assert joined["ChanVariable"] == expected
