"""The AMI session of the simulator: login, permissions, event classes and filters, framing faults, slow readers,
list actions of the queue, and the test API's connection cuts and restarts."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.simulator import AmiUser, SimulatorPbx, scenario_from_mapping

from .client import AmiClient

SCENARIO = scenario_from_mapping({
    "pbx": {"time_scale": 0.01},
    "agents": [{"name": "agent1", "interface": "PJSIP/1001", "ring_s": 1, "logged_in": True}],
})


async def started(**kwargs: object) -> SimulatorPbx:
    pbx = SimulatorPbx(SCENARIO, auth_failure_delay_s=0.01, **kwargs)  # type: ignore[arg-type]
    await pbx.start()
    return pbx


async def test_wrong_secret_is_refused_and_the_socket_closed() -> None:
    pbx = await started()
    try:
        client = await AmiClient.connect(pbx.port, login=False)
        client.send("Login", {"Username": "desk", "Secret": "nope"})
        await asyncio.wait_for(client.closed.wait(), 5)
        assert client.banner == "Asterisk Call Manager/9.0.0"
        assert [(m.response, m.get("Message")) for m in client.messages] == [("Error", "Authentication failed")]
        await client.close()
    finally:
        await pbx.stop()


async def test_md5_challenge_login() -> None:
    pbx = await started()
    try:
        async with await AmiClient.connect(pbx.port, login=False) as client:
            challenge = await client.action("Challenge", {"AuthType": "md5"})
            key = hashlib.md5((challenge["Challenge"] + "desk123").encode()).hexdigest()
            reply = await client.action("Login", {"Username": "desk", "AuthType": "md5", "Key": key})
            assert reply["Message"] == "Authentication accepted"
    finally:
        await pbx.stop()


async def test_actions_before_login_unknown_and_missing() -> None:
    pbx = await started()
    try:
        async with await AmiClient.connect(pbx.port, login=False) as client:
            denied = await client.action("CoreShowChannels")
            assert (denied.response, denied["Message"]) == ("Error", "Permission denied")
            await client.action("Login", {"Username": "desk", "Secret": "desk123"})
            unknown = await client.action("FrobnicateAll")
            assert unknown["Message"] == "Invalid/unknown command"
            client.send_raw(b"ActionID: no-action\r\nFoo: bar\r\n\r\n")
            missing = await client.wait_for(lambda m: m.get("Message") == "Missing action in request")
            assert missing.response == "Error"
            pong = await client.action("Ping")
            assert pong["Ping"] == "Pong"
            goodbye = await client.action("Logoff")
            assert (goodbye.response, goodbye["Message"]) == ("Goodbye", "Thanks for all the fish.")
            await asyncio.wait_for(client.closed.wait(), 5)
    finally:
        await pbx.stop()


async def test_malformed_and_oversize_frames_do_not_kill_the_session() -> None:
    pbx = await started()
    try:
        async with await AmiClient.connect(pbx.port) as client:
            client.send_raw(b"this line has no colon\r\n\r\n")
            client.send_raw(b"Action: Ping\r\nX: " + b"a" * 200_000 + b"\r\n\r\n")
            client.send_raw("Action: Ping\r\nActionID: 王-1\r\n\r\n".encode())
            reply = await client.wait_for(lambda m: m.action_id == "王-1")
            assert reply["Ping"] == "Pong"
    finally:
        await pbx.stop()


async def test_write_permissions_are_enforced() -> None:
    user = AmiUser("desk", "s3cret", read="call,agent", write="agent")
    pbx = await started(users=[user])
    try:
        async with await AmiClient.connect(pbx.port, secret="s3cret") as client:
            originate = await client.action("Originate", {"Channel": "PJSIP/1001", "Application": "Wait",
                                                          "Async": "true"})
            assert (originate.response, originate["Message"]) == ("Error", "Permission denied")
            added = await client.action("QueueAdd", {"Queue": "hotline", "Interface": "PJSIP/1002"})
            assert added["Message"] == "Added interface to queue"
            filtered = await client.action("Filter", {"Operation": "Add", "Filter": "!Event: VarSet"})
            assert filtered["Message"] == "Permission denied"  # Filter needs `system` write (tech brief §1.2)
        assert "s3cret" not in repr(user) and "s3cret" not in repr(pbx)
    finally:
        await pbx.stop()


async def test_originate_of_system_applications_needs_system() -> None:
    pbx = await started(users=[AmiUser("desk", "desk123", write="call,originate")])
    try:
        async with await AmiClient.connect(pbx.port) as client:
            reply = await client.action("Originate", {"Channel": "PJSIP/1001", "Application": "System",
                                                      "Data": "rm -rf /", "Async": "true"})
            assert reply.response == "Error"
            assert reply["Message"].startswith("Originate Access Forbidden")
    finally:
        await pbx.stop()


async def test_read_classes_login_event_mask_and_filters() -> None:
    pbx = await started(users=[
        AmiUser("desk", "desk123", read="call,agent,dialplan", eventfilters=("!Event: Newexten",)),
    ])
    try:
        masked = await AmiClient.connect(pbx.port, events="agent")
        full = await AmiClient.connect(pbx.port, events="on")
        filtered = await AmiClient.connect(pbx.port, events="on")
        reply = await filtered.action("Filter", {"Operation": "Add", "MatchCriteria": "action(exclude),name(VarSet)"})
        assert reply["Message"] == "Filter Added Successfully"
        caller = pbx.place_call("13812345678", talk_s=1)
        for client in (masked, full, filtered):
            await client.event("AgentComplete", Channel=caller)
        await full.event("Hangup", Channel=caller)
        await filtered.event("Hangup", Channel=caller)
        assert {m.event for m in masked.events()} <= {"QueueCallerJoin", "AgentCalled", "QueueMemberStatus",
                                                      "QueueCallerLeave", "AgentConnect", "AgentComplete"}
        assert full.events("VarSet") and not full.events("Newexten")  # user eventfilter drops Newexten
        assert not full.events("FullyBooted")  # no `system` read: Asterisk sends FullyBooted only with it
        assert not filtered.events("VarSet") and filtered.events("Hangup")
        await filtered.action("Events", {"EventMask": "off"})
        mark = len(filtered.messages)
        pbx.place_call("13812345679", talk_s=1)
        await full.wait_for(lambda m: m.event == "AgentComplete" and m["CallerIDNum"] == "13812345679")
        assert all(m.kind == "response" for m in filtered.messages[mark:])
        for client in (masked, full, filtered):
            await client.close()
    finally:
        await pbx.stop()


async def test_hostile_caller_name_cannot_forge_an_event() -> None:
    pbx = await started()
    try:
        async with await AmiClient.connect(pbx.port) as client:
            caller = pbx.place_call("13812345678", '王女士\r\n\r\nEvent: Hangup\r\nChannel: PJSIP/forged', talk_s=1)
            called = await client.event("AgentCalled", Channel=caller)
            assert called["CallerIDName"] == "王女士\\r\\n\\r\\nEvent: Hangup\\r\\nChannel: PJSIP/forged"
            await client.event("Hangup", Channel=caller)
            assert not [m for m in client.events("Hangup") if m["Channel"] == "PJSIP/forged"]
    finally:
        await pbx.stop()


async def test_queue_admin_actions_and_lists() -> None:
    pbx = await started()
    try:
        async with await AmiClient.connect(pbx.port) as client:
            add = await client.action("QueueAdd", {"Queue": "hotline", "Interface": "PJSIP/1002",
                                                   "MemberName": "agent2", "Penalty": 0, "Paused": "false"})
            assert add["Message"] == "Added interface to queue"
            added = await client.event("QueueMemberAdded", Interface="PJSIP/1002")
            assert (added["MemberName"], added["Membership"], added["Status"]) == ("agent2", "dynamic", "1")
            again = await client.action("QueueAdd", {"Queue": "hotline", "Interface": "PJSIP/1002"})
            assert (again.response, again["Message"]) == ("Error", "Unable to add interface: Already there")
            pause = await client.action("QueuePause", {"Interface": "PJSIP/1002", "Paused": "true",
                                                       "Reason": "after-call-work"})
            assert pause["Message"] == "Interface paused successfully"
            paused = await client.event("QueueMemberPause", Interface="PJSIP/1002")
            assert (paused["Paused"], paused["PausedReason"]) == ("1", "after-call-work")
            resume = await client.action("QueuePause", {"Interface": "PJSIP/1002", "Paused": "false"})
            assert resume["Message"] == "Interface unpaused successfully"
            missing = await client.action("QueuePause", {"Interface": "PJSIP/7777", "Paused": "true"})
            assert missing["Message"] == "Interface not found"
            reply, items = await client.list_action("QueueStatus", {"Queue": "hotline"})
            assert reply["Message"] == "Queue status will follow"
            assert [m.event for m in items] == ["QueueParams", "QueueMember", "QueueMember"]
            complete = await client.event("QueueStatusComplete")
            assert complete["ListItems"] == "3"
            _reply, summary = await client.list_action("QueueSummary", {"Queue": "hotline"})
            assert (summary[0]["LoggedIn"], summary[0]["Available"]) == ("2", "2")
            remove = await client.action("QueueRemove", {"Queue": "hotline", "Interface": "PJSIP/1002"})
            assert remove["Message"] == "Removed interface from queue"
            await client.event("QueueMemberRemoved", Interface="PJSIP/1002")
            gone = await client.action("QueueRemove", {"Queue": "hotline", "Interface": "PJSIP/1002"})
            assert gone["Message"] == "Unable to remove interface: Not there"
            settings = await client.action("CoreSettings")
            assert (settings["AsteriskVersion"], settings["AMIversion"]) == ("20.20.1", "9.0.0")
            version = await client.action("Command", {"Command": "core show version"})
            assert version.output and version.output[0].startswith("Asterisk 20.20.1")
    finally:
        await pbx.stop()


async def test_paused_member_is_not_rung() -> None:
    pbx = await started()
    try:
        async with await AmiClient.connect(pbx.port) as client:
            await client.action("QueuePause", {"Interface": "PJSIP/1001", "Paused": "true", "Reason": "lunch"})
            caller = pbx.place_call("13812345678", abandon_after_s=2)
            await client.event("QueueCallerAbandon", Channel=caller)
            assert not client.events("AgentCalled")
    finally:
        await pbx.stop()


async def test_slow_reader_is_dropped_like_writetimeout() -> None:
    pbx = await started(max_write_buffer=64 * 1024)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", pbx.port)
        writer.write(b"Action: Login\r\nUsername: desk\r\nSecret: desk123\r\n\r\n")
        await writer.drain()
        while pbx.session_count == 0:
            await asyncio.sleep(0.01)
        pbx.start_flood(0, 200_000)
        async with asyncio.timeout(10):
            while pbx.session_count:
                await asyncio.sleep(0.02)  # we never read: the PBX must give up on us
        await pbx.stop_flood()
        assert await reader.read() != b""  # it had written until its limit, then closed the connection
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    finally:
        await pbx.stop()


async def test_drop_sessions_then_reconnect_sees_the_live_call() -> None:
    pbx = await started()
    try:
        client = await AmiClient.connect(pbx.port)
        caller = pbx.place_call("13812345678")
        await client.event("AgentConnect", Channel=caller)
        pbx.drop_sessions()
        await asyncio.wait_for(client.closed.wait(), 5)
        await client.close()
        async with await AmiClient.connect(pbx.port) as again:
            _reply, items = await again.list_action("CoreShowChannels")
            assert caller in {m["Channel"] for m in items}
    finally:
        await pbx.stop()


async def test_restart_on_the_same_port_loses_every_call() -> None:
    pbx = await started()
    try:
        port = pbx.port
        client = await AmiClient.connect(port)
        caller = pbx.place_call("13812345678")
        await client.event("AgentConnect", Channel=caller)
        await pbx.stop()
        await asyncio.wait_for(client.closed.wait(), 5)
        await client.close()
        await pbx.start()
        assert pbx.port == port
        async with await AmiClient.connect(port) as again:
            _reply, items = await again.list_action("CoreShowChannels")
            assert items == []
    finally:
        await pbx.stop()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=st.lists(st.tuples(st.sampled_from(
    ["Originate", "Redirect", "Hangup", "QueuePause", "QueueAdd", "BlindTransfer", "Bridge", "ConfbridgeKick",
     "ConfbridgeList", "Status", "Getvar", "Setvar", "PlayDTMF", "SimFlood", "Filter", "Events", "Command",
     "MixMonitor", "UserEvent", "Login", "Nonsense"]),
    st.dictionaries(st.sampled_from(["Channel", "Context", "Exten", "Priority", "Interface", "Paused", "Queue",
                                     "Conference", "Channel1", "Channel2", "Digit", "Filter", "MatchCriteria",
                                     "EventMask", "Calls", "Timeout", "Data", "Application", "Async", "Cause",
                                     "ExtraChannel", "Variable", "UserEvent", "Command"]),
                    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
                            max_size=12), max_size=6)),
    max_size=12))
def test_hostile_actions_never_kill_the_session_or_the_pbx(frames: list[tuple[str, dict[str, str]]]) -> None:
    async def run() -> None:
        pbx = await started()
        try:
            async with await AmiClient.connect(pbx.port) as client:
                caller = pbx.place_call("13812345678", talk_s=50)
                for name, fields in frames:
                    client.send(name, {k: v.replace("CALLER", caller) for k, v in fields.items()})
                client.send_raw(b"\xff\xfe garbage \x00\r\n\r\n")
                await pbx.stop_flood()
                pong = await client.action("Ping", timeout=10)
                assert pong["Ping"] == "Pong"
        finally:
            await pbx.stop()

    asyncio.run(run())
