"""Faults against the real central store on loopback (SQLite and PostgreSQL): the seat's process SIGKILLed while it
pushes, the center SIGKILLed mid-stream, duplicate and out-of-order deliveries, catch-up after being offline. For
each: every operation created is stored exactly once on the server, and nothing the seat showed as saved is lost."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.serialization import work_order_from_json
from agent_desktop.core.work_order import Category, Channel, NotAcceptedReason, OrderState
from sync.client import Backoff, SyncClient, SyncState
from sync.local_store import LocalStore, OperationState
from tests.sync.client.central import REPO, count_stored
from tests.sync.client.conftest import LEAD, Central

DRIVER = Path(__file__).with_name("seat_driver.py")
AGENT_A = Actor("agent-a", Role.AGENT, seat="A")
AGENT_B = Actor("agent-b", Role.AGENT, seat="B")
UNIT = Actor("unit-yl", Role.UNIT, unit=LEAD)
FAST = Backoff(initial_s=0.05, max_s=0.3)


def now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def running(store: LocalStore, central: Central, user: str, **options) -> AsyncIterator[SyncClient]:
    client = SyncClient(store, central.url, central.tokens[user], seat=user, backoff=FAST, poll_interval_s=0.1,
                        **options)
    task = asyncio.create_task(client.run())
    try:
        yield client
    finally:
        await client.stop()
        await task


def open_consultation(store: LocalStore, order_id: str, actor: Actor = AGENT_A):
    return store.open_order(order_id, channel=Channel.PHONE, actor=actor, now=now(), category=Category.COMPLAINT,
                            description="小区夜间施工噪音扰民")


def server_orders(db_url: str) -> dict[str, tuple[int, str]]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {r.order_id: (r.version, r.payload)
                    for r in conn.execute(sa.text("SELECT order_id, version, payload FROM orders"))}
    finally:
        engine.dispose()


def assert_all_stored_once(central: Central, store_path: Path) -> list[str]:
    """Every operation the seat ever queued is in the server's operations table exactly once (applied), applied
    exactly once (one change), and settled (acked) in the seat's outbox. Returns the op ids."""
    with sqlite3.connect(store_path) as raw:
        ops = raw.execute("SELECT op_id, state FROM outbox ORDER BY seq").fetchall()
    op_ids = [op for op, _ in ops]
    counts = count_stored(central.db_url, op_ids)
    assert counts.missing == []
    assert counts.applied == len(op_ids), counts
    assert counts.applied_more_than_once == []
    assert all(n == 1 for n in counts.changes_per_op.values())
    assert {state for _, state in ops} == {OperationState.ACKED.value}
    return op_ids


# --- the seat's process killed while pushing ---------------------------------------------------------------------


def start_driver(central: Central, tmp_path: Path, store: Path, orders: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), "--store", str(store), "--url", central.url,
         "--token-file", str(central.token_file(tmp_path, "agent-a")), "--user", "agent-a",
         "--orders", str(orders), "--prefix", "A"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)


