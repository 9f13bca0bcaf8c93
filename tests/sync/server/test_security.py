"""Issue 15, the central store under attack: each finding, through the real server over websockets on SQLite and
PostgreSQL, by a user with a valid account (an agent, a unit, a seat). Each test failed before its fix."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from agent_desktop.core import knowledge as kb
from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import ConfigError
from agent_desktop.core.privacy import FieldCipher, display_caller, seal_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.serialization import OpenWorkOrder, command_to_dict
from agent_desktop.core.work_order import Caller, CallLink, Category, Channel, OrderState, SealedValue
from sync import protocol
from sync.client import Backoff, SyncClient
from sync.local_store import LocalStore
from sync.server import db
from sync.server.app import CentralServer
from sync.server.store import Submitted, User
from tests.sync.server.conftest import LEAD, OTHER, Tokens
from tests.sync.server.wsclient import WsClient, kb_push

PHONE = "13987654321"
OPEN = OpenWorkOrder(Channel.PHONE, category=Category.COMPLAINT, description="小区夜间施工噪音扰民")
FAST = Backoff(initial_s=0.05, max_s=0.3)


def stored_text(server: CentralServer) -> str:
    """Everything the store holds in its order, change and operation tables, as one text."""
    with server.engine.connect() as conn:
        rows = [*conn.execute(sa.select(db.orders)), *conn.execute(sa.select(db.changes)),
                *conn.execute(sa.select(db.operations))]
    return "\n".join(repr(tuple(row)) for row in rows)


async def push_raw(client: WsClient, order_id: str, command: dict, *, base_version: int = 0,
                   made_at: datetime | None = None, **extra: object) -> object:
    """Push a command as raw JSON (what a hostile desk can send) and return its answer."""
    op_id = protocol.new_op_id()
    frame = {"type": "push", "op_id": op_id, "order_id": order_id, "base_version": base_version,
             "command": command, "made_at": (made_at or datetime.now(UTC)).isoformat(), **extra}
    after = len(client.received)
    await client.send_raw(json.dumps(frame, ensure_ascii=False))
    return await client.answer(op_id, after=after)


async def dispatched(agent: WsClient, order_id: str) -> None:
    assert isinstance(await agent.push(order_id, OPEN), protocol.Ack)
    assert isinstance(await agent.push(order_id, lc.Dispatch(LEAD, ()), base_version=1), protocol.Ack)


# --- 1. forged "sealed" personal data ---------------------------------------------------------------------------


async def test_a_forged_sealed_value_is_refused_and_nothing_of_it_is_stored_or_logged(
        server: CentralServer, tokens: Tokens, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    agent = await WsClient.open(server.url, tokens.agent)
    forged = Caller(phone=SealedValue(PHONE, PHONE), is_anonymous=True)
    answer = await agent.push("WO-F", OpenWorkOrder(Channel.PHONE, caller=forged, description="噪音"))
    assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal", answer
    assert PHONE not in answer.reason
    # a real token of the cipher whose "mask" is the number itself: refused too
    cipher = FieldCipher.generate()
    token = cipher.encrypt(PHONE, order_id="WO-F", field="phone")
    unmasked = Caller(phone=SealedValue(token, PHONE), is_anonymous=True)
    answer = await agent.push("WO-F", OpenWorkOrder(Channel.PHONE, caller=unmasked, description="噪音"))
    assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
    # and by an edit of the caller on an order that exists
    assert isinstance(await agent.push("WO-E", OPEN), protocol.Ack)
    answer = await agent.push("WO-E", lc.EditFields({"caller": forged}), base_version=1)
    assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
    # a hostile desk putting the caller first in its frame, where websockets' frame log would show it
    op_id = protocol.new_op_id()
    command = {"caller": {"phone": {"ciphertext": PHONE, "masked": PHONE}, "is_anonymous": True}, "action": "open",
               "channel": "phone"}
    await agent.send_raw(json.dumps({"command": command, "type": "push", "op_id": op_id, "order_id": "WO-F",
                                     "base_version": 0, "made_at": datetime.now(UTC).isoformat()}))
    answer = await agent.answer(op_id)
    assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
    # nothing of it was stored (orders, changes, operations) nor logged by the centre, at any level
    assert PHONE not in stored_text(server)
    assert PHONE not in "\n".join(r.getMessage() for r in caplog.records if r.name != "websockets.client")
    assert any(r.name == "websockets.server" and "push" in r.getMessage() for r in caplog.records)
    # a value really sealed goes through, and every desk shows its mask
    sealed = seal_caller(Caller(phone=PHONE, is_anonymous=True), cipher, "WO-F")
    ack = await agent.push("WO-F", OpenWorkOrder(Channel.PHONE, caller=sealed, description="噪音"))
    assert isinstance(ack, protocol.Ack)
    assert display_caller(ack.order.caller)["phone"] == "139****4321"
    await agent.close()


async def test_a_store_holding_the_field_key_refuses_values_that_do_not_open_or_whose_mask_is_not_theirs(
        db_url: str) -> None:
    cipher = FieldCipher.generate()
    central = CentralServer(db_url, cipher=cipher)
    await central.start()
    try:
        agent = await WsClient.open(central.url, central.store.add_user("agent-k", "agent"))
        stranger = FieldCipher.generate()  # another key
        other_key = seal_caller(Caller(phone=PHONE, is_anonymous=True), stranger, "WO-K")
        answer = await agent.push("WO-K", OpenWorkOrder(Channel.PHONE, caller=other_key))
        assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
        other_order = seal_caller(Caller(phone=PHONE, is_anonymous=True), cipher, "WO-ELSEWHERE")
        answer = await agent.push("WO-K", OpenWorkOrder(Channel.PHONE, caller=other_order))
        assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
        token = cipher.encrypt(PHONE, order_id="WO-K", field="phone")
        wrong_mask = Caller(phone=SealedValue(token, "138****0000"), is_anonymous=True)  # a mask, not its own
        answer = await agent.push("WO-K", OpenWorkOrder(Channel.PHONE, caller=wrong_mask))
        assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
        good = seal_caller(Caller(phone=PHONE, is_anonymous=True), cipher, "WO-K")
        assert isinstance(await agent.push("WO-K", OpenWorkOrder(Channel.PHONE, caller=good)), protocol.Ack)
        await agent.close()
    finally:
        await central.stop()


# --- 2. plain personal data echoed and logged -----------------------------------------------------------------


async def test_errors_about_personal_fields_name_the_field_never_the_value(
        server: CentralServer, tokens: Tokens, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="sync")
    agent = await WsClient.open(server.url, tokens.agent)
    open_number = {"action": "open", "channel": "phone", "caller": {"phone": int(PHONE), "is_anonymous": True}}
    answer = await push_raw(agent, "WO-P", open_number)
    assert isinstance(answer, protocol.Reject) and answer.code == "bad_command"
    assert "caller.phone" in answer.reason and PHONE not in answer.reason
    open_list = {"action": "open", "channel": "phone", "caller": {"name": ["张", "三丰"], "is_anonymous": True}}
    answer = await push_raw(agent, "WO-P", open_list)
    assert isinstance(answer, protocol.Reject) and "caller.name" in answer.reason and "三丰" not in answer.reason
    edit = {"action": "edit", "changes": {"caller": {"address": {"street": "麓山南路932号"}}}}
    assert isinstance(await agent.push("WO-P", OPEN), protocol.Ack)
    answer = await push_raw(agent, "WO-P", edit, base_version=1)
    assert isinstance(answer, protocol.Reject) and "麓山南路" not in answer.reason
    assert "refused a message" in caplog.text  # the refusals were logged ...
    for value in (PHONE, "三丰", "麓山南路"):  # ... without the values
        assert value not in caplog.text
    await agent.close()


# --- 3. a unit freezing an order ------------------------------------------------------------------------------


async def test_no_unit_can_make_an_order_unmanageable_for_the_centre(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    unit = await WsClient.open(server.url, tokens.unit)
    supervisor = await WsClient.open(server.url, tokens.supervisor)
    await dispatched(agent, "WO-Z")
    assert isinstance(await unit.push("WO-Z", lc.Sign(), base_version=2), protocol.Ack)
    version = 3
    answer = await unit.push("WO-Z", lc.RequestReturn("不" * 10_000), base_version=version)
    if isinstance(answer, protocol.Reject):
        assert answer.code == "too_long"
        answer = await unit.push("WO-Z", lc.RequestReturn("不" * 1000), base_version=version)
    assert isinstance(answer, protocol.Ack)
    version += 1
    # the unit links calls with the longest recording names it may until the store refuses more
    refusals = set()
    for i in range(200):
        answer = await unit.push("WO-Z", lc.LinkCall(CallLink(f"1700000000.{i}", recording="r" * 2000 + ".wav")),
                                 base_version=version)
        if isinstance(answer, protocol.Reject) and answer.code == "too_long":
            answer = await unit.push("WO-Z", lc.LinkCall(CallLink(f"1700000000.{i}", recording="r" * 250)),
                                     base_version=version)
        if isinstance(answer, protocol.Reject):
            refusals.add(answer.code)
            break
        version += 1
    assert refusals  # the unit was stopped ...
    decided = await supervisor.push("WO-Z", lc.ApproveReturn("属于市住建局职责"), base_version=version)
    assert isinstance(decided, protocol.Ack), decided  # ... and the centre can still decide the return
    assert decided.order.state is OrderState.TO_DISPATCH

    # a seat editing the longest description again and again (history keeps every version): stopped before the
    # order reaches the frame's size, and the centre still has room for its own steps
    assert isinstance(await agent.push("WO-Y", OPEN), protocol.Ack)
    version = 1
    for i in range(60):
        answer = await agent.push("WO-Y", lc.EditFields({"description": str(i % 10) * 5 + "噪" * 4995}),
                                  base_version=version)
        if isinstance(answer, protocol.Reject):
            break
        version += 1
    assert isinstance(answer, protocol.Reject) and answer.code == "order_too_large"
    sent = await supervisor.push("WO-Y", lc.Dispatch(LEAD, ()), base_version=version)
    assert isinstance(sent, protocol.Ack), sent
    for client in (agent, unit, supervisor):
        await client.close()


# --- 4. rejected operations filling the disk ---------------------------------------------------------------------


def _rejected_rows(server: CentralServer) -> list[sa.Row]:
    with server.engine.connect() as conn:
        return list(conn.execute(sa.select(db.operations).where(db.operations.c.status == "rejected")))


async def test_what_is_kept_of_a_rejected_operation_is_bounded(server: CentralServer, tokens: Tokens,
                                                              db_url: str) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    assert isinstance(await agent.push("WO-D", OPEN), protocol.Ack)  # in intake: a return request is refused
    sqlite_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None

    def on_disk() -> int:
        return sum(p.stat().st_size for p in sqlite_file.parent.glob(sqlite_file.name + "*")) if sqlite_file else 0

    size_before = on_disk()
    huge = lc.RequestReturn("x" * 200_000)
    for _ in range(100):  # below the throttle's burst: every push is answered at once
        answer = await agent.push("WO-D", huge, base_version=1)
        assert isinstance(answer, protocol.Reject) and answer.code in ("wrong_state", "too_long")
    rows = _rejected_rows(server)
    assert len(rows) == 100
    full = json.dumps(command_to_dict(huge), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for row in rows:
        assert len(row.command) <= 500 and len(row.reject_reason) <= 1000
        assert row.command_sha256 == hashlib.sha256(full.encode()).hexdigest()
        assert row.command == full[:500]
    assert on_disk() - size_before < 2_000_000  # 100 × 200 kB was 20 MB; now a few hundred bytes each
    await agent.close()


async def test_a_user_producing_rejections_at_a_high_rate_is_slowed_down_and_reported(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    central = CentralServer(db_url, reject_burst=10, reject_rate=2)
    await central.start()
    caplog.set_level(logging.INFO)
    try:
        agent = await WsClient.open(central.url, central.store.add_user("agent-r", "agent"))
        quiet = await WsClient.open(central.url, central.store.add_user("agent-q", "agent"))
        assert isinstance(await agent.push("WO-R", OPEN), protocol.Ack)
        for _ in range(60):  # sent back to back; an agent may not sign: each is rejected
            await agent.send(protocol.Push(protocol.new_op_id(), "WO-R", 1, lc.Sign(), datetime.now(UTC)))
        slowed = await agent.wait_for(lambda m: isinstance(m, protocol.Error) and m.code == "slowed_down")
        assert not slowed.fatal
        reports = [r for r in caplog.records if r.levelno == logging.WARNING and "slowed down" in r.getMessage()]
        assert len(reports) == 1 and "agent-r" in reports[0].getMessage()
        assert "sign" not in reports[0].getMessage()  # the user, never what its operations held
        assert central.throttle.is_slowed("agent-r") and not central.throttle.is_slowed("agent-q")
        assert isinstance(await quiet.push("WO-Q", OPEN), protocol.Ack)  # other users are not slowed
        await agent.close()
        await quiet.close()
    finally:
        await central.stop()


# --- 5. world-readable stores ----------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_stores_and_their_folder_are_owner_only_on_a_fresh_home(db_url: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    old_umask = os.umask(0o022)
    try:
        from agent_desktop.config import default_data_dir
        from sync.local_store import default_store_path

        central_url = None if db_url.startswith("sqlite") else db_url  # SQLite: the default file in the data folder
        central = CentralServer(central_url)
        await central.start()
        try:
            token = central.store.add_user("agent-m", "agent")
            store = LocalStore(default_store_path())
            client = SyncClient(store, central.url, token, seat="M1", backoff=FAST, poll_interval_s=0.1)
            task = asyncio.create_task(client.run())
            store.open_order("WO-M", channel=Channel.PHONE, actor=Actor("agent-m", Role.AGENT, seat="M1"),
                             now=datetime.now(UTC), category=Category.HELP, description="路灯不亮")
            client.wake()
            await client.wait_synced(10)
            await client.stop()
            await task
            data = default_data_dir()
            assert _mode(data) == 0o700
            files = [default_store_path()]
            if central_url is None:
                files.append(data / db.DEFAULT_DB_FILE)
            for path in files:
                for suffix in ("", "-wal", "-shm"):
                    journal = path.with_name(path.name + suffix)
                    assert journal.exists() and _mode(journal) == 0o600, (journal, oct(_mode(journal)))
            store.close()
        finally:
            await central.stop()
    finally:
        os.umask(old_umask)


def test_an_existing_store_others_may_read_is_narrowed_and_a_readable_token_file_refused(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from agent_desktop.config import read_token_file

    path = tmp_path / "seat.sqlite3"
    LocalStore(path).close()
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        LocalStore(path).close()
    assert _mode(path) == 0o600 and "now owner-only" in caplog.text
    token_file = tmp_path / "token"
    token_file.write_text("secret-token\n")
    token_file.chmod(0o644)
    with pytest.raises(ConfigError) as refused:
        read_token_file(token_file)
    assert refused.value.code == "file_permissions" and "chmod 600" in refused.value.message
    token_file.chmod(0o600)
    assert read_token_file(token_file) == "secret-token"


# --- 6. backdated steps ------------------------------------------------------------------------------------------


async def test_steps_cannot_be_backdated_but_offline_steps_keep_their_time(server: CentralServer,
                                                                          tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    unit = await WsClient.open(server.url, tokens.unit)
    long_ago = datetime(2019, 1, 2, 9, 0, tzinfo=UTC)
    answer = await agent.push("WO-B", OPEN, made_at=long_ago)
    assert isinstance(answer, protocol.Reject) and answer.code == "backdated"
    # a seat offline for three hours: its steps keep their own times
    now = datetime.now(UTC)
    opened_at, dispatched_at = now - timedelta(hours=3), now - timedelta(hours=3) + timedelta(minutes=5)
    assert isinstance(await agent.push("WO-B", OPEN, made_at=opened_at), protocol.Ack)
    # (based on version 0, as the seat sends it: the centre had no version of the order when the seat acted)
    dispatch = await agent.push("WO-B", lc.Dispatch(LEAD, ()), base_version=0, made_at=dispatched_at)
    assert isinstance(dispatch, protocol.Ack) and dispatch.order.dispatched_at == dispatched_at
    # the unit dates its signature just after the dispatch, but the dispatch reached the centre only now; whatever
    # version it says it acted on, it cannot have received the order before that
    for base_version in (2, 0):
        early = await unit.push("WO-B", lc.Sign(), base_version=base_version,
                                made_at=dispatched_at + timedelta(minutes=1))
        assert isinstance(early, protocol.Reject) and early.code == "backdated"
    old_dispatch = await agent.push("WO-C", OPEN)
    assert isinstance(old_dispatch, protocol.Ack)
    answer = await agent.push("WO-C", lc.Dispatch(LEAD, ()), base_version=1, made_at=long_ago)
    assert isinstance(answer, protocol.Reject) and answer.code == "backdated"
    signed = await unit.push("WO-B", lc.Sign(), base_version=2)
    assert isinstance(signed, protocol.Ack) and signed.order.signed_at >= now - timedelta(minutes=2)
    # a knowledge entry's upkeep counts in the unit's assessment too
    op_id = protocol.new_op_id()
    create = kb.CreateEntry("KB-OLD-1", "老问题？", "老答案。", "环境保护", ("施工",))
    await unit.send(protocol.KbPush(op_id=op_id, entry_id="KB-OLD-1", command=create, made_at=long_ago))
    old_entry = await unit.wait_for(lambda m: isinstance(m, protocol.KbReject | protocol.KbAck) and m.op_id == op_id)
    assert isinstance(old_entry, protocol.KbReject) and old_entry.code == "backdated"
    for client in (agent, unit):
        await client.close()


async def test_a_step_older_than_the_seats_last_sync_is_refused_and_every_time_is_recorded(
        server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    now = datetime.now(UTC)
    command = command_to_dict(OPEN)
    before_sync = await push_raw(agent, "WO-S", command, made_at=now - timedelta(hours=2),
                                 synced_at=(now - timedelta(hours=1)).isoformat())
    assert isinstance(before_sync, protocol.Reject) and before_sync.code == "backdated"
    future_sync = await push_raw(agent, "WO-S", command, made_at=now, synced_at=(now + timedelta(days=1)).isoformat())
    assert isinstance(future_sync, protocol.Reject) and future_sync.code == "backdated"
    offline = await push_raw(agent, "WO-S", command, made_at=now - timedelta(hours=2),
                             synced_at=(now - timedelta(hours=5)).isoformat())
    assert isinstance(offline, protocol.Ack)
    with server.engine.connect() as conn:
        row = conn.execute(sa.select(db.operations).where(db.operations.c.op_id == offline.op_id)).one()
    aware = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in (row.made_at, row.synced_at, row.received_at)]
    assert aware[0] == now - timedelta(hours=2) and aware[1] == now - timedelta(hours=5)
    assert aware[2] >= now - timedelta(seconds=5)
    await agent.close()


async def test_the_seat_sends_its_last_sync_with_each_step(server: CentralServer, tokens: Tokens,
                                                           tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "seat.sqlite3")
    client = SyncClient(store, server.url, tokens.agent, seat="A1", backoff=FAST, poll_interval_s=0.1)
    task = asyncio.create_task(client.run())
    actor = Actor("agent-007", Role.AGENT, seat="A1")
    store.open_order("WO-L1", channel=Channel.PHONE, actor=actor, now=datetime.now(UTC), category=Category.HELP,
                     description="路灯不亮")
    client.wake()
    await client.wait_synced(10)
    synced = store.status().last_sync_at
    store.apply_local("WO-L1", lc.EditFields({"district": "岳麓区"}), actor, datetime.now(UTC))
    client.wake()
    await client.wait_synced(10)
    await client.stop()
    await task
    with server.engine.connect() as conn:
        rows = list(conn.execute(sa.select(db.operations.c.action, db.operations.c.synced_at)
                                 .order_by(db.operations.c.received_at)))
    assert [r.action for r in rows] == ["open", "edit"]
    edit_synced = rows[1].synced_at if rows[1].synced_at.tzinfo else rows[1].synced_at.replace(tzinfo=UTC)
    assert edit_synced == synced
    store.close()


# --- 7. credentials in debug logs ------------------------------------------------------------------------------


async def test_no_credential_reaches_any_log_at_debug(server: CentralServer, tokens: Tokens, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = LocalStore(tmp_path / "seat.sqlite3")
    client = SyncClient(store, server.url, tokens.agent, seat="A2", backoff=FAST, poll_interval_s=0.1)
    task = asyncio.create_task(client.run())
    store.open_order("WO-T1", channel=Channel.PHONE, actor=Actor("agent-007", Role.AGENT, seat="A2"),
                     now=datetime.now(UTC), category=Category.HELP, description="路灯不亮")
    client.wake()
    await client.wait_synced(10)
    await client.stop()
    await task
    store.close()
    text = caplog.text
    # no part of the token is in the log ...
    assert tokens.agent not in text and tokens.agent[:9] not in text
    # ... where websockets' frame log ran on both ends (so the check above is not vacuous)
    assert "TEXT" in text and "a frame with a credential, not logged" in text
    assert any(r.name == "websockets.server" for r in caplog.records)
    assert any(r.name == "websockets.client" for r in caplog.records)


# --- 8. small leaks ----------------------------------------------------------------------------------------------


async def test_a_unit_cannot_tell_which_order_ids_exist(server: CentralServer, tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    other = await WsClient.open(server.url, tokens.other_unit)
    await dispatched(agent, "WO-EXISTS")
    exists = await other.push("WO-EXISTS", lc.Sign(), base_version=2)
    missing = await other.push("WO-MISSING", lc.Sign(), base_version=2)
    assert isinstance(exists, protocol.Reject) and isinstance(missing, protocol.Reject)
    assert exists.code == missing.code == "not_your_order"
    assert exists.reason.replace("WO-EXISTS", "ID") == missing.reason.replace("WO-MISSING", "ID")
    assert (exists.version, exists.order) == (missing.version, missing.order) == (None, None)
    # the centre's desks see every order, so they are told plainly
    centre = await agent.push("WO-MISSING", lc.Sign(), base_version=2)
    assert isinstance(centre, protocol.Reject) and centre.code == "order_not_found"
    for client in (agent, other):
        await client.close()


async def test_replaying_another_units_rejected_op_id_reveals_nothing_of_it(server: CentralServer,
                                                                            tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    unit = await WsClient.open(server.url, tokens.unit)
    other = await WsClient.open(server.url, tokens.other_unit)
    await dispatched(agent, "WO-SECRET-7")
    op_id = protocol.new_op_id()
    secret_reason = "不属于本单位职责，应由区住建局处理"
    rejected = await unit.push("WO-SECRET-7", lc.RequestReturn(secret_reason), base_version=2, op_id=op_id)
    assert isinstance(rejected, protocol.Reject) and rejected.code == "wrong_state"  # not signed yet
    replay = await other.push("WO-MINE", lc.Sign(), base_version=1, op_id=op_id)
    assert isinstance(replay, protocol.Reject)
    assert replay.order_id == "WO-MINE" and "WO-SECRET-7" not in replay.reason
    assert rejected.reason not in replay.reason and replay.order is None and replay.version is None
    # the unit that made it still gets its own answer again
    again = await unit.push("WO-SECRET-7", lc.RequestReturn(secret_reason), base_version=2, op_id=op_id)
    assert isinstance(again, protocol.Reject) and (again.code, again.reason) == (rejected.code, rejected.reason)
    for client in (agent, unit, other):
        await client.close()


async def test_a_knowledge_base_refusal_does_not_name_another_units_draft_or_its_unit(server: CentralServer,
                                                                                      tokens: Tokens) -> None:
    unit = await WsClient.open(server.url, tokens.unit)
    other = await WsClient.open(server.url, tokens.other_unit)
    entry = "KB-DRAFT-1"
    create = kb.CreateEntry(entry, "岳麓区夜间施工噪音投诉怎么处理？", "由岳麓区城管执法大队受理。", "环境保护",
                            ("施工",))
    assert isinstance(await kb_push(unit, entry, create), protocol.KbAck)
    on_draft = await kb_push(other, entry, kb.SubmitEntry(entry, base_version=1))
    on_nothing = await kb_push(other, "KB-NONE-1", kb.SubmitEntry("KB-NONE-1", base_version=1))
    assert isinstance(on_draft, protocol.KbReject) and isinstance(on_nothing, protocol.KbReject)
    assert LEAD not in on_draft.reason and on_draft.entry is None
    assert on_draft.code == on_nothing.code
    assert on_draft.reason.replace(entry, "ID") == on_nothing.reason.replace("KB-NONE-1", "ID")
    for client in (unit, other):
        await client.close()


async def test_a_command_nested_deeper_than_the_documented_limit_is_refused(server: CentralServer,
                                                                            tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    deep = {"action": "edit", "changes": {"description": "x"}}
    nested: object = "x"
    for _ in range(900):
        nested = [nested]
    deep["changes"] = {"description": nested}
    frame = {"type": "push", "op_id": protocol.new_op_id(), "order_id": "WO-N", "base_version": 1,
             "command": deep, "made_at": datetime.now(UTC).isoformat()}
    await agent.send_raw(json.dumps(frame))
    error = await agent.wait_for(lambda m: isinstance(m, protocol.Error))
    assert error.code == "bad_json" and "32" in error.message and not error.fatal
    assert isinstance(await agent.push("WO-N", OPEN), protocol.Ack)  # the connection goes on
    await agent.close()


async def test_another_users_op_id_in_the_same_batch_tells_nothing_either(server: CentralServer,
                                                                          tokens: Tokens) -> None:
    agent = await WsClient.open(server.url, tokens.agent)
    await dispatched(agent, "WO-SECRET-8")
    await agent.close()
    lead = User("unit-yl", Role.UNIT, LEAD)
    water = User("unit-water", Role.UNIT, OTHER)
    op_id = protocol.new_op_id()
    now = datetime.now(UTC)
    first = Submitted(lead, None, protocol.Push(op_id, "WO-SECRET-8", 2, lc.RequestReturn("区住建局职责"), now), now)
    copy = Submitted(water, None, protocol.Push(op_id, "WO-MINE", 1, lc.Sign(), now), now)
    own, foreign = await asyncio.to_thread(server.store.apply_batch, [first, copy])  # arriving together
    assert "WO-SECRET-8" in own.text and "区住建局职责" not in foreign.text
    assert "WO-SECRET-8" not in foreign.text and json.loads(foreign.text)["code"] == "not_your_order"
