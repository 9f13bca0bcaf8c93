"""The central store against real websocket clients on loopback, over SQLite and PostgreSQL: the lifecycle through
the store, ordering, exactly-once replays, catch-up, rejections by rule and by role, visibility, hostile input."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from websockets.frames import CloseCode

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.serialization import OpenWorkOrder, work_order_from_dict, work_order_to_dict
from agent_desktop.core.work_order import CallLink, Category, Channel, OrderState, ReplyMeans
from sync import protocol
from sync.server import db
from sync.server.app import CentralServer, _batches
from tests.agent_desktop.core.lifecycle_fixtures import walk
from tests.sync.server.conftest import LEAD, OTHER, Tokens
from tests.sync.server.wsclient import TIMEOUT, WsClient

OPEN = OpenWorkOrder(Channel.PHONE, category=Category.COMPLAINT, description="小区夜间施工噪音扰民")


async def dispatched(client: WsClient, order_id: str, lead: str = LEAD, co: tuple[str, ...] = ()) -> protocol.Ack:
    assert isinstance(await client.push(order_id, OPEN), protocol.Ack)
    ack = await client.push(order_id, lc.Dispatch(lead, co), base_version=1)
    assert isinstance(ack, protocol.Ack), ack
    return ack


def count(server: CentralServer, table: sa.Table, **where: object) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with server.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


async def test_whole_lifecycle_runs_through_the_store_and_reaches_every_desk(server: CentralServer,
                                                                              tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent, seat="A07")
    unit = await WsClient.open(server.url, tokens.unit, seat=None)
    supervisor = await WsClient.open(server.url, tokens.supervisor)
    assert agent.welcome is not None and agent.welcome.role.value == "agent"
    assert unit.welcome is not None and unit.welcome.unit == LEAD

    await dispatched(agent, "WO-1")
    steps = [
        (unit, lc.Sign()),
        (unit, lc.RequestReturn("属于市住建局职责")),
        (supervisor, lc.RejectReturn("属于属地职责")),
        (unit, lc.RecordResponse("已电话联系诉求人")),
    ]
    version = 2
    for desk, command in steps:
        answer = await desk.push("WO-1", command, base_version=version)
        assert isinstance(answer, protocol.Ack), answer
        version += 1
        assert answer.version == version and answer.order is not None
    # every desk saw every version, in order, with the same final state
    for desk in (agent, unit, supervisor):
        await desk.wait_change("WO-1", version)
        versions = [c.version for c in desk.changes() if c.order_id == "WO-1"]
        assert versions == sorted(set(versions)) and versions[-1] == version
    final = agent.changes()[-1].order
    assert final.state is OrderState.SIGNED
    # the history names the server's users and roles, and the seat the hello gave
    assert [(h.actor_id, h.role.value, h.action) for h in final.history] == [
        ("agent-007", "agent", "open"), ("agent-007", "agent", "dispatch"), ("unit-yl", "unit", "sign"),
        ("unit-yl", "unit", "request_return"), ("sup-1", "supervisor", "reject_return"),
        ("unit-yl", "unit", "record_response"),
    ]
    assert final.history[0].seat == "A07"
    assert count(server, db.operations, status="applied") == version
    for desk in (agent, unit, supervisor):
        await desk.close()


async def test_pipelined_pushes_are_applied_and_acked_in_order(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    op_ids = [protocol.new_op_id() for _ in range(40)]
    made = datetime.now(UTC)
    await agent.send(protocol.Push(op_ids[0], "WO-P", 0, OPEN, made))
    for i, op_id in enumerate(op_ids[1:], start=1):  # sent back to back, no waiting for acks
        edit = lc.EditFields({"description": f"第{i}次补充"})
        await agent.send(protocol.Push(op_id, "WO-P", i, edit, made + timedelta(milliseconds=i)))
    answers = [await agent.answer(op_id) for op_id in op_ids]
    assert all(isinstance(a, protocol.Ack) for a in answers)
    assert [a.version for a in answers] == list(range(1, 41))
    cursors = [a.cursor for a in answers]
    assert cursors == sorted(cursors) and len(set(cursors)) == 40
    acks_in_arrival = [m.op_id for m in agent.received if isinstance(m, protocol.Ack)]
    assert acks_in_arrival == op_ids
    assert answers[-1].order.description == "第39次补充"
    await agent.close()


async def test_a_replayed_push_gets_the_same_ack_and_is_stored_once(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    observer = await WsClient.open(server.url, tokens.agent2)
    op_id = protocol.new_op_id()
    first = await agent.push("WO-R", OPEN, op_id=op_id)
    second_edit = await agent.push("WO-R", lc.EditFields({"district": "岳麓区"}), base_version=1)
    # the seat crashed before it saw the ack, reconnects and pushes its outbox again
    await agent.close()
    again = await WsClient.open(server.url, tokens.agent)
    replay = await again.push("WO-R", OPEN, op_id=op_id)
    replay_twice = await again.push("WO-R", OPEN, op_id=op_id)
    assert isinstance(replay, protocol.Ack) and replay.duplicate and replay_twice.duplicate
    assert (replay.version, replay.cursor) == (first.version, first.cursor) == (1, first.cursor)
    assert replay.order == first.order  # the order as that operation left it, not as it is now
    assert replay.order.district is None and second_edit.order.district == "岳麓区"
    assert count(server, db.operations, op_id=op_id) == 1
    assert count(server, db.changes, entity_id="WO-R") == 2
    await observer.wait_change("WO-R", 2)
    assert [c.version for c in observer.changes()] == [1, 2]  # the replays made no change
    await again.close()
    await observer.close()


async def test_a_replayed_rejected_push_gets_the_same_reject(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    await agent.push("WO-X", OPEN)
    op_id = protocol.new_op_id()
    reply = lc.RecordReply(ReplyMeans.CALLBACK, "已回电答复")
    reject = await agent.push("WO-X", reply, base_version=1, op_id=op_id)
    assert isinstance(reject, protocol.Reject) and reject.code == "wrong_state"
    # promising a reply makes recording one legal now, but the stored answer to this op_id stays the reject
    assert isinstance(await agent.push("WO-X", lc.PromiseReply(caller_consents=True), base_version=1), protocol.Ack)
    replay = await agent.push("WO-X", reply, base_version=1, op_id=op_id)
    assert isinstance(replay, protocol.Reject)
    assert (replay.code, replay.reason) == (reject.code, reject.reason)
    assert replay.order is not None and replay.order.state is OrderState.REPLY_PENDING
    assert count(server, db.operations, op_id=op_id, status="rejected") == 1
    await agent.close()


async def test_illegal_transitions_are_rejected_with_the_rule(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    unit = await WsClient.open(server.url, tokens.unit)
    await dispatched(agent, "WO-I")
    early = await unit.push("WO-I", lc.RequestReturn("不属于本单位职责"), base_version=2)  # before signing it
    assert isinstance(early, protocol.Reject) and early.code == "wrong_state"
    assert early.version == 2 and early.order is not None and early.order.state is OrderState.DISPATCHED
    missing = await agent.push("WO-NONE", lc.Sign(), base_version=3)
    assert isinstance(missing, protocol.Reject) and missing.code == "order_not_found" and missing.order is None
    # a unit is told the same of an order that does not exist as of another unit's (issue 15)
    missing = await unit.push("WO-NONE", lc.Sign(), base_version=3)
    assert isinstance(missing, protocol.Reject) and missing.code == "not_your_order" and missing.order is None
    twice = await agent.push("WO-I", OPEN)
    assert isinstance(twice, protocol.Reject) and twice.code == "order_exists"
    # nothing was changed by the refusals
    assert count(server, db.changes, entity_id="WO-I") == 2
    await agent.close()
    await unit.close()


async def test_role_violations_are_rejected_whatever_the_client_claims(server: CentralServer,
                                                                       tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    unit = await WsClient.open(server.url, tokens.unit)
    other = await WsClient.open(server.url, tokens.other_unit)
    await dispatched(agent, "WO-V")
    # another unit acting on the lead unit's order: refused, and the order is not shown to it
    foreign = await other.push("WO-V", lc.Sign(), base_version=2)
    assert isinstance(foreign, protocol.Reject) and foreign.code == "not_your_order"
    assert foreign.order is None and foreign.version is None
    linked = await other.push("WO-V", lc.LinkCall(CallLink("9.1")), base_version=2)  # a step any role may take
    assert isinstance(linked, protocol.Reject) and linked.code == "not_your_order"
    assert isinstance(await unit.push("WO-V", lc.Sign(), base_version=2), protocol.Ack)
    assert isinstance(await unit.push("WO-V", lc.RequestReturn("不属于本单位职责"), base_version=3), protocol.Ack)
    # an agent approving a return: the centre's step (第18条)
    approve = await agent.push("WO-V", lc.ApproveReturn(), base_version=4)
    assert isinstance(approve, protocol.Reject) and approve.code == "role_not_allowed"
    assert approve.article == "第18条"
    # a client cannot smuggle a role in: extra fields are refused before anything is applied
    frame = json.loads(protocol.encode(protocol.Push(protocol.new_op_id(), "WO-V", 4, lc.ApproveReturn(),
                                                     datetime.now(UTC))))
    frame["role"] = "supervisor"
    await agent.send_raw(json.dumps(frame))
    error = await agent.wait_for(lambda m: isinstance(m, protocol.Error))
    assert error.code == "bad_field" and not error.fatal
    assert count(server, db.operations, entity_id="WO-V", status="applied") == 4
    for client in (agent, unit, other):
        await client.close()


async def test_a_co_unit_may_not_take_the_lead_units_steps(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    other = await WsClient.open(server.url, tokens.other_unit)
    await dispatched(agent, "WO-C", co=(OTHER,))
    answer = await other.push("WO-C", lc.Sign(), base_version=2)
    assert isinstance(answer, protocol.Reject) and answer.code == "not_lead_unit"
    await agent.close()
    await other.close()


async def test_units_receive_only_their_orders_live_and_on_catch_up(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    other = await WsClient.open(server.url, tokens.other_unit)
    await dispatched(agent, "WO-LEAD")
    await dispatched(agent, "WO-WATER", lead=OTHER)
    await other.wait_change("WO-WATER", 2)
    late = await WsClient.open(server.url, tokens.unit)
    caught = await late.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    assert {c.order_id for c in late.changes()} == {"WO-LEAD"}
    assert [c.version for c in late.changes()] == [2]  # intake (version 1) had no unit yet
    assert caught.cursor == server._feed.head
    assert {c.order_id for c in other.changes()} == {"WO-WATER"}
    for client in (agent, other, late):
        await client.close()


async def test_catch_up_after_reconnect_sends_exactly_what_was_missed(server: CentralServer,
                                                                      tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    seat = await WsClient.open(server.url, tokens.agent2)
    await agent.push("WO-K1", OPEN)
    change = await seat.wait_change("WO-K1", 1)
    await seat.close()
    for n in range(2, 7):
        await agent.push(f"WO-K{n}", OPEN)
    await agent.push("WO-K1", lc.EditFields({"street": "望月湖街道"}), base_version=1)
    back = await WsClient.open(server.url, tokens.agent2, resume_from=change.cursor)
    caught = await back.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    got = [(c.order_id, c.version) for c in back.changes()]
    assert got == [("WO-K2", 1), ("WO-K3", 1), ("WO-K4", 1), ("WO-K5", 1), ("WO-K6", 1), ("WO-K1", 2)]
    cursors = [c.cursor for c in back.changes()]
    assert cursors == list(range(change.cursor + 1, change.cursor + 7)) and caught.cursor == cursors[-1]
    # and live changes keep coming after the catch-up
    await agent.push("WO-K7", OPEN)
    assert (await back.wait_change("WO-K7", 1)).cursor == cursors[-1] + 1
    await agent.close()
    await back.close()


async def test_concurrent_seats_each_change_reaches_a_catch_up_client_exactly_once(server: CentralServer,
                                                                                   tokens: Tokens) -> None:
    seats = [await WsClient.open(server.url, t) for t in (tokens.agent, tokens.agent2, tokens.supervisor)]

    async def work(i: int, seat: WsClient) -> list[protocol.Ack]:
        acks = []
        for n in range(15):
            acks.append(await seat.push(f"WO-{i}-{n}", OPEN))
        return acks

    results = await asyncio.gather(*(work(i, s) for i, s in enumerate(seats)))
    cursors = sorted(a.cursor for acks in results for a in acks)
    assert cursors == list(range(1, 46))
    reader = await WsClient.open(server.url, tokens.leader)
    await reader.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    assert [c.cursor for c in reader.changes()] == list(range(1, 46))
    for client in (*seats, reader):
        await client.close()


async def test_the_seats_time_is_used_within_limits_and_both_times_are_kept(server: CentralServer,
                                                                            tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    past = datetime.now(UTC) - timedelta(hours=3)  # taken while the centre was unreachable
    opened = await agent.push("WO-T", OPEN, made_at=past)
    assert opened.order.created_at == past
    future = datetime.now(UTC) + timedelta(hours=5)  # a seat clock far ahead is not believed
    edited = await agent.push("WO-T", lc.EditFields({"district": "岳麓区"}), base_version=1, made_at=future)
    step_at = edited.order.history[-1].at
    assert step_at < future - timedelta(hours=4)
    before_open = past - timedelta(hours=1)  # earlier than the order's last step: moved up to keep history in order
    again = await agent.push("WO-T", lc.EditFields({"street": "望月湖街道"}), base_version=2, made_at=before_open)
    assert again.order.history[-1].at == step_at
    with server.engine.connect() as conn:
        row = conn.execute(sa.select(db.operations).where(db.operations.c.op_id == edited.op_id)).one()
    assert _aware(row.made_at) == future and _aware(row.step_at) == step_at
    assert _aware(row.received_at) <= datetime.now(UTC)
    await agent.close()


async def test_malformed_and_hostile_messages_get_clear_errors_and_the_connection_goes_on(
        server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    cases = [
        ("{not json", "bad_json"),
        ('{"type": "ping", "nonce": NaN}', "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"type": "launch_missiles"}', "unknown_type"),
        ('{"type": "ack", "op_id": "x"}', "unknown_type"),  # a server's message from a client
        ('{"type": "push", "op_id": "not-a-uuid", "order_id": "WO-1", "base_version": 0, "command": {}, '
         '"made_at": "2026-11-26T10:00:00+08:00"}', "bad_field"),
        (b"\xff\xfe binary garbage", "bad_json"),
        ("x" * (protocol.MAX_MESSAGE_BYTES + 10), "message_too_big"),
    ]
    for raw, code in cases:
        before = len(agent.received)
        await agent.send_raw(raw)
        error = await agent.wait_for(lambda m: isinstance(m, protocol.Error), after=before)
        assert error.code == code, (raw[:40], error)
        assert not error.fatal
    # a push with a readable envelope but a bad command is rejected as an operation (the seat can drop it)
    op_id = protocol.new_op_id()
    await agent.send_raw(json.dumps({"type": "push", "op_id": op_id, "order_id": "WO-B", "base_version": 0,
                                     "command": {"action": "self_destruct"}, "made_at": "2026-11-26T10:00:00+08:00"}))
    reject = await agent.answer(op_id)
    assert isinstance(reject, protocol.Reject) and reject.code == "bad_command"
    # the connection still works
    await agent.send(protocol.Ping(nonce=7))
    assert (await agent.wait_for(lambda m: isinstance(m, protocol.Pong))).nonce == 7
    assert isinstance(await agent.push("WO-OK", OPEN), protocol.Ack)
    # a frame larger than the transport limit closes the connection (1009), and the server keeps serving
    await agent.send_raw("y" * (4 * protocol.MAX_MESSAGE_BYTES + 1))
    await asyncio.wait_for(agent.closed.wait(), 10)
    assert agent.ws.close_code == CloseCode.MESSAGE_TOO_BIG
    fresh = await WsClient.open(server.url, tokens.agent)
    assert isinstance(await fresh.push("WO-OK2", OPEN), protocol.Ack)
    assert count(server, db.operations) == 2
    await fresh.close()


async def test_a_wrong_token_is_refused_and_closed(server: CentralServer, tokens: Tokens) -> None:
    client = await WsClient.open(server.url, "not-a-token-" + tokens.agent[:8])
    error = client.received[0]
    assert isinstance(error, protocol.Error) and error.code == "unauthorized" and error.fatal
    await asyncio.wait_for(client.closed.wait(), 10)
    assert client.ws.close_code == CloseCode.POLICY_VIOLATION
    assert client.welcome is None


async def test_the_first_message_must_be_a_hello(server: CentralServer, tokens: Tokens) -> None:
    client = await WsClient.open(server.url, tokens.agent, hello=False)
    await client.send(protocol.Push(protocol.new_op_id(), "WO-1", 0, OPEN, datetime.now(UTC)))
    error = await client.wait_for(lambda m: isinstance(m, protocol.Error))
    assert error.code == "hello_required" and error.fatal
    await asyncio.wait_for(client.closed.wait(), 10)
    assert count(server, db.operations) == 0


async def test_an_unsupported_protocol_version_is_refused(server: CentralServer, tokens: Tokens) -> None:
    client = await WsClient.open(server.url, tokens.agent, hello=False)
    hello = protocol.to_dict(protocol.Hello(token=tokens.agent, client_id=protocol.new_op_id()))
    await client.send_raw(json.dumps({**hello, "protocol": 99}))
    error = await client.wait_for(lambda m: isinstance(m, protocol.Error))
    assert error.code == "unsupported_protocol" and error.fatal


async def test_healthz_answers_over_http_on_the_same_port(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    await agent.push("WO-H", OPEN)
    status, body = await _http_get(server.port, "/healthz")
    assert status == 200
    assert body["status"] == "ok" and body["cursor"] == 1 and body["connections"] == 1
    await agent.close()


def _aware(value: datetime) -> datetime:
    # SQLite returns the stored UTC time without its offset
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def _http_get(port: int, path: str) -> tuple[int, dict]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        body = await asyncio.wait_for(reader.readexactly(length), 10)
        return status, json.loads(body)
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_healthz_reports_an_unreachable_database(server: CentralServer, db_url: str) -> None:
    # the database file disappears and a folder takes its place: SQLite cannot open it any more
    path = Path(sa.make_url(db_url).database or "")
    server.engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.mkdir()
    status, body = await _http_get(server.port, "/healthz")
    assert status == 503 and body["status"] == "unavailable"
    path.rmdir()


async def test_a_store_failure_stores_nothing_and_the_replay_after_recovery_stores_once(server: CentralServer,
                                                                                      tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    await agent.push("WO-F", OPEN)
    with server.engine.begin() as conn:  # the change log disappears under the server: every commit now fails
        conn.execute(sa.text("ALTER TABLE changes RENAME TO changes_away"))
    op_id = protocol.new_op_id()
    edit = lc.EditFields({"district": "岳麓区"})
    await agent.send(protocol.Push(op_id, "WO-F", 1, edit, datetime.now(UTC)))
    await asyncio.wait_for(agent.closed.wait(), 10)
    assert agent.ws.close_code == CloseCode.TRY_AGAIN_LATER  # no answer was sent: the seat keeps the op
    assert not any(getattr(m, "op_id", None) == op_id for m in agent.received)
    with server.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE changes_away RENAME TO changes"))
    assert count(server, db.operations, op_id=op_id) == 0
    again = await WsClient.open(server.url, tokens.agent)
    ack = await again.push("WO-F", edit, base_version=1, op_id=op_id)
    assert isinstance(ack, protocol.Ack) and not ack.duplicate and ack.version == 2
    assert count(server, db.operations, op_id=op_id) == 1
    await again.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_stored_orders_are_exactly_the_cores_serialization(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    unit = await WsClient.open(server.url, tokens.unit)
    await dispatched(agent, "WO-S")
    for n, desk_command in enumerate([(unit, lc.Sign()), (agent, lc.LinkCall(CallLink("1.1"))),
                                      (unit, lc.LinkCall(CallLink("1.2"))), (unit, lc.RecordResponse("已联系"))]):
        desk, command = desk_command
        assert isinstance(await desk.push("WO-S", command, base_version=n + 2), protocol.Ack)
    with server.engine.connect() as conn:
        payloads = conn.execute(sa.select(db.changes.c.payload).order_by(db.changes.c.cursor)).scalars().all()
    assert len(payloads) == 6
    actions = ["open", "dispatch", "sign", "link_call", "link_call", "record_response"]
    for version, payload in enumerate(payloads, start=1):
        # the history reused between steps encodes exactly as a fresh encoding would, entry for entry
        data = json.loads(payload)
        assert [h["action"] for h in data["history"]] == actions[:version]
        assert work_order_to_dict(work_order_from_dict(data)) == data
        assert payload == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    await agent.close()
    await unit.close()


async def test_a_resume_cursor_from_another_store_gets_everything_again(server: CentralServer,
                                                                        tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    await agent.push("WO-A1", OPEN)
    await agent.push("WO-A2", OPEN)
    restored = await WsClient.open(server.url, tokens.agent2, resume_from=500)
    notice = await restored.wait_for(lambda m: isinstance(m, protocol.Error))
    assert notice.code == "cursor_ahead" and not notice.fatal
    await restored.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    assert [(c.order_id, c.cursor) for c in restored.changes()] == [("WO-A1", 1), ("WO-A2", 2)]
    await agent.close()
    await restored.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_connection_that_never_says_hello_is_closed(db_url: str) -> None:
    server = CentralServer(db_url, hello_timeout_s=0.2)
    await server.start()
    try:
        silent = await WsClient.open(server.url, "unused", hello=False)
        error = await silent.wait_for(lambda m: isinstance(m, protocol.Error))
        assert error.code == "hello_timeout" and error.fatal
        await asyncio.wait_for(silent.closed.wait(), 10)
        assert silent.ws.close_code == CloseCode.POLICY_VIOLATION
    finally:
        await server.stop()


async def test_a_client_that_asks_for_batches_catches_up_in_few_frames(server: CentralServer,
                                                                       tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    for n in range(30):
        await agent.push(f"WO-B{n}", OPEN)
    batched = await WsClient.open(server.url, tokens.agent2, batch=True)
    await batched.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    assert [c.cursor for c in batched.changes()] == list(range(1, 31))
    frames = [f for f in batched.frames if isinstance(f, protocol.ChangeBatch | protocol.Change)]
    assert len(frames) < 5 and isinstance(frames[0], protocol.ChangeBatch)
    plain = await WsClient.open(server.url, tokens.supervisor)  # did not ask: one change per frame
    await plain.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    assert not any(isinstance(f, protocol.ChangeBatch) for f in plain.frames)
    assert [c.cursor for c in plain.changes()] == list(range(1, 31))
    for client in (agent, batched, plain):
        await client.close()


def test_batches_stay_within_the_frame_limit() -> None:
    order = json.loads(protocol.encode(protocol.Change(1, "WO-1", 1, walk(OrderState.SIGNED)[0])))
    texts = []
    for cursor in range(1, 201):
        order_text = json.dumps({**order, "cursor": cursor, "op_id": None}, ensure_ascii=False)
        texts.append(order_text + " " * 4000)  # about 5 KB each: 200 of them need several frames
    frames = _batches(texts)
    assert len(frames) > 1
    decoded = [protocol.decode_server_message(f) for f in frames]
    cursors = [c.cursor for f in decoded for c in (f.items if isinstance(f, protocol.ChangeBatch) else (f,))]
    assert cursors == list(range(1, 201))
    assert all(len(f.encode()) <= protocol.MAX_MESSAGE_BYTES for f in frames)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_step_that_would_make_an_order_too_big_for_one_frame_is_rejected(server: CentralServer,
                                                                                 tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    await agent.push("WO-BIG", OPEN)
    version, answers = 1, []
    for n in range(30):  # each edit keeps the old 5,000-character text in the history too
        answer = await agent.push("WO-BIG", lc.EditFields({"description": (f"{n}" + "很长的描述" * 1000)[:5000]}),
                                  base_version=version)
        answers.append(answer)
        if isinstance(answer, protocol.Reject):
            break
        version = answer.version
    assert isinstance(answers[-1], protocol.Reject) and answers[-1].code == "order_too_large"
    assert all(isinstance(a, protocol.Ack) for a in answers[:-1]) and len(answers) > 2
    # what was stored still reaches every desk
    late = await WsClient.open(server.url, tokens.agent2)
    await late.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    assert late.changes()[-1].version == version and late.error is None
    await agent.close()
    await late.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_an_unexpected_failure_of_one_batch_does_not_stop_the_store_for_everyone(
        server: CentralServer, tokens: Tokens, monkeypatch: pytest.MonkeyPatch) -> None:
    """A defect raising something other than SyncError inside the store must end only the affected connections
    (their seats push again), never the one task that writes for every desk."""
    agent = await WsClient.open(server.url, tokens.agent)
    real_apply = server.store.apply_batch
    calls = []

    def fail_once(batch: object) -> object:
        calls.append(batch)
        if len(calls) == 1:
            raise RuntimeError("a defect in the store")
        return real_apply(batch)

    monkeypatch.setattr(server.store, "apply_batch", fail_once)
    op_id = protocol.new_op_id()
    await agent.send(protocol.Push(op_id, "WO-D", 0, OPEN, datetime.now(UTC)))
    await asyncio.wait_for(agent.closed.wait(), 10)
    assert agent.ws.close_code == CloseCode.TRY_AGAIN_LATER
    assert count(server, db.operations, op_id=op_id) == 0
    again = await WsClient.open(server.url, tokens.agent)
    ack = await asyncio.wait_for(again.push("WO-D", OPEN, op_id=op_id), 10)
    assert isinstance(ack, protocol.Ack) and ack.version == 1 and not ack.duplicate
    await again.close()


async def test_replaying_another_users_applied_op_id_does_not_reveal_an_order_the_unit_may_not_see(
        server: CentralServer, tokens: Tokens) -> None:
    """The stored answer of an applied operation carries the order; a unit that learns (or guesses) an op_id of an
    order it may not see gets no order back, whoever made the operation."""
    agent = await WsClient.open(server.url, tokens.agent)
    await agent.push("WO-SECRET", OPEN)
    dispatch_op = protocol.new_op_id()
    ack = await agent.push("WO-SECRET", lc.Dispatch(OTHER, ()), base_version=1, op_id=dispatch_op)
    assert isinstance(ack, protocol.Ack)
    unit = await WsClient.open(server.url, tokens.unit)  # LEAD: not this order's unit
    replay = await unit.push("WO-SECRET", lc.Dispatch(OTHER, ()), base_version=1, op_id=dispatch_op)
    assert not isinstance(replay, protocol.Ack)
    assert isinstance(replay, protocol.Reject) and replay.order is None and replay.code == "not_your_order"
    # the seat that made it still gets its ack again
    again = await agent.push("WO-SECRET", lc.Dispatch(OTHER, ()), base_version=1, op_id=dispatch_op)
    assert isinstance(again, protocol.Ack) and again.duplicate
    for client in (agent, unit):
        await client.close()


async def test_disabling_a_user_or_replacing_its_token_closes_its_open_connections(db_url: str) -> None:
    central = CentralServer(db_url, access_check_s=0.05)
    await central.start()
    try:
        store = central.store
        disabled_token = store.add_user("agent-d", "agent")
        replaced_token = store.add_user("agent-r", "agent")
        kept_token = store.add_user("agent-k", "agent")
        disabled = await WsClient.open(central.url, disabled_token)
        replaced = await WsClient.open(central.url, replaced_token)
        kept = await WsClient.open(central.url, kept_token)
        assert disabled.welcome and replaced.welcome and kept.welcome

        store.set_disabled("agent-d", True)
        new_token = store.add_user("agent-r", "agent", replace=True)
        for client in (disabled, replaced):
            error = await client.wait_for(lambda m: isinstance(m, protocol.Error))
            assert error.code == "token_revoked" and error.fatal
            await asyncio.wait_for(client.closed.wait(), TIMEOUT)
            assert client.ws.close_code == CloseCode.POLICY_VIOLATION  # 1008: the seat stops, it does not retry
        assert not kept.closed.is_set()  # everyone else carries on
        await kept.send(protocol.Ping(nonce=41))
        assert (await kept.wait_for(lambda m: isinstance(m, protocol.Pong))).nonce == 41
        again = await WsClient.open(central.url, new_token)  # the new token works
        assert again.welcome is not None
        await asyncio.sleep(0.2)  # a few access checks later it is still connected
        assert not again.closed.is_set()
        for client in (kept, again):
            await client.close()
    finally:
        await central.stop()