def outbox_states(store: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as raw:
        return dict(raw.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())


def test_seat_killed_while_pushing_then_restarted(central: Central, tmp_path: Path) -> None:
    store = tmp_path / "seat.sqlite3"
    driver = start_driver(central, tmp_path, store, orders=200)
    shown: list[str] = []
    assert driver.stdout is not None
    at_kill: dict[str, int] = {}
    for line in driver.stdout:
        if line.startswith("saved "):
            shown.append(line.split()[2])
        states = outbox_states(store) if shown else {}
        if states.get("acked", 0) >= 3 and states.get("pending", 0) >= 1:
            driver.send_signal(signal.SIGKILL)  # mid-stream: some ops acked, some saved and not yet acked
            at_kill = states
            break
    driver.wait()
    driver.stdout.close()
    assert driver.stderr is not None
    driver.stderr.close()
    assert driver.returncode == -signal.SIGKILL, "the seat finished before it was caught mid-push"
    assert at_kill["pending"] >= 1

    with sqlite3.connect(store) as raw:
        queued = [op for (op,) in raw.execute("SELECT op_id FROM outbox ORDER BY seq")]
    assert queued[: len(shown)] == shown  # everything shown as saved survived the kill, in order

    again = start_driver(central, tmp_path, store, orders=0)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    assert out.strip().endswith("synced")

    op_ids = assert_all_stored_once(central, store)
    assert op_ids == queued
    on_server = server_orders(central.db_url)
    assert {f"A-{i:05d}" for i in range(len(queued))} <= set(on_server)


# --- the center killed mid-stream ---------------------------------------------------------------------------------


async def test_center_killed_mid_stream_and_the_seat_keeps_working(central: Central, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "seat.sqlite3")
    acks: list[str] = []
    try:
        async with running(store, central, "agent-a", window=8) as client:
            client.add_ack_listener(lambda op_id, _s: acks.append(op_id))
            await client.wait_for(lambda s: s.state is SyncState.ONLINE, 30)
            for i in range(30):
                await asyncio.to_thread(open_consultation, store, f"K-{i:03d}")
                client.wake()
                if len(acks) >= 5 and central.process.pid is not None and i >= 10:
                    break
            await client.wait_for(lambda s: s.state is SyncState.ONLINE and len(acks) >= 5, 30)
            await asyncio.to_thread(central.process.kill)
            await client.wait_for(lambda s: s.state in (SyncState.OFFLINE, SyncState.CONNECTING), 30)
            # the center is down: the seat keeps saving
            saved_offline = [open_consultation(store, f"K-off-{i}") for i in range(10)]
            assert all(store.get_order(o.order_id) == o for o in saved_offline)
            assert client.status.queue_depth >= 10 or store.queue_depth() >= 10
            assert client.status.last_error
            await asyncio.to_thread(central.process.start)
            await client.wait_synced(60)
        assert client.status.state is SyncState.STOPPED
        op_ids = assert_all_stored_once(central, store.path)
        assert len(op_ids) >= 20
        on_server = server_orders(central.db_url)
        for order_id in store.order_ids():
            version, payload = on_server[order_id]
            assert store.server_copy(order_id) == (work_order_from_json(payload), version)
            assert store.get_order(order_id) == work_order_from_json(payload)
    finally:
        store.close()


# --- duplicate and out-of-order deliveries ----------------------------------------------------------------------


async def test_replayed_pushes_after_a_lost_ack_are_stored_once(central: Central, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "seat.sqlite3")
    try:
        order = open_consultation(store, "D-1")
        store.apply_local("D-1", lc.Dispatch(LEAD), AGENT_A, max(now(), order.created_at))
        for i in range(5):
            open_consultation(store, f"D-{i + 2}")
        async with running(store, central, "agent-a") as client:
            await client.wait_synced(60)
        before = assert_all_stored_once(central, store.path)
        # a crash after the server committed but before the seat wrote the acks: the outbox says pending again
        with sqlite3.connect(store.path) as raw:
            raw.execute("UPDATE outbox SET state='pending', server_version=NULL")
        assert store.queue_depth() == len(before)
        duplicates: list[str] = []
        async with running(store, central, "agent-a") as client:
            client.add_ack_listener(lambda op_id, _s: duplicates.append(op_id))
            await client.wait_synced(60)
        assert sorted(duplicates) == sorted(before)  # every op pushed again and answered again...
        assert assert_all_stored_once(central, store.path) == before  # ...and still stored and applied once
        assert store.get_order("D-1").state is OrderState.DISPATCHED
    finally:
        store.close()


async def test_out_of_order_and_repeated_changes_leave_the_newest_state(central: Central, tmp_path: Path) -> None:
    """Two seats on the same order; the second receives the order's changes, then they are delivered to it again
    in the wrong order (an old server version after a newer one): the seat keeps the newest."""
    store_a = LocalStore(tmp_path / "a.sqlite3")
    store_b = LocalStore(tmp_path / "b.sqlite3")
    try:
        open_consultation(store_a, "O-1")
        store_a.apply_local("O-1", lc.EditFields({"district": "岳麓区"}), AGENT_A, now())
        store_a.apply_local("O-1", lc.Dispatch(LEAD), AGENT_A, now())
        async with running(store_a, central, "agent-a") as client_a:
            await client_a.wait_synced(60)
        async with running(store_b, central, "agent-b") as client_b:
            await client_b.wait_synced(60)
        newest = store_b.get_order("O-1")
        assert newest is not None and newest.state is OrderState.DISPATCHED
        engine = sa.create_engine(central.db_url)
        with engine.connect() as conn:
            log = conn.execute(sa.text(
                "SELECT cursor, version, payload FROM changes WHERE entity_id='O-1' ORDER BY cursor")).all()
        engine.dispose()
        assert [row.version for row in log] == [1, 2, 3]
        cursor = store_b.cursor()
        for row in reversed(log):  # newest first, then the older ones: out of order and repeated
            store_b.apply_remote_change("O-1", row.version, json.loads(row.payload), row.cursor)
        assert store_b.get_order("O-1") == newest
        assert store_b.server_copy("O-1")[1] == 3
        assert store_b.cursor() == cursor  # never moved back
    finally:
        store_a.close()
        store_b.close()


# --- catch-up after being offline; rejection shown and the order restored ------------------------------------------


async def test_changes_made_elsewhere_while_offline_arrive_on_reconnect(central: Central, tmp_path: Path) -> None:
    seat = LocalStore(tmp_path / "seat.sqlite3")
    unit = LocalStore(tmp_path / "unit.sqlite3")
    try:
        async with running(unit, central, "unit-yl") as unit_client:
            await unit_client.wait_for(lambda s: s.state is SyncState.ONLINE, 30)
        # the unit is offline; the seat opens and dispatches five orders to it
        for i in range(5):
            open_consultation(seat, f"C-{i}")
            seat.apply_local(f"C-{i}", lc.Dispatch(LEAD), AGENT_A, now())
        open_consultation(seat, "C-private")  # not dispatched: the unit may not see it
        async with running(seat, central, "agent-a") as seat_client:
            await seat_client.wait_synced(60)
            async with running(unit, central, "unit-yl") as unit_client:
                await unit_client.wait_synced(60)
                assert sorted(unit.order_ids()) == [f"C-{i}" for i in range(5)]
                for i in range(5):  # the unit signs; the seat sees it live
                    unit.apply_local(f"C-{i}", lc.Sign(), UNIT, now())
                unit_client.wake()
                await unit_client.wait_synced(60)
                await seat_client.wait_for(
                    lambda s: all(seat.get_order(f"C-{i}").state is OrderState.SIGNED for i in range(5)), 60)
        assert_all_stored_once(central, unit.path)
        assert_all_stored_once(central, seat.path)
    finally:
        seat.close()
        unit.close()


async def test_a_rejected_step_is_listed_and_the_order_restored(central: Central, tmp_path: Path) -> None:
    store_a = LocalStore(tmp_path / "a.sqlite3")
    store_b = LocalStore(tmp_path / "b.sqlite3")
    try:
        open_consultation(store_a, "R-1")
        async with running(store_a, central, "agent-a") as client_a:
            await client_a.wait_synced(60)
        async with running(store_b, central, "agent-b") as client_b:
            await client_b.wait_synced(60)
        # both seats, offline, act on the same order: A does not accept it, B dispatches it
        store_a.apply_local("R-1", lc.NotAccept(NotAcceptedReason.OUTSIDE_JURISDICTION), AGENT_A, now())
        dispatched = store_b.apply_local("R-1", lc.Dispatch(LEAD), AGENT_B, now())
        assert dispatched.state is OrderState.DISPATCHED
        async with running(store_a, central, "agent-a") as client_a:
            await client_a.wait_synced(60)
        async with running(store_b, central, "agent-b") as client_b:
            await client_b.wait_synced(60)
            assert client_b.status.rejections == 1
        [rejection] = store_b.rejections()
        assert rejection.code == "wrong_state" and rejection.operation["command"]["action"] == "dispatch"
        restored = store_b.get_order("R-1")
        assert restored is not None and restored.state is OrderState.NOT_ACCEPTED  # the server's state
        counts = count_stored(central.db_url, [rejection.op_id])
        assert counts.rejected == 1
    finally:
        store_a.close()
        store_b.close()


async def test_a_wrong_token_stops_the_client_without_retrying(central: Central, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "seat.sqlite3")
    try:
        open_consultation(store, "T-1")
        client = SyncClient(store, central.url, "not-a-token", backoff=FAST)
        await asyncio.wait_for(client.run(), 30)  # returns by itself: no retry storm
        assert client.status.state is SyncState.FAILED
        assert "unauthorized" in (client.status.last_error or "")
        assert store.status().last_error == client.status.last_error
        assert store.queue_depth() == 1  # the saved step is kept for when the token is fixed
        assert "not-a-token" not in repr(client)
    finally:
        store.close()


async def test_a_center_restored_from_an_older_backup_resends_everything(central: Central, tmp_path: Path) -> None:
    seat = LocalStore(tmp_path / "seat.sqlite3")
    try:
        open_consultation(seat, "B-1", AGENT_B)
        async with running(seat, central, "agent-b") as client:
            await client.wait_synced(60)
        head = seat.cursor()
        assert head is not None and head >= 1
        other = LocalStore(tmp_path / "other.sqlite3")
        other.set_cursor(head + 1000)  # as if this seat had seen changes the restored center no longer has
        try:
            async with running(other, central, "agent-a") as client:
                await client.wait_for(lambda s: s.state is SyncState.ONLINE and other.get_order("B-1") is not None,
                                      60)
            assert other.cursor() == head
        finally:
            other.close()
    finally:
        seat.close()
