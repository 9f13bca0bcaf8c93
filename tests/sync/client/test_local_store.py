"""The seat's local store on a real SQLite file: one transaction per step (order + outbox), acks, rejections with
the order restored to the server's state, remote changes never silently overwriting pending steps, the cursor."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import InvalidCommand, SyncError, TransitionRefused
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.serialization import work_order_to_dict
from agent_desktop.core.work_order import Category, Channel, NotAcceptedReason, OrderState
from sync.local_store import LocalStore, OperationState

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 9, 28, 10, 0, tzinfo=TZ)
AGENT = Actor("agent-007", Role.AGENT, seat="A07")
SUPERVISOR = Actor("sup-1", Role.SUPERVISOR)
LEAD = "岳麓区人民政府"
UNIT = Actor("unit-yl", Role.UNIT, unit=LEAD)
CTX = lc.RuleContext.default()


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    with LocalStore(tmp_path / "seat.sqlite3") as s:
        yield s


def open_ready(store: LocalStore, order_id: str = "WO-1", now: datetime = T0):
    return store.open_order(order_id, channel=Channel.PHONE, actor=AGENT, now=now, category=Category.COMPLAINT,
                            description="小区夜间施工噪音扰民")


def test_wal_and_full_sync_are_in_force(store: LocalStore) -> None:
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with store._engine.connect() as conn:  # the store's own connections
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_each_connection_s_page_cache_is_bounded(store: LocalStore) -> None:
    # SQLite's default is 2 MiB per connection, for each of the connections the engine keeps open all day
    from sync.local_store import STORE_CACHE_KIB

    with store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -STORE_CACHE_KIB
    assert STORE_CACHE_KIB < 2000


def test_a_step_writes_the_order_and_its_operation_together(store: LocalStore) -> None:
    order = open_ready(store)
    dispatched = store.apply_local("WO-1", lc.Dispatch(LEAD), AGENT, T0 + timedelta(minutes=5))
    assert dispatched.state is OrderState.DISPATCHED
    assert store.get_order("WO-1") == dispatched
    pending = store.pending_operations()
    assert [p.action for p in pending] == ["open", "dispatch"]
    assert [p.seq for p in pending] == [1, 2]
    assert all(p.order_id == "WO-1" for p in pending)
    assert pending[0].at == order.created_at
    assert len({p.op_id for p in pending}) == 2
    assert store.queue_depth() == 2
    assert store.is_pending("WO-1")


def test_a_refused_step_writes_nothing(store: LocalStore) -> None:
    open_ready(store)
    before = store.get_order("WO-1")
    with pytest.raises(TransitionRefused):
        store.apply_local("WO-1", lc.Sign(), UNIT, T0 + timedelta(minutes=1))  # not dispatched yet
    assert store.get_order("WO-1") == before
    assert store.queue_depth() == 1


def test_unknown_order_and_duplicate_open_are_refused(store: LocalStore) -> None:
    with pytest.raises(InvalidCommand) as err:
        store.apply_local("nope", lc.Sign(), UNIT, T0)
    assert err.value.code == "unknown_order"
    open_ready(store)
    with pytest.raises(InvalidCommand) as err:
        open_ready(store)
    assert err.value.code == "order_exists"
    assert store.queue_depth() == 1


def test_everything_saved_survives_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "seat.sqlite3"
    with LocalStore(path) as first:
        open_ready(first)
        saved = first.apply_local("WO-1", lc.Dispatch(LEAD), AGENT, T0 + timedelta(minutes=5))
        client_id = first.client_id
        first.set_cursor(41)
    with LocalStore(path) as again:
        assert again.get_order("WO-1") == saved
        assert [p.action for p in again.pending_operations()] == ["open", "dispatch"]
        assert again.client_id == client_id
        assert again.cursor() == 41


def test_ack_settles_the_operation_and_sets_the_server_copy(store: LocalStore) -> None:
    open_ready(store)
    dispatched = store.apply_local("WO-1", lc.Dispatch(LEAD), AGENT, T0 + timedelta(minutes=5))
    first, second = store.pending_operations()
    assert store.mark_acked(first.op_id, 1, cursor=10)
    server, version = store.server_copy("WO-1")
    assert version == 1 and server is not None and server.state is OrderState.INTAKE  # replayed open
    assert store.get_order("WO-1") == dispatched  # the dispatch is still pending on top
    assert store.mark_acked(second.op_id, 2, cursor=11, order=work_order_to_dict(dispatched))
    assert store.server_copy("WO-1") == (dispatched, 2)
    assert not store.is_pending("WO-1")
    assert store.queue_depth() == 0
    assert store.cursor() == 11
    assert store.operation_state(second.op_id) is OperationState.ACKED
    # a duplicate ack (re-pushed after a reconnect) changes nothing
    assert not store.mark_acked(second.op_id, 2, cursor=11)
    assert store.get_order("WO-1") == dispatched
    assert store.status().last_ack_at is not None


def test_reject_restores_the_servers_state_and_is_listed(store: LocalStore) -> None:
    opened = open_ready(store)
    op_open = store.pending_operations()[0]
    store.mark_acked(op_open.op_id, 1, order=work_order_to_dict(opened))
    store.apply_local("WO-1", lc.Dispatch(LEAD), AGENT, T0 + timedelta(minutes=5))
    assert store.get_order("WO-1").state is OrderState.DISPATCHED
    op = store.pending_operations()[0]
    assert store.mark_rejected(op.op_id, "wrong_state", "已被其他坐席派单", order=work_order_to_dict(opened),
                               server_version=1)
    assert store.get_order("WO-1") == opened  # back to the server's state
    [rejection] = store.rejections()
    assert (rejection.op_id, rejection.code, rejection.text) == (op.op_id, "wrong_state", "已被其他坐席派单")
    assert rejection.operation["command"]["lead_unit"] == LEAD  # what the agent did is still readable
    assert store.queue_depth() == 0
    store.dismiss_rejection(op.op_id)
    assert store.rejections() == []
    assert len(store.rejections(include_dismissed=True)) == 1


def test_a_rejected_open_leaves_no_order_but_keeps_its_data(store: LocalStore) -> None:
    open_ready(store)
    store.apply_local("WO-1", lc.Dispatch(LEAD), AGENT, T0 + timedelta(minutes=5))
    op_open, op_dispatch = store.pending_operations()
    store.mark_rejected(op_open.op_id, "role_not_allowed", "no")
    # the dispatch cannot apply without the order: it stays queued (the server will refuse it), out of the view
    assert store.get_order("WO-1") is None
    assert store.queue_depth() == 1
    store.mark_rejected(op_dispatch.op_id, "unknown_order", "no such order")
    assert store.get_order("WO-1") is None
    assert "WO-1" not in store.order_ids()
    assert [r.operation["command"]["action"] for r in store.rejections()] == ["open", "dispatch"]


def server_side(order_id: str = "WO-1"):
    """An order as the center holds it, walked through the real core."""
    return lc.open_work_order(order_id, channel=Channel.WEB, actor=SUPERVISOR, now=T0,
                               category=Category.COMPLAINT, description="路灯不亮")


def test_remote_change_for_a_new_order_lands_as_is(store: LocalStore) -> None:
    order = server_side("WO-9")
    view = store.apply_remote_change("WO-9", 1, work_order_to_dict(order), cursor=5)
    assert view == order
    assert store.server_copy("WO-9") == (order, 1)
    assert store.cursor() == 5
    assert not store.is_pending("WO-9")


def test_remote_change_keeps_pending_steps_on_top(store: LocalStore) -> None:
    order = server_side()
    store.apply_remote_change("WO-1", 1, order, cursor=1)
    mine = store.apply_local("WO-1", lc.EditFields({"district": "岳麓区"}), AGENT, T0 + timedelta(minutes=2))
    # someone at the center edits another field meanwhile (version 2)
    theirs = lc.apply(order, lc.EditFields({"street": "望月湖街道"}), AGENT, T0 + timedelta(minutes=1), CTX)
    view = store.apply_remote_change("WO-1", 2, theirs, cursor=2)
    assert view.street == "望月湖街道" and view.district == "岳麓区"  # both: server's, then my pending edit
    assert store.queue_depth() == 1
    assert mine.district == view.district
    # an older or duplicate version changes nothing but never moves the cursor back
    assert store.apply_remote_change("WO-1", 1, order, cursor=1) == view
    assert store.cursor() == 2


def test_a_pending_step_that_no_longer_fits_stays_queued(store: LocalStore) -> None:
    order = server_side()
    store.apply_remote_change("WO-1", 1, order, cursor=1)
    store.apply_local("WO-1", lc.Dispatch(LEAD), SUPERVISOR, T0 + timedelta(minutes=5))
    # meanwhile the center did not accept the matter: the pending dispatch cannot apply on top
    closed = lc.apply(order, lc.NotAccept(NotAcceptedReason.OUTSIDE_JURISDICTION), AGENT,
                      T0 + timedelta(minutes=3), CTX)
    view = store.apply_remote_change("WO-1", 2, closed, cursor=2)
    assert view == closed  # the server's state is shown
    assert store.queue_depth() == 1  # but the step is not dropped: the server will reject it and the UI shows why


def test_change_carrying_our_op_id_acks_it(store: LocalStore) -> None:
    order = server_side()
    store.apply_remote_change("WO-1", 1, order, cursor=1)
    edited = store.apply_local("WO-1", lc.EditFields({"district": "岳麓区"}), AGENT, T0 + timedelta(minutes=2))
    op = store.pending_operations()[0]
    view = store.apply_remote_change("WO-1", 2, edited, cursor=3, op_id=op.op_id)
    assert view == edited
    assert store.operation_state(op.op_id) is OperationState.ACKED
    assert store.queue_depth() == 0


def test_batch_of_changes_in_one_transaction(store: LocalStore) -> None:
    orders = [server_side(f"WO-{i}") for i in range(20)]
    store.apply_remote_changes([(o.order_id, 1, work_order_to_dict(o), i + 1, None) for i, o in enumerate(orders)])
    assert store.cursor() == 20
    assert len(store.orders()) == 20


def test_a_change_naming_another_order_is_refused(store: LocalStore) -> None:
    with pytest.raises(SyncError) as err:
        store.apply_remote_change("WO-2", 1, server_side("WO-1"), cursor=1)
    assert err.value.code == "bad_change"
    assert store.cursor() is None


def test_status_lists_pending_and_errors(store: LocalStore) -> None:
    open_ready(store)
    store.record_error("connection refused")
    status = store.status()
    assert status.queue_depth == 1 and status.pending[0].action == "open"
    assert status.last_error == "connection refused" and status.last_error_at is not None
    store.record_error(None)
    assert store.status().last_error is None


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "seat.sqlite3"
    LocalStore(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE sync_state SET value='99' WHERE key='schema_version'")
    with pytest.raises(SyncError) as err:
        LocalStore(path)
    assert err.value.code == "store_too_new"


def test_acks_of_a_backlog_on_one_order_keep_the_view_and_end_on_the_servers_state(store: LocalStore) -> None:
    order = server_side()
    store.apply_remote_change("WO-1", 1, order, cursor=1)
    steps = [lc.EditFields({"district": "岳麓区"}), lc.EditFields({"street": "望月湖街道"}), lc.Dispatch(LEAD)]
    views = [store.apply_local("WO-1", step, AGENT, T0 + timedelta(minutes=i + 1)) for i, step in enumerate(steps)]
    pending = store.pending_operations()
    for version, (op, view) in enumerate(zip(pending, views, strict=True), start=2):
        # the center's result of each step is what the seat computed: the view stays the seat's newest
        assert store.mark_acked(op.op_id, version, order=view)
        assert store.get_order("WO-1") == views[-1]
        assert store.server_copy("WO-1") == (view, version)
    assert not store.is_pending("WO-1")


def test_an_ack_that_differs_from_the_seats_step_rebuilds_the_view_on_it(store: LocalStore) -> None:
    order = server_side()
    store.apply_remote_change("WO-1", 1, order, cursor=1)
    store.apply_local("WO-1", lc.EditFields({"district": "岳麓区"}), AGENT, T0 + timedelta(minutes=1))
    store.apply_local("WO-1", lc.EditFields({"street": "望月湖街道"}), AGENT, T0 + timedelta(minutes=2))
    first, _ = store.pending_operations()
    # the center recorded the first step later than the seat's clock said (e.g. after another desk's step)
    centers = lc.apply(order, lc.EditFields({"district": "岳麓区"}), AGENT, T0 + timedelta(minutes=1, seconds=30), CTX)
    store.mark_acked(first.op_id, 2, order=centers)
    view = store.get_order("WO-1")
    assert view.history[1] == centers.history[1]  # built on the center's version of the first step
    assert view.street == "望月湖街道" and view.district == "岳麓区"


def _server_json(store: LocalStore, order_id: str) -> str:
    with sqlite3.connect(store.path) as raw:
        return raw.execute("SELECT server_json FROM orders WHERE order_id = ?", (order_id,)).fetchone()[0]


def test_an_ack_takes_the_centers_text_only_when_it_is_what_the_seat_computed(store: LocalStore) -> None:
    import json

    from agent_desktop.core.serialization import work_order_to_json

    store.apply_remote_change("WO-1", 1, server_side(), cursor=1)
    first = store.apply_local("WO-1", lc.EditFields({"district": "岳麓区"}), AGENT, T0 + timedelta(minutes=1))
    second = store.apply_local("WO-1", lc.EditFields({"street": "望月湖街道"}), AGENT, T0 + timedelta(minutes=2))
    op1, op2 = store.pending_operations()
    # the center's text of the same order, but not in the canonical form (other key order, other spacing): the
    # server copy is still written canonically, never as the center's text
    odd = json.dumps(dict(reversed(list(work_order_to_dict(first).items()))), ensure_ascii=False, indent=1)
    assert store.mark_acked(op1.op_id, 2, order=first, order_json=odd)
    assert _server_json(store, "WO-1") == work_order_to_json(first)
    assert store.get_order("WO-1") == second
    # the exact text this seat computed: taken as it is, the view kept
    assert store.mark_acked(op2.op_id, 3, order=second, order_json=work_order_to_json(second))
    assert _server_json(store, "WO-1") == work_order_to_json(second)
    assert store.server_copy("WO-1") == (second, 3)
    assert not store.is_pending("WO-1")


def test_an_ack_settles_in_the_index_of_its_orders_pending_ops(store: LocalStore) -> None:
    # each ack reads the order's pending ops; an index on (order_id, state, seq) keeps that independent of the
    # length of the whole queue (ix_outbox_state alone made every ack walk every pending op of the store)
    with store._engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT min(seq) FROM outbox WHERE order_id = ? AND state = ?", ("WO-1", "pending")
        ).all()
    assert "ix_outbox_order_state_seq" in " ".join(str(row[-1]) for row in plan)


def test_a_store_from_before_the_pending_index_gets_it_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with LocalStore(path) as old:
        open_ready(old)
    with sqlite3.connect(path) as raw:
        raw.execute("DROP INDEX ix_outbox_order_state_seq")
    with LocalStore(path) as reopened:
        assert reopened.queue_depth() == 1
    with sqlite3.connect(path) as raw:
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "ix_outbox_order_state_seq" in names


def test_a_rejection_keeps_the_rules_article_also_in_a_store_made_before_it_was_kept(tmp_path: Path) -> None:
    path = tmp_path / "seat.sqlite3"
    with LocalStore(path) as old:
        open_ready(old)
    with sqlite3.connect(path) as raw:  # as an earlier version created it: no column for the article
        raw.execute("ALTER TABLE outbox DROP COLUMN reject_article")
    with LocalStore(path) as store:
        op = store.pending_operations()[0]
        assert store.mark_rejected(op.op_id, "backdated", "步骤时间早于上次同步", article="第14条")
        [rejection] = store.rejections()
        assert (rejection.code, rejection.article) == ("backdated", "第14条")


def test_the_orders_of_a_caller_are_found_by_the_numbers_fingerprint(store: LocalStore) -> None:
    from agent_desktop.core.privacy import FieldCipher, seal_caller
    from agent_desktop.core.work_order import Caller

    cipher = FieldCipher.generate()
    for order_id, phone in (("WO-1", "13800138000"), ("WO-2", "13912345678"), ("WO-3", "138 0013 8000")):
        store.open_order(order_id, channel=Channel.PHONE, actor=AGENT, now=T0, description="咨询",
                         caller=seal_caller(Caller(phone=phone), cipher, order_id))
    found = store.orders_of_caller(cipher.phone_key("13800138000"))
    assert sorted(o.order_id for o in found) == ["WO-1", "WO-3"]
    assert store.orders_of_caller("") == []
