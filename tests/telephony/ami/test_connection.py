"""AmiConnection over real TCP against a scripted peer. Each panoramisk 1.4 guard is shown twice: the scenario against
bare panoramisk (the defect happens) and against AmiConnection (it does not)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from panoramisk import Manager
from panoramisk.actions import Action

from agent_desktop.core.errors import TelephonyError
from telephony.ami.connection import AmiConnection, AmiSettings, ConnectionState, parse_host_port
from telephony.ami.protocol import AmiMessage

from .fake_peer import FakePeer, PeerConnection, frame, wait_until

ABSENT = 0.3  # how long we watch for something that must NOT happen (absence cannot be awaited as a condition)


@pytest.fixture
async def peer() -> AsyncIterator[FakePeer]:
    fake = await FakePeer().start()
    yield fake
    await fake.stop()


@contextlib.asynccontextmanager
async def connection(peer: FakePeer, **overrides: Any) -> AsyncIterator[AmiConnection]:
    options: dict[str, Any] = {
        "username": "desk", "secret": "s3cret", "ping_interval": 30.0, "action_timeout": 2.0,
        "reconnect_initial": 0.05, "reconnect_max": 0.2,
    }
    options.update(overrides)
    conn = AmiConnection(AmiSettings("127.0.0.1", peer.port, **options), rng=random.Random(7))
    try:
        yield conn
    finally:
        await conn.aclose()


@contextlib.asynccontextmanager
async def bare(peer: FakePeer, **overrides: Any) -> AsyncIterator[Manager]:
    """panoramisk 1.4 as shipped (the defects under test)."""
    options: dict[str, Any] = {"username": "desk", "secret": "s3cret", "ping_delay": 100, "reconnect_timeout": 0}
    options.update(overrides)
    manager = Manager(host="127.0.0.1", port=peer.port, **options)
    manager.connect()
    try:
        yield manager
    finally:
        manager.connect = lambda *a, **k: None  # its reconnect cannot be cancelled (defect 9): neuter it
        manager.close()


async def ping_round_trip(conn: AmiConnection) -> None:
    reply = await conn.send_action("Ping")
    assert isinstance(reply, AmiMessage) and reply["Ping"] == "Pong"


def reply_with(*frames_for: Callable[[str], bytes]) -> Callable[[PeerConnection, AmiMessage], list[bytes]]:
    return lambda _conn, message: [make(message.action_id or "") for make in frames_for]


# Basics --------------------------------------------------------------------------------------------------------------
async def test_login_ping_state_listeners_and_clean_close(peer: FakePeer) -> None:
    states: list[ConnectionState] = []
    async with connection(peer) as conn:
        conn.add_state_listener(lambda state, _error: states.append(state))
        await conn.start()
        assert conn.connected and conn.ami_version == "9.0.0"
        await ping_round_trip(conn)
        (login,) = peer.actions("Login")
        assert login["Events"] == "system,call,agent,user,dtmf"
        assert [m["Filter"] for m in peer.actions("Filter")] == [
            "!Event: DeviceStateChange", "!Event: VarSet", "!Event: Newexten"]
        assert "s3cret" not in repr(conn) and "s3cret" not in repr(conn.settings)
    assert states == [ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.CLOSED]
    assert len(peer.actions("Logoff")) == 1
    await wait_until(lambda: not peer.live, what="socket closed")


async def test_unreachable_pbx_is_a_clear_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    conn = AmiConnection(AmiSettings("127.0.0.1", port, "desk", "x"))
    with pytest.raises(TelephonyError) as info:
        await conn.start()
    assert info.value.code == "ami_unreachable"
    assert conn.state is ConnectionState.FAILED
    await conn.aclose()


async def test_action_timeout_and_late_reply_is_ignored(peer: FakePeer) -> None:
    peer.replies["coresettings"] = lambda _c, _m: []  # never answered
    async with connection(peer, action_timeout=0.2) as conn:
        await conn.start()
        with pytest.raises(TelephonyError) as info:
            await conn.send_action("CoreSettings")
        assert info.value.code == "ami_action_timeout"
        assert conn.protocol is not None and not conn.protocol.responses  # nothing left pending
        await ping_round_trip(conn)


async def test_error_response_raises_with_asterisks_message(peer: FakePeer) -> None:
    async with connection(peer) as conn:
        await conn.start()
        with pytest.raises(TelephonyError) as info:
            await conn.send_action("NoSuchThing")
        assert info.value.code == "ami_action_failed"
        assert info.value.details["message"] == "Invalid/unknown command"
        reply = await conn.send_action("NoSuchThing", check=False)
        assert isinstance(reply, AmiMessage) and reply.response == "Error"


async def test_list_action_collects_events_until_complete(peer: FakePeer) -> None:
    peer.replies["coreshowchannels"] = reply_with(
        lambda i: frame(("Response", "Success"), ("ActionID", i), ("EventList", "start"),
                        ("Message", "Channels will follow")),
        lambda i: frame(("Event", "CoreShowChannel"), ("ActionID", i), ("Channel", "PJSIP/1001-1"),
                        ("CallerIDName", "王女士")),
        lambda i: frame(("Event", "CoreShowChannelsComplete"), ("ActionID", i), ("EventList", "Complete"),
                        ("ListItems", "1")),
    )
    seen: list[AmiMessage] = []
    async with connection(peer) as conn:
        conn.add_event_listener(seen.append)
        await conn.start()
        reply = await conn.send_action("CoreShowChannels")
        assert isinstance(reply, list)
        assert [m.event for m in reply] == [None, "CoreShowChannel", "CoreShowChannelsComplete"]
        assert reply[1]["CallerIDName"] == "王女士"
        assert not [m for m in seen if m.event == "CoreShowChannel"]  # list items belong to the action


async def test_header_injection_is_refused_before_sending(peer: FakePeer) -> None:
    async with connection(peer) as conn:
        await conn.start()
        with pytest.raises(TelephonyError) as info:
            await conn.send_action("Originate", {"Exten": "1\r\nAction: Hangup\r\nChannel: all"})
        assert info.value.code == "ami_header_injection"
        await ping_round_trip(conn)
        assert not peer.actions("Hangup") and not peer.actions("Originate")


def test_backoff_is_exponential_capped_and_jittered() -> None:
    settings = AmiSettings("h", reconnect_initial=1.0, reconnect_max=30.0, reconnect_jitter=0.25)
    rng = random.Random(1)
    delays = [settings.backoff(n, rng) for n in range(8)]
    for attempt, delay in enumerate(delays):
        base = min(30.0, 2.0**attempt)
        assert 0.75 * base <= delay <= 1.25 * base
    assert len({round(settings.backoff(3, rng), 6) for _ in range(20)}) > 1  # jitter: not lockstep


def test_parse_host_port() -> None:
    assert parse_host_port("pbx.local:5039") == ("pbx.local", 5039)
    assert parse_host_port("10.0.0.2") == ("10.0.0.2", 5038)
    assert parse_host_port("[::1]:5038") == ("::1", 5038)
    for bad_text in ("", ":5038", "pbx:notaport", "pbx:70000"):
        with pytest.raises(TelephonyError):
            parse_host_port(bad_text)


# Guard 1: a handler exception must not kill the connection -------------------------------------------------------
async def test_guard1_bare_panoramisk_handler_exception_drops_the_connection(peer: FakePeer, caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL)
    async with bare(peer) as manager:
        manager.register_event("Newchannel", lambda _m, _e: 1 / 0)
        await wait_until(lambda: manager.authenticated, what="bare login")
        peer.push(frame(("Event", "Newchannel"), ("Channel", "PJSIP/1-1")))
        await wait_until(lambda: len(peer.connections) >= 2, what="bare panoramisk reconnect")


async def test_guard1_handler_exception_keeps_the_connection(peer: FakePeer, caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL)
    seen: list[str] = []

    async def failing_async(_message: AmiMessage) -> None:
        raise RuntimeError("async listener bug")

    async with connection(peer) as conn:
        conn.add_event_listener(lambda _m: 1 / 0, "Newchannel")
        conn.add_event_listener(failing_async, "Newchannel")
        conn.add_event_listener(lambda m: seen.append(m["Channel"]), "Newchannel")
        await conn.start()
        peer.push(frame(("Event", "Newchannel"), ("Channel", "PJSIP/1-1")))
        peer.push(frame(("Event", "Newchannel"), ("Channel", "PJSIP/1-2")))
        await wait_until(lambda: len(seen) == 2, what="both events")
        await ping_round_trip(conn)
        await wait_until(lambda: conn.stats["listener_errors"] == 4, what="errors counted")
    assert len(peer.connections) == 1


# Guard 2: Originate without an Async header --------------------------------------------------------------------------
def _queued(action_id: str) -> bytes:
    return frame(("Response", "Success"), ("ActionID", action_id), ("Message", "Originate successfully queued"))


def _originate_response(action_id: str) -> bytes:
    return frame(("Event", "OriginateResponse"), ("Privilege", "call,all"), ("ActionID", action_id),
                 ("Response", "Success"), ("Channel", "PJSIP/1001-00000001"), ("Reason", "4"),
                 ("Uniqueid", "1795702464.1"))


async def test_guard2_bare_panoramisk_originate_without_async_breaks(peer: FakePeer, caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL)
    peer.replies["originate"] = reply_with(_queued)
    async with bare(peer) as manager:
        await wait_until(lambda: manager.authenticated, what="bare login")
        future = manager.send_action({"Action": "Originate", "Channel": "PJSIP/1001"})
        await wait_until(lambda: len(peer.connections) >= 2, what="connection killed by KeyError")
        assert not future.done()
        future.cancel()


async def test_guard2_originate_without_async_header_resolves(peer: FakePeer) -> None:
    peer.replies["originate"] = reply_with(_queued)
    async with connection(peer) as conn:
        await conn.start()
        reply = await conn.send_action("Originate", {"Channel": "PJSIP/1001"})
        assert isinstance(reply, AmiMessage) and reply["Message"] == "Originate successfully queued"
    assert len(peer.connections) == 1


# Guard 3: as_list with an Error response --------------------------------------------------------------------------
async def test_guard3_bare_panoramisk_as_list_error_never_resolves(peer: FakePeer) -> None:
    async with bare(peer) as manager:
        await wait_until(lambda: manager.authenticated, what="bare login")
        future = manager.send_action({"Action": "NoSuchList"}, as_list=True)
        pong = manager.send_action({"Action": "Ping"})
        await asyncio.wait_for(pong, 2)  # the error reply has been processed by now
        assert not future.done()
        future.cancel()


async def test_guard3_as_list_error_resolves(peer: FakePeer) -> None:
    async with connection(peer) as conn:
        await conn.start()
        with pytest.raises(TelephonyError) as info:
            await conn.send_action("NoSuchList", as_list=True)
        assert info.value.code == "ami_action_failed"


# Guard 4: QueueAdd ---------------------------------------------------------------------------------------------------
def _added(action_id: str) -> bytes:
    return frame(("Response", "Success"), ("ActionID", action_id), ("Message", "Added interface to queue"))


async def test_guard4_bare_panoramisk_queueadd_hangs(peer: FakePeer) -> None:
    peer.replies["queueadd"] = reply_with(_added)
    async with bare(peer) as manager:
        await wait_until(lambda: manager.authenticated, what="bare login")
        future = manager.send_action({"Action": "QueueAdd", "Queue": "hotline", "Interface": "PJSIP/1001"})
        await asyncio.wait_for(manager.send_action({"Action": "Ping"}), 2)
        assert not future.done()
        future.cancel()


async def test_guard4_queueadd_returns(peer: FakePeer) -> None:
    peer.replies["queueadd"] = reply_with(_added)
    async with connection(peer) as conn:
        await conn.start()
        reply = await conn.send_action("QueueAdd", {"Queue": "hotline", "Interface": "PJSIP/1001"})
        assert isinstance(reply, AmiMessage) and reply["Message"] == "Added interface to queue"


# Guard 5: OriginateResponse reaches event listeners ---------------------------------------------------------------
async def test_guard5_bare_panoramisk_swallows_originate_response(peer: FakePeer) -> None:
    peer.replies["originate"] = reply_with(_queued, _originate_response)
    seen: list[Any] = []
    async with bare(peer) as manager:
        manager.register_event("OriginateResponse", lambda _m, event: seen.append(event))
        await wait_until(lambda: manager.authenticated, what="bare login")
        result = await asyncio.wait_for(
            manager.send_action({"Action": "Originate", "Channel": "PJSIP/1001", "Async": "true"}), 2)
        assert isinstance(result, list) and result[1].event == "OriginateResponse"  # eaten by the action
        assert seen == []


async def test_guard5_originate_response_reaches_listeners(peer: FakePeer) -> None:
    peer.replies["originate"] = reply_with(_queued, _originate_response)
    seen: list[AmiMessage] = []
    async with connection(peer) as conn:
        conn.add_event_listener(seen.append, "OriginateResponse")
        await conn.start()
        reply = await conn.send_action("Originate", {"Channel": "PJSIP/1001", "Async": True})
        assert isinstance(reply, AmiMessage) and reply.kind == "response"
        await wait_until(lambda: seen, what="OriginateResponse event")
        assert seen[0].action_id == reply.action_id and seen[0]["Reason"] == "4"


# Guard 6: never re-send after reconnect (a callback must never be dialled twice) --------------------------------
def _drop_on_originate(connection_: PeerConnection, _message: AmiMessage) -> list[bytes]:
    if connection_.number == 1:
        connection_.abort()  # the Originate reached Asterisk, then the link broke before the reply
    return []


async def test_guard6_bare_panoramisk_redials_after_reconnect(peer: FakePeer) -> None:
    peer.replies["originate"] = _drop_on_originate
    async with bare(peer) as manager:
        await wait_until(lambda: manager.authenticated, what="bare login")
        future = manager.send_action({"Action": "Originate", "Channel": "PJSIP/1001", "Async": "true"})
        await wait_until(lambda: len(peer.actions("Originate")) >= 2, what="the duplicate Originate")
        first, second = peer.actions("Originate")[:2]
        assert first.action_id == second.action_id
        future.cancel()


async def test_guard6_pending_action_fails_and_is_never_resent(peer: FakePeer) -> None:
    peer.replies["originate"] = _drop_on_originate
    states: list[ConnectionState] = []
    async with connection(peer) as conn:
        conn.add_state_listener(lambda state, _e: states.append(state))
        await conn.start()
        with pytest.raises(TelephonyError) as info:
            await conn.send_action("Originate", {"Channel": "PJSIP/1001", "Async": True})
        assert info.value.code == "ami_connection_lost"
        assert info.value.details["may_have_run"] is True
        await wait_until(lambda: ConnectionState.RECONNECTED in states, what="reconnect")
        await ping_round_trip(conn)  # FullyBooted has come and gone on the new session
        assert len(peer.actions("Originate")) == 1
        assert not conn.awaiting_actions
    assert states[:4] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.LOST,
                          ConnectionState.RECONNECTED]


# Guard 7: sending while disconnected ---------------------------------------------------------------------------------
async def test_guard7_bare_panoramisk_send_while_down_never_resolves(peer: FakePeer, caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL)
    async with bare(peer, reconnect_timeout=60) as manager:
        await wait_until(lambda: manager.authenticated, what="bare login")
        peer.drop_all()
        await wait_until(lambda: manager.protocol.closed, what="bare sees the loss")
        future = manager.send_action({"Action": "Ping"})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(future), ABSENT)
        future.cancel()


async def test_guard7_send_while_down_fails_at_once(peer: FakePeer) -> None:
    async with connection(peer, reconnect_initial=60, reconnect_max=60) as conn:
        with pytest.raises(TelephonyError) as before:
            await conn.send_action("Ping")
        assert before.value.code == "ami_not_connected"
        await conn.start()
        peer.drop_all()
        await wait_until(lambda: not conn.connected, what="loss seen")
        with pytest.raises(TelephonyError) as after:
            await conn.send_action("Ping")
        assert after.value.code == "ami_not_connected"


# Guard 8: a silent peer is detected by Ping --------------------------------------------------------------------------
async def test_guard8_bare_panoramisk_never_notices_a_silent_peer(peer: FakePeer) -> None:
    async with bare(peer, ping_delay=1, ping_interval=1) as manager:
        await wait_until(lambda: manager.authenticated, what="bare login")
        peer.silent = True
        await wait_until(lambda: len(peer.actions("Ping")) >= 2, timeout=6, what="two unanswered pings")
        assert len(peer.connections) == 1 and not manager.protocol.closed
        pending_pings = [a for a in manager.protocol.responses.values() if a["Action"] == "Ping"]
        assert len(pending_pings) >= 2  # they leak


async def test_guard8_silent_peer_is_dropped_and_reconnected(peer: FakePeer) -> None:
    states: list[ConnectionState] = []
    async with connection(peer, ping_interval=0.05, ping_timeout=0.1) as conn:
        conn.add_state_listener(lambda state, _e: states.append(state))
        await conn.start()
        peer.silent_connections.add(1)  # the first session hangs; Asterisk "restarts" fine
        await wait_until(lambda: ConnectionState.RECONNECTED in states, what="dead peer → reconnect")
        assert conn.stats["dead_peer"] == 1
        assert conn.last_error is not None and conn.last_error.code == "ami_peer_silent"
        await ping_round_trip(conn)
        assert conn.protocol is not None and not conn.protocol.responses
    assert len(peer.connections) == 2


# Guard 9: close() cancels a pending reconnect ------------------------------------------------------------------------
async def test_guard9_bare_panoramisk_reconnects_after_close(peer: FakePeer, caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL)
    manager = Manager(host="127.0.0.1", port=peer.port, username="desk", secret="s3cret", ping_delay=100,
                      reconnect_timeout=1)
    manager.connect()
    try:
        await wait_until(lambda: manager.authenticated, what="bare login")
        peer.drop_all()
        await wait_until(lambda: manager.protocol.closed, what="loss seen")
        manager.close()  # the reconnect is already scheduled with call_later and survives this
        await wait_until(lambda: len(peer.connections) == 2, timeout=5, what="reconnect after close()")
    finally:
        manager.connect = lambda *a, **k: None
        manager.close()


async def test_guard9_close_cancels_a_pending_reconnect(peer: FakePeer) -> None:
    conn = AmiConnection(AmiSettings("127.0.0.1", peer.port, "desk", "s3cret", reconnect_initial=0.1,
                                     reconnect_max=0.1, reconnect_jitter=0.0, ping_interval=30))
    await conn.start()
    peer.drop_all()
    await wait_until(lambda: conn.state is ConnectionState.LOST, what="loss seen")
    conn.close()
    with pytest.raises(TimeoutError):
        await wait_until_timeout(lambda: len(peer.connections) > 1, ABSENT)
    await conn.aclose()
    assert len(peer.connections) == 1 and conn.state is ConnectionState.CLOSED


async def wait_until_timeout(condition: Callable[[], object], timeout: float) -> None:
    try:
        await wait_until(condition, timeout)
    except AssertionError as exc:
        raise TimeoutError from exc


# Guard 10: a Chinese name split across reads ------------------------------------------------------------------------
_WANG = "Event: Newchannel\r\nChannel: PJSIP/1001-1\r\nCallerIDName: 王女士\r\n\r\n".encode()
_CUT = _WANG.index("王".encode()) + 1  # inside the 3-byte UTF-8 sequence


async def test_guard10_bare_panoramisk_loses_a_split_character(peer: FakePeer) -> None:
    seen: list[Any] = []
    async with bare(peer) as manager:
        manager.register_event("Newchannel", lambda _m, event: seen.append(event))
        await wait_until(lambda: manager.authenticated, what="bare login")
        peer.push(_WANG[:_CUT])
        await wait_until(lambda: manager.protocol.queue and manager.protocol.queue[-1], what="first half read")
        peer.push(_WANG[_CUT:])
        await wait_until(lambda: seen, what="event")
        assert seen[0]["CallerIDName"] != "王女士"


async def test_guard10_split_character_survives(peer: FakePeer) -> None:
    seen: list[AmiMessage] = []
    async with connection(peer) as conn:
        conn.add_event_listener(seen.append, "Newchannel")
        await conn.start()
        assert conn.protocol is not None
        protocol = conn.protocol
        peer.push(_WANG[:_CUT])
        await wait_until(lambda: protocol.parser.buffered_bytes >= _CUT, what="first half read")
        peer.push(_WANG[_CUT:])
        await wait_until(lambda: seen, what="event")
        assert seen[0]["CallerIDName"] == "王女士"


# Guard 11: wrong credentials -----------------------------------------------------------------------------------------
async def test_guard11_bare_panoramisk_storms_with_bad_credentials(peer: FakePeer, caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL)
    async with bare(peer, secret="wrong") as manager:
        await wait_until(lambda: len(peer.connections) >= 3, what="reconnect storm")
        assert manager.authenticated is False  # and no exception was ever raised


async def test_guard11_wrong_credentials_clear_error_no_retry(peer: FakePeer) -> None:
    states: list[tuple[ConnectionState, TelephonyError | None]] = []
    async with connection(peer, secret="wrong") as conn:
        conn.add_state_listener(lambda state, error: states.append((state, error)))
        with pytest.raises(TelephonyError) as info:
            await conn.start()
        assert info.value.code == "ami_auth_failed"
        assert "wrong" not in str(info.value)
        with pytest.raises(TimeoutError):
            await wait_until_timeout(lambda: len(peer.connections) > 1, ABSENT)
    assert states[1][0] is ConnectionState.FAILED


async def test_guard11_credentials_revoked_while_reconnecting_stops_retrying(peer: FakePeer) -> None:
    states: list[ConnectionState] = []
    async with connection(peer) as conn:
        conn.add_state_listener(lambda state, _e: states.append(state))
        await conn.start()
        peer.secret = "rotated"
        peer.drop_all()
        await wait_until(lambda: ConnectionState.FAILED in states, what="failed state")
        assert conn.last_error is not None and conn.last_error.code == "ami_auth_failed"
        with pytest.raises(TimeoutError):
            await wait_until_timeout(lambda: len(peer.connections) > 2, ABSENT)


# Login: MD5 challenge by default, plain on request ------------------------------------------------------------------
async def test_default_login_answers_a_challenge_and_never_sends_the_secret(peer: FakePeer) -> None:
    async with connection(peer) as conn:
        await conn.start()
        (challenge,) = peer.actions("Challenge")
        (login,) = peer.actions("Login")
        assert challenge["AuthType"] == "MD5"
        assert login["AuthType"] == "MD5"
        assert login["Key"] == hashlib.md5(b"482913570" + b"s3cret").hexdigest()
        assert "Secret" not in login
        assert all("s3cret" not in repr(list(m.items())) for c in peer.connections for m in c.received)


async def test_plain_login_sends_the_secret_header(peer: FakePeer) -> None:
    async with connection(peer, auth_type="plain") as conn:
        await conn.start()
        assert peer.actions("Challenge") == []
        (login,) = peer.actions("Login")
        assert login["Secret"] == "s3cret" and "Key" not in login


async def test_a_refused_challenge_is_a_clear_login_error_without_retries(peer: FakePeer) -> None:
    peer.replies["challenge"] = reply_with(
        lambda action_id: frame(("Response", "Error"), ("ActionID", action_id), ("Message", "Must specify AuthType")))
    async with connection(peer) as conn:
        with pytest.raises(TelephonyError) as info:
            await conn.start()
        assert info.value.code == "ami_auth_failed"
        assert "Must specify AuthType" in str(info.value) and "plain" in str(info.value)
        assert conn.state is ConnectionState.FAILED
        with pytest.raises(TimeoutError):
            await wait_until_timeout(lambda: len(peer.connections) > 1, ABSENT)


def test_an_unknown_auth_type_is_refused() -> None:
    with pytest.raises(TelephonyError) as info:
        AmiSettings("127.0.0.1", auth_type="sha1")
    assert info.value.code == "ami_bad_settings"


# Filtering and hostile input -----------------------------------------------------------------------------------------
async def test_noisy_events_are_dropped_before_listeners(peer: FakePeer) -> None:
    seen: list[str] = []
    async with connection(peer) as conn:
        conn.add_event_listener(lambda m: seen.append(f"{m.event}:{m.get('Variable', '')}"))
        await conn.start()
        for name in ("VarSet", "Newexten", "DeviceStateChange", "Hangup"):
            peer.push(frame(("Event", name), ("Variable", "X")))
        peer.push(frame(("Event", "VarSet"), ("Variable", "MIXMONITOR_FILENAME"), ("Value", "a.wav")))
        peer.push(frame(("Event", "Done")))
        await wait_until(lambda: seen and seen[-1] == "Done:", what="Done")
    assert [s for s in seen if not s.startswith("FullyBooted")] == ["Hangup:X", "VarSet:MIXMONITOR_FILENAME", "Done:"]
    assert conn.stats["dropped"] == 3


async def test_refused_filter_action_does_not_block_login(peer: FakePeer) -> None:
    peer.replies["filter"] = reply_with(
        lambda i: frame(("Response", "Error"), ("ActionID", i), ("Message", "Permission denied")))
    async with connection(peer) as conn:
        await conn.start()
        assert conn.connected


async def test_hostile_frames_over_tcp_do_not_break_the_session(peer: FakePeer, caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL)
    seen: list[AmiMessage] = []
    async with connection(peer, max_message_bytes=64 * 1024) as conn:
        conn.add_event_listener(seen.append)
        await conn.start()
        peer.push(b"garbage without colon\r\n\r\n")
        peer.push(b"Event: Big\r\nX: " + b"z" * (1024 * 1024) + b"\r\n\r\n")  # 1 MB frame
        peer.push(b"Event: Bad\r\nCallerIDName: \xff\xfe\r\n\r\n")  # invalid UTF-8: kept with U+FFFD
        peer.push("Event: Good\r\nCallerIDName: 王女士\r\n\r\n".encode())
        await wait_until(lambda: any(m.event == "Good" for m in seen), what="the good event")
        await ping_round_trip(conn)
    seen = [m for m in seen if m.event != "FullyBooted"]
    assert [m.event for m in seen] == ["Bad", "Good"]
    assert seen[0]["CallerIDName"] == "\ufffd\ufffd"
    assert conn.stats["parse_errors"] == 3
    assert len(peer.connections) == 1


async def test_shutdown_event_and_peer_restart_reconnects(peer: FakePeer) -> None:
    states: list[ConnectionState] = []
    async with connection(peer) as conn:
        conn.add_state_listener(lambda state, _e: states.append(state))
        await conn.start()
        peer.push(frame(("Event", "Shutdown"), ("Shutdown", "Cleanly"), ("Restart", "True")))
        peer.drop_all()
        await wait_until(lambda: ConnectionState.RECONNECTED in states, what="reconnected")
        await ping_round_trip(conn)
        assert conn.stats["reconnects"] == 1


async def test_start_in_background_waits_for_a_late_pbx() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    conn = AmiConnection(AmiSettings("127.0.0.1", port, "desk", "s3cret", reconnect_initial=0.05,
                                     reconnect_max=0.1, ping_interval=30))
    states: list[ConnectionState] = []
    conn.add_state_listener(lambda state, _e: states.append(state))
    conn.start_in_background()
    late = FakePeer()
    try:
        await wait_until(lambda: conn.last_error is not None, what="a failed attempt")
        assert states == [ConnectionState.CONNECTING]
        late._server = await asyncio.start_server(late._serve, "127.0.0.1", port)
        # `connected` turns true at the login; the state follows once the session's filters are set
        await wait_until(lambda: states[-1] is ConnectionState.CONNECTED, what="connected once the PBX is up")
        assert conn.connected and states == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]
    finally:
        await conn.aclose()
        await late.stop()


# Guard 12: objects built outside the loop's thread ----------------------------------------------------------------
def test_guard12_bare_panoramisk_action_outside_a_loop_thread_fails() -> None:
    errors: list[Exception] = []

    def build() -> None:
        try:
            Action({"Action": "Ping"})
        except RuntimeError as exc:  # "There is no current event loop in thread ..."
            errors.append(exc)

    thread = threading.Thread(target=build)
    thread.start()
    thread.join()
    assert errors


async def test_guard12_connection_built_in_another_thread_works(peer: FakePeer) -> None:
    built: list[AmiConnection] = []
    thread = threading.Thread(target=lambda: built.append(
        AmiConnection(AmiSettings("127.0.0.1", peer.port, "desk", "s3cret", ping_interval=30))))
    thread.start()
    thread.join()
    (conn,) = built
    try:
        await conn.start()
        await ping_round_trip(conn)
    finally:
        await conn.aclose()
